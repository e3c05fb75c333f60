"""An invented SOP, defined only for tests, that walks docs/sop-baru.md: "Pelayanan Surat
Keterangan" of an invented kelurahan (agency ``contoh-kelurahan``).

1 verifikasi (petugas loket; an incomplete file closes the case) → 2 konsep_surat (petugas loket)
→ 3 persetujuan (lurah; approve, or send back to konsep_surat with notes: the review loop).

A real SOP spreads these sections over sop/<kode>.py, workflows/<sop>/{models,steps,workflow}.py
and api/<sop>/router.py; here they sit in one module, in that order, so the guide can count them.
The sections are marked ``# --- <name> ---``; the guide's line counts are per section.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, model_validator
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from fastapi import APIRouter, Depends, status
    from sqlalchemy.orm import Session

    from api.case_access import start_case
    from api.cases.routes import AuditRead, OfficerCases, tasks_of, trail_of
    from api.deps import SessionsDep, SettingsDep, TemporalClientDep, run_db
    from api.errors import responses
    from api.routers.tasks import TaskRead
    from db.models import Case, CaseContact
    from sop.models import Peran, Sop, SopIdentity, SopStep
    from workflows.case.models import OfficerAction
    from workflows.case.officer_case import OfficerCase
    from workflows.case.step_table import OfficerStep, StepTable
    from workflows.case.text import Teks, TeksOpsional

# --- catalogue (sop/<kode>.py) ---
CONTOH = Sop(
    kode="contoh-surat-keterangan",
    agensi="contoh-kelurahan",
    sumber="contoh_surat_keterangan.txt",
    identitas=SopIdentity(
        nomor="00",
        nama="Pelayanan Surat Keterangan",
        pemerintah="Kota Contoh",
        instansi="Kelurahan Contoh",
        tanggal_pembuatan="1 Desember 2026",
        dasar_hukum=("Contoh untuk pengujian; tidak ada dasar hukum",),
        kualifikasi_pelaksana=("Memahami persyaratan surat keterangan",),
        peralatan=("Komputer, printer, stempel kelurahan",),
        pencatatan="Arsip surat keterangan di Alur",
    ),
    peran=(
        Peran(kode="petugas_loket", nama="Petugas Loket Pelayanan", atasan="lurah"),
        Peran(kode="lurah", nama="Lurah", atasan="camat"),
        Peran(kode="camat", nama="Camat"),
    ),
    langkah=(
        SopStep(
            nomor=1,
            kode="verifikasi",
            kegiatan="Petugas loket memeriksa kelengkapan berkas (KTP, KK, pengantar RT/RW)",
            kegiatan_en="The counter officer checks that the application's documents are complete",
            pelaksana="petugas_loket",
            kelengkapan=("KTP", "KK", "Surat pengantar RT/RW"),
            waktu=timedelta(minutes=15),
            waktu_teks="15 menit",
            output="Berkas terverifikasi",
        ),
        SopStep(
            nomor=2,
            kode="konsep_surat",
            kegiatan="Petugas loket menyusun konsep surat keterangan",
            kegiatan_en="The counter officer drafts the letter",
            pelaksana="petugas_loket",
            kelengkapan=("Berkas terverifikasi",),
            waktu=timedelta(minutes=30),
            waktu_teks="30 menit",
            output="Konsep surat",
        ),
        SopStep(
            nomor=3,
            kode="persetujuan",
            kegiatan="Lurah memeriksa dan menandatangani surat, atau mengembalikannya",
            kegiatan_en="The lurah signs the letter or sends it back with notes",
            pelaksana="lurah",
            kelengkapan=("Konsep surat",),
            waktu=timedelta(minutes=15),
            waktu_teks="15 menit",
            output="Surat keterangan yang ditandatangani",
        ),
    ),
)


# --- models (workflows/<sop>/models.py) ---
class JenisSurat(StrEnum):
    domisili = "domisili"
    usaha = "usaha"
    tidak_mampu = "tidak_mampu"


class Permohonan(BaseModel):
    """The workflow's input: the case number and the kind of letter; the applicant's name and
    phone stay in the database (case_contacts), never in history."""

    case_number: str
    jenis: JenisSurat


class HasilPermohonan(BaseModel):
    case_number: str
    status: str
    rounds: int
    sla_breached: bool


class VerifikasiData(BaseModel):
    lengkap: bool
    catatan: TeksOpsional = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _reason(self) -> VerifikasiData:
        if not self.lengkap and not self.catatan:
            raise ValueError("catatan wajib diisi bila berkas tidak lengkap")
        return self


class KonsepSuratData(BaseModel):
    nomor_surat: Teks = Field(max_length=60)
    isi: Teks = Field(max_length=4000)


class PersetujuanData(BaseModel):
    setuju: bool
    catatan: TeksOpsional = Field(default=None, max_length=2000)

    @model_validator(mode="after")
    def _notes(self) -> PersetujuanData:
        if not self.setuju and not self.catatan:
            raise ValueError("catatan wajib diisi bila surat dikembalikan untuk revisi")
        return self


class Verifikasi(VerifikasiData, OfficerAction):
    def audit_detail(self) -> dict[str, object]:
        return {**super().audit_detail(), "keputusan": "lengkap" if self.lengkap else "ditolak"}


class KonsepSurat(KonsepSuratData, OfficerAction):
    pass


class Persetujuan(PersetujuanData, OfficerAction):
    def audit_detail(self) -> dict[str, object]:
        return {**super().audit_detail(), "keputusan": "setuju" if self.setuju else "revisi"}


# --- step table (workflows/<sop>/steps.py) ---
LANGKAH = StepTable(
    CONTOH,
    (
        OfficerStep(
            "verifikasi",
            VerifikasiData,
            Verifikasi,
            title="Verifikasi berkas surat keterangan {jenis} {nomor}",
            closes=True,
        ),
        OfficerStep(
            "konsep_surat",
            KonsepSuratData,
            KonsepSurat,
            title="Susun konsep surat keterangan {jenis}{revisi}",
        ),
        OfficerStep(
            "persetujuan",
            PersetujuanData,
            Persetujuan,
            title="Setujui surat keterangan {jenis} nomor {nomor_surat}",
            closes=True,
        ),
    ),
)


# --- workflow (workflows/<sop>/workflow.py) ---
@workflow.defn(name="ContohSuratKeterangan")
class ContohSuratKeterangan(OfficerCase, table=LANGKAH, id_prefix="contoh"):
    """One application for a letter, from the counter to the lurah's signature."""

    @workflow.init
    def __init__(self, permohonan: Permohonan) -> None:
        self._begin(permohonan.case_number, status="diterima")

    @workflow.run
    async def run(self, permohonan: Permohonan) -> HasilPermohonan:
        steps, nomor = self._steps, permohonan.case_number
        jenis = permohonan.jenis.value.replace("_", " ")
        self._tag()
        await self._open(
            kind=permohonan.jenis.value,
            channel="loket",
            subject=f"Surat keterangan {jenis}",
            detail={"jenis": permohonan.jenis.value},
        )
        cek = await steps.perform(
            "verifikasi",
            Verifikasi,
            status="diterima",
            title=LANGKAH.title("verifikasi", jenis=jenis, nomor=nomor),
        )
        if not cek.lengkap:
            return await self._finish("ditutup", f"Berkas tidak lengkap: {cek.catatan}", None)
        self._status, notes = "diproses", None
        while True:  # konsep_surat and persetujuan, as many rounds as the lurah needs
            revisi = f" (revisi ke-{self._round - 1}: {notes[:80]})" if notes else ""
            konsep = await steps.perform(
                "konsep_surat",
                KonsepSurat,
                status="diproses",
                title=LANGKAH.title("konsep_surat", jenis=jenis, revisi=revisi),
                round=self._round,
            )
            putusan = await steps.perform(
                "persetujuan",
                Persetujuan,
                status="diproses",
                title=LANGKAH.title("persetujuan", jenis=jenis, nomor_surat=konsep.nomor_surat),
                round=self._round,
            )
            if putusan.setuju:
                break
            notes, self._round = putusan.catatan, self._round + 1
        siap = f"Surat keterangan {jenis} nomor {konsep.nomor_surat} dapat diambil di loket."
        return await self._finish("selesai", None, siap)

    async def _finish(
        self, status: str, reason: str | None, response: str | None
    ) -> HasilPermohonan:
        await self._close(
            status=status, reason=reason, response=response, detail={"alasan": reason}
        )
        return HasilPermohonan(
            case_number=self._case.case_number,
            status=status,
            rounds=self._round,
            sla_breached=self._steps.sla_breached,
        )


