"""The document trail of a Trenggalek proposal, as SOP 07-6/SOP/1/2022 names it: the agenda book of
official letters (buku agenda), the disposition sheets (lembar disposisi) and the archive binder
(bendel arsip), built from the case's read model for the JSON and the printable page.

Every accepted action is a disposition: who (username, name, role), when, in which step and round,
what they decided and their note. Every version of the proposal's text is listed with a diff from
the same step's version before it, so a reader sees who changed what in which round.

Beside the codes the JSON has always carried, every line has its words (``api.web.trail_words``:
step names, role titles, full names, days and times in WIB, decisions and refusal reasons), so the
printed record a clerk files reads as a naskah dinas, and a late step is marked where it happened.
The kop's address and the place of the signature line are settings (``TrenggalekSettings``); the
signature is the Kepala Dinas who decided the proposal, with their NIP.
"""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from alur.settings_trenggalek import TrenggalekSettings
from api.web import trail_words as words
from db.base import utcnow
from db.models import AuditEvent, Case, Officer, Task
from db.trenggalek.models import TrenggalekUsulan, TrenggalekVersiNaskah
from sop.trenggalek import TRENGGALEK


def wib(at: datetime) -> str:
    """A time as the clerk writes it: ``21 November 2026 14.05 WIB``."""
    return f"{words.tanggal(at)} {at.astimezone(words.WIB):%H.%M} WIB"


class VersiRead(BaseModel):
    """One version of the proposal's text, with what changed from the step's previous version
    (read from its row by the row's names, ``validation_alias``)."""

    model_config = ConfigDict(from_attributes=True)

    no: int = 0
    putaran: int = Field(validation_alias="round")
    langkah: str = Field(validation_alias="step")
    penulis: str = Field(validation_alias="author")
    peran: str = Field(validation_alias="author_role")
    waktu: datetime = Field(validation_alias="created_at")
    waktu_wib: str = ""
    teks: str
    catatan: str | None
    diff: str | None = None
    """Unified diff from the same step's previous version; None for a step's first version."""


class AgendaRead(BaseModel):
    """The proposal's line in the agenda book of official letters."""

    nomor_agenda: str | None
    tanggal: datetime
    tanggal_wib: str
    perihal: str
    pengusul: str | None
    nama_pengusul: str | None
    instansi: str
    unit: str


class DisposisiRead(BaseModel):
    """One disposition: an accepted action with its author, role, time and note."""

    no: int
    waktu: datetime
    waktu_wib: str
    langkah: str | None
    nama_langkah: str
    putaran: int | None
    penulis: str | None
    nama_penulis: str | None
    peran: str | None
    nama_peran: str | None
    keputusan: str
    catatan: str | None
    kembali_ke: str | None
    waktu_teks: str = ""
    """The time in words with its day: ``Senin, 30 November 2026 14.05 WIB``."""
    keputusan_teks: str = ""
    """The decision in words, with the step a revision goes back to."""
    terlambat: bool = False
    """This level's task passed the step's time standard."""
    mutu_baku: str = ""


class ArsipRead(BaseModel):
    """One line of the archive: every event of the case, numbered (read from its audit row by
    the row's names, then its words)."""

    model_config = ConfigDict(from_attributes=True)

    no: int = 0
    waktu: datetime = Field(validation_alias="at")
    waktu_wib: str = ""
    peristiwa: str = Field(validation_alias="event")
    langkah: str | None = Field(validation_alias="step")
    putaran: int | None = Field(validation_alias="round")
    pelaku: str | None = Field(validation_alias="actor")
    peran: str | None = Field(validation_alias="actor_role")
    detail: dict[str, Any]
    waktu_teks: str = ""
    peristiwa_teks: str = ""
    langkah_teks: str = ""
    pelaku_nama: str = ""
    jabatan: str = ""
    keterangan: str = ""
    """The line's decision, note, refusal reason or time standard in words."""
    terlambat: bool = False
    ditolak: bool = False


class PenandatanganRead(BaseModel):
    """Who signs the record: the Kepala Dinas who decided the proposal (title, name, NIP)."""

    jabatan: str
    nama: str | None
    nip: str | None