# --- routes (api/<sop>/router.py) ---
CASES = OfficerCases(LANGKAH)
router = APIRouter(prefix="/contoh", tags=["contoh"])
router.include_router(CASES.router)


class PermohonanCreate(BaseModel):
    jenis: JenisSurat
    nama: Teks = Field(max_length=200)


class PermohonanDiterima(BaseModel):
    nomor_kasus: str
    status: str


class KasusRead(BaseModel):
    nomor_kasus: str
    status: str
    langkah_sekarang: str | None
    sla_terlampaui: bool
    tanggapan: str | None
    alasan_penutupan: str | None
    tugas: list[TaskRead]
    jejak_audit: list[AuditRead]


@router.post("/permohonan", status_code=status.HTTP_201_CREATED, responses=responses(422, 503))
async def ajukan(
    body: PermohonanCreate,
    sessions: SessionsDep,
    client: TemporalClientDep,
    settings: SettingsDep,
) -> PermohonanDiterima:
    """File an application at the counter; the case starts at verifikasi."""
    number = f"CTH-{secrets.token_hex(5).upper()}"
    await run_db(sessions, _record_intake, body, number)
    await start_case(
        client,
        ContohSuratKeterangan,
        Permohonan(case_number=number, jenis=body.jenis),
        status="diterima",
        task_queue=settings.task_queue,
        summary=f"surat keterangan {body.jenis.value}: {number}",
    )
    return PermohonanDiterima(nomor_kasus=number, status="diterima")


def _record_intake(session: Session, body: PermohonanCreate, number: str) -> None:
    session.add(
        Case(
            case_number=number,
            workflow_id=ContohSuratKeterangan.workflow_id_for(number),
            sop=CONTOH.kode,
            agency=CONTOH.agensi,
            kind=body.jenis.value,
            channel="loket",
            subject=f"Surat keterangan {body.jenis.value}",
            status="diterima",
            current_step="verifikasi",
            contact=CaseContact(name=body.nama),
        )
    )
    session.commit()


@router.get("/kasus/{nomor_kasus}", responses=responses(401, 403, 404))
async def lihat(
    case: Annotated[Case, Depends(CASES.current_case)], sessions: SessionsDep
) -> KasusRead:
    """The case as the kelurahan's officers see it: its tasks and its whole audit trail."""
    return await run_db(sessions, _read_case, case)


def _read_case(session: Session, case: Case) -> KasusRead:
    return KasusRead(
        nomor_kasus=case.case_number,
        status=case.status,
        langkah_sekarang=case.current_step,
        sla_terlampaui=case.sla_breached,
        tanggapan=case.public_response,
        alasan_penutupan=case.closing_reason,
        tugas=tasks_of(session, case),
        jejak_audit=trail_of(session, case),
    )