class JejakRead(BaseModel):
    """The whole document trail of a proposal."""

    nomor_kasus: str
    nomor_agenda: str | None
    sop_nomor: str
    sop_nama: str
    pemerintah: str
    instansi: str
    judul: str
    status: str
    dibuat: datetime
    selesai: datetime | None
    hasil: str | None
    alasan_penolakan: str | None
    dicetak_wib: str
    buku_agenda: AgendaRead
    disposisi: list[DisposisiRead]
    versi_naskah: list[VersiRead]
    arsip: list[ArsipRead]
    alamat_kop: str = ""
    status_teks: str = ""
    alasan_penolakan_teks: str | None = None
    """The rejection reason in words (``Ditolak oleh Kepala Bidang ...: ...``)."""
    tempat_tanggal: str = ""
    """The place-and-date line above the signature: ``Trenggalek, 1 Desember 2026`` (the day the
    Kepala Dinas decided, or the day of printing while undecided)."""
    penandatangan: PenandatanganRead | None = None


def _role_name(code: str | None) -> str | None:
    if code is None:
        return None
    try:
        return TRENGGALEK.role(code).nama
    except KeyError:
        return code


def _step_name(code: str | None) -> str:
    if code is None:
        return "-"
    try:
        return TRENGGALEK.step(code).kegiatan
    except KeyError:
        return code


def read_versions(session: Session, case_number: str) -> list[VersiRead]:
    """Every version of the text, oldest first, each with its diff from the step's last one."""
    rows = session.scalars(
        select(TrenggalekVersiNaskah)
        .where(TrenggalekVersiNaskah.case_number == case_number)
        .order_by(TrenggalekVersiNaskah.id)
    ).all()
    last: dict[str, TrenggalekVersiNaskah] = {}
    out: list[VersiRead] = []
    for n, v in enumerate(rows, start=1):
        before = last.get(v.step)
        diff = None
        if before is not None:
            diff = "\n".join(
                difflib.unified_diff(
                    before.teks.splitlines(),
                    v.teks.splitlines(),
                    fromfile=f"{v.step} putaran {before.round} ({before.author})",
                    tofile=f"{v.step} putaran {v.round} ({v.author})",
                    lineterm="",
                )
            )
        last[v.step] = v
        out.append(
            VersiRead.model_validate(v).model_copy(
                update={"no": n, "waktu_wib": wib(v.created_at), "diff": diff}
            )
        )
    return out


def _note(event: AuditEvent) -> str | None:
    """The note a disposition sheet shows for an accepted action."""
    d = event.detail
    if event.step == "tindak_lanjut":
        how = f"Cara: {d.get('cara')}"
        if d.get("tim"):
            how += f"; tim: {', '.join(str(t) for t in d['tim'])}"
        if d.get("referensi_pengadaan"):
            how += f"; referensi pengadaan: {d['referensi_pengadaan']}"
        return (
            f"{how}; teknis: {d.get('tindak_lanjut_teknis')}; "
            f"administrasi: {d.get('tindak_lanjut_administrasi')}"
        )
    if event.step == "penyiapan_layanan":
        return f"Diterbitkan: {d.get('nama_aplikasi')}"
    note = d.get("catatan")
    return str(note) if note is not None else None


STATUS_TEKS = {
    "diproses": "Sedang disusun",
    "ditelaah": "Sedang ditelaah pimpinan",
    "disetujui": "Disetujui, sedang ditindaklanjuti",
    "selesai": "Selesai: disetujui dan informasinya diterbitkan",
    "ditolak": "Ditolak",
}
"""A proposal's status in words."""

DECIDER = "kepala_dinas"
"""The role that decides a proposal and signs its record."""


def _late_tasks(session: Session, case_number: str) -> dict[tuple[str, int, str], bool]:
    """Per (step, round, role), whether that task passed its time standard."""
    out: dict[tuple[str, int, str], bool] = {}
    for t in session.scalars(select(Task).where(Task.case_number == case_number)):
        late = t.overdue or (
            t.due_at is not None and t.completed_at is not None and t.completed_at > t.due_at
        )
        key = (t.step, t.round, t.role)
        out[key] = out.get(key, False) or late
    return out


def _signer(
    accepted: list[AuditEvent], officers: dict[str, Officer]
) -> tuple[PenandatanganRead, AuditEvent | None]:
    """The Kepala Dinas's final word on the proposal (approval or rejection) and who gave it."""
    title = TRENGGALEK.role(DECIDER).nama
    decided = [
        e
        for e in accepted
        if e.step == "telaah_pimpinan"
        and e.actor_role == DECIDER
        and e.detail.get("keputusan") in ("setuju", "tolak")
    ]
    if not decided:
        return PenandatanganRead(jabatan=title, nama=None, nip=None), None
    last = decided[-1]
    who = officers.get(last.actor or "")
    return (
        PenandatanganRead(
            jabatan=title,
            nama=who.full_name if who else None,
            nip=who.nip if who else None,
        ),
        last,
    )


def build_trail(
    session: Session, case: Case, settings: TrenggalekSettings | None = None
) -> JejakRead:
    """The trail of ``case`` (the caller has checked the officer's agency)."""
    settings = settings or TrenggalekSettings()
    entry = session.scalar(
        select(TrenggalekUsulan).where(TrenggalekUsulan.case_number == case.case_number)
    )
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.case_number == case.case_number).order_by(AuditEvent.id)
    ).all()
    officers = {
        o.username: o for o in session.scalars(select(Officer).where(Officer.agency == case.agency))
    }
    names = {u: o.full_name for u, o in officers.items()}
    nama = words.Nama.of(TRENGGALEK, officers.values())
    late = _late_tasks(session, case.case_number)
    accepted = [e for e in events if e.event == "aksi_diterima"]
    ident = TRENGGALEK.identitas
    pengusul = entry.pengusul if entry else None
    signer, decision = _signer(accepted, officers)
    signed_on = decision.at if decision is not None else utcnow()
    return JejakRead(
        nomor_kasus=case.case_number,
        nomor_agenda=entry.nomor_agenda if entry else None,
        sop_nomor=ident.nomor,
        sop_nama=ident.nama,
        pemerintah=ident.pemerintah,
        instansi=ident.instansi,
        judul=case.subject,
        status=case.status,
        dibuat=case.created_at,
        selesai=case.closed_at,
        hasil=case.public_response,
        alasan_penolakan=case.closing_reason,
        dicetak_wib=wib(utcnow()),
        buku_agenda=AgendaRead(
            nomor_agenda=entry.nomor_agenda if entry else None,
            tanggal=case.created_at,
            tanggal_wib=wib(case.created_at),
            perihal=case.subject,
            pengusul=pengusul,
            nama_pengusul=names.get(pengusul) if pengusul else None,
            instansi=ident.instansi,
            unit=ident.unit,
        ),
        disposisi=[
            DisposisiRead(
                no=n,
                waktu=e.at,
                waktu_wib=wib(e.at),
                langkah=e.step,
                nama_langkah=_step_name(e.step),
                putaran=e.round,
                penulis=e.actor,
                nama_penulis=names.get(e.actor) if e.actor else None,
                peran=e.actor_role,
                nama_peran=_role_name(e.actor_role),
                keputusan=str(e.detail.get("keputusan", "selesai")),
                catatan=_note(e),
                kembali_ke=e.detail.get("kembali_ke"),
                waktu_teks=words.waktu_wib(e.at),
                keputusan_teks=_decision_words(e),
                terlambat=late.get((e.step or "", e.round or 0, e.actor_role or ""), False),
                mutu_baku=TRENGGALEK.step(e.step).waktu_teks if e.step else "",
            )
            for n, e in enumerate(accepted, start=1)
        ],
        versi_naskah=read_versions(session, case.case_number),
        arsip=[_arsip(n, e, nama) for n, e in enumerate(events, start=1)],
        alamat_kop=settings.alamat_kop,
        alasan_penolakan_teks=(
            words.alasan_kata(case.closing_reason, nama) if case.closing_reason else None
        ),
        status_teks=STATUS_TEKS.get(case.status, case.status.replace("_", " ").capitalize()),
        tempat_tanggal=f"{settings.tempat_surat}, {words.tanggal(signed_on)}",
        penandatangan=signer,
    )


def _decision_words(e: AuditEvent) -> str:
    """A disposition's decision in words (``Dikembalikan untuk diperbaiki, kembali ke langkah 2.
    Melakukan telaah ...``)."""
    decision = str(e.detail.get("keputusan", "selesai"))
    text = words.KEPUTUSAN.get(decision, decision.replace("_", " ").capitalize())
    back = e.detail.get("kembali_ke")
    if back:
        text += f", kembali ke langkah {words.nama_langkah(TRENGGALEK, str(back))}"
    return text


def _arsip(n: int, e: AuditEvent, nama: words.Nama) -> ArsipRead:
    line = words.baris(e, nama)
    words_of = {"peristiwa_teks": line.peristiwa, "langkah_teks": line.langkah}
    words_of |= {"pelaku_nama": line.pelaku, "waktu_teks": line.waktu_teks}
    same = ("jabatan", "keterangan", "terlambat", "ditolak")
    return ArsipRead.model_validate(e).model_copy(
        update={"no": n, "waktu_wib": wib(e.at), **words_of, **{k: getattr(line, k) for k in same}}
    )
