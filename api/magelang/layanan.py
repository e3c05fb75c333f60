"""MAGESTY services over HTTP (SOP steps 4-6): the OPD service catalogue, a citizen's request
(pemilihan_layanan), the owning OPD's service (pelayanan_opd) and the satisfaction survey
(survei_kepuasan).

The request's form is checked against the service's fields here; its content stays in the
database (the workflow gets ids). An OPD officer acts only on requests of the OPD
``magesty_petugas_opd`` ties them to.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NoReturn

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from alur.masking import mask_name, mask_phone
from api.case_access import (
    load_case,
    require_agency,
    start_case,
)
from api.cases.intake import CreateOnceDep, case_number, create_responses, new_case, open_case
from api.cases.routes import AuditRead, OfficerCases, tasks_of, trail_of
from api.deps import (
    CurrentOfficer,
    ServicesDep,
    SessionsDep,
    run_db,
)
from api.errors import (
    AlurError,
    Conflict,
    Forbidden,
    NotFound,
    Unavailable,
    Unprocessable,
    responses,
)
from api.magelang.akun import CurrentWargaMagesty
from api.routers.tasks import TaskRead, to_read
from db.base import utcnow
from db.magelang.models import (
    MagestyAkun,
    MagestyLayanan,
    MagestyOpd,
    MagestyPermohonan,
    MagestyPetugasOpd,
    MagestySaran,
    MagestySurvei,
)
from db.models import Case, Officer, Task
from sop.magelang import MAGELANG
from workflows.case.models import CaseStatus
from workflows.magelang.layanan import MagestyLayananWorkflow, workflow_id_for
from workflows.magelang.models import (
    HasilSurvei,
    JawabanSurvei,
    JawabanSurveiData,
    PermohonanMasuk,
)
from workflows.magelang.steps import LANGKAH

router = APIRouter(tags=["magelang"])


class IsianRead(BaseModel):
    """One field of a service's form."""

    kode: str
    label: str
    wajib: bool
    maks: int


class OpdRead(BaseModel):
    """The OPD that owns a service."""

    kode: str
    nama: str
    singkatan: str


class LayananRead(BaseModel):
    """A service in the catalogue."""

    kode: str
    nama: str
    deskripsi: str
    opd: OpdRead
    isian: list[IsianRead]


class PermohonanCreate(BaseModel):
    """Step 4, pemilihan_layanan: the chosen service and its form."""

    layanan_kode: str = Field(min_length=1, max_length=60)
    isian: dict[str, str] = Field(default_factory=dict)


class PermohonanCreated(BaseModel):
    """The request's case number."""

    nomor_kasus: str
    status: str
    layanan: str
    opd: str


class SurveiRead(BaseModel):
    """The request's survey."""

    status: str
    """``belum_dibuka``, ``terbuka``, ``terjawab`` or ``tidak_dijawab``."""
    ikm: str | None = None


class PermohonanRead(BaseModel):
    """A request as its citizen sees it."""

    nomor_kasus: str
    layanan: str
    opd: str
    status: str
    langkah_sekarang: str | None
    isian: dict[str, Any]
    keputusan: str | None
    hasil: str | None
    dokumen_ref: str | None
    alasan_penolakan: str | None
    survei: SurveiRead
    dibuat: datetime


class KasusOpdRead(BaseModel):
    """A request as officers see it: the form, the citizen masked, tasks and the audit trail."""

    nomor_kasus: str
    layanan: str
    opd: str
    status: str
    langkah_sekarang: str | None
    sla_terlampaui: bool
    pemohon: dict[str, str]
    isian: dict[str, Any]
    keputusan: str | None
    tugas: list[TaskRead]
    jejak_audit: list[AuditRead]


# --- catalogue -------------------------------------------------------------------------------
def _catalogue(session: Session) -> list[LayananRead]:
    opds = {o.kode: o for o in session.scalars(select(MagestyOpd))}
    rows = session.scalars(
        select(MagestyLayanan)
        .where(MagestyLayanan.aktif.is_(True))
        .order_by(MagestyLayanan.opd_kode, MagestyLayanan.kode)
    )
    return [
        LayananRead(
            kode=r.kode,
            nama=r.nama,
            deskripsi=r.deskripsi,
            opd=OpdRead(
                kode=r.opd_kode, nama=opds[r.opd_kode].nama, singkatan=opds[r.opd_kode].singkatan
            ),
            isian=[IsianRead.model_validate(f) for f in r.isian],
        )
        for r in rows
    ]


@router.get("/layanan", response_model=list[LayananRead])
async def layanan(sessions: SessionsDep) -> list[LayananRead]:
    """The OPD services MAGESTY offers, with each one's form fields."""
    return await run_db(sessions, _catalogue)


# --- a citizen's request ---------------------------------------------------------------------
def _check_form(service: MagestyLayanan, isian: dict[str, str]) -> dict[str, str]:
    """The form against the service's fields: each required one filled, none unknown or too long."""
    fields = {f["kode"]: f for f in service.isian}
    unknown = sorted(set(isian) - set(fields))
    if unknown:
        raise Unprocessable(
            f"Isian tidak dikenal untuk layanan ini: {', '.join(unknown)}", code="isian_tidak_valid"
        )
    clean: dict[str, str] = {}
    for kode, f in fields.items():
        value = (isian.get(kode) or "").strip()
        if f["wajib"] and not value:
            raise Unprocessable(
                f"{f['label']} wajib diisi", code="isian_tidak_valid", detail={"isian": kode}
            )
        if len(value) > int(f["maks"]):
            raise Unprocessable(
                f"{f['label']} paling panjang {f['maks']} karakter",
                code="isian_tidak_valid",
                detail={"isian": kode},
            )
        if value:
            clean[kode] = value
    return clean


def _record(
    session: Session, akun: MagestyAkun, body: PermohonanCreate, number: str
) -> tuple[bool, PermohonanMasuk]:
    """Write the case and the request; False when this number was filed before (a retry whose
    key's answer was never stored, see api/idempotency.py), whose answer is then the stored
    request's, never the new body's."""
    existing = session.scalar(
        select(MagestyPermohonan).where(MagestyPermohonan.case_number == number)
    )
    if existing is not None:
        stored = session.scalar(
            select(MagestyLayanan).where(MagestyLayanan.kode == existing.layanan_kode)
        )
        return (
            False,
            PermohonanMasuk(
                case_number=number,
                akun_id=akun.id,
                layanan_kode=existing.layanan_kode,
                layanan_nama=stored.nama if stored else existing.layanan_kode,
                opd_kode=existing.opd_kode,
                opd_nama=session.scalar(
                    select(MagestyOpd.nama).where(MagestyOpd.kode == existing.opd_kode)
                ),
            ),
        )
    service = session.scalar(
        select(MagestyLayanan).where(
            MagestyLayanan.kode == body.layanan_kode, MagestyLayanan.aktif.is_(True)
        )
    )
    if service is None:
        raise Unprocessable(
            f"Layanan {body.layanan_kode} tidak dikenal", code="layanan_tidak_dikenal"
        )
    inp = PermohonanMasuk(
        case_number=number,
        akun_id=akun.id,
        layanan_kode=service.kode,
        layanan_nama=service.nama,
        opd_kode=service.opd_kode,
        opd_nama=session.scalar(select(MagestyOpd.nama).where(MagestyOpd.kode == service.opd_kode)),
    )
    if session.scalar(select(Case.id).where(Case.case_number == number)) is not None:
        return False, inp
    isian = _check_form(service, body.isian)
    session.add(
        new_case(
            MAGELANG,
            number,
            workflow_id_for(number),
            kind=service.kode,
            channel="magesty",
            subject=service.nama,
            status="diajukan",
            step="pelayanan_opd",
        )
    )
    session.add(
        MagestyPermohonan(
            case_number=number,
            akun_id=akun.id,
            layanan_kode=service.kode,
            opd_kode=service.opd_kode,
            isian=isian,
        )
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False, inp
    return True, inp


def _forget(session: Session, number: str) -> None:
    session.execute(delete(MagestyPermohonan).where(MagestyPermohonan.case_number == number))
    session.execute(delete(Case).where(Case.case_number == number))
    session.commit()


@router.post("/permohonan", status_code=201, responses=create_responses(PermohonanCreated, 401))
async def ajukan(
    body: PermohonanCreate, akun: CurrentWargaMagesty, svc: ServicesDep, once: CreateOnceDep
) -> PermohonanCreated:
    """Step 4: request an OPD service; the owning OPD serves it next (a retried
    Idempotency-Key with the same body gets the same request, 200)."""
    sessions, client, settings, response = svc.sessions, svc.temporal, svc.settings, once.response

    async def run() -> PermohonanCreated:
        number = case_number("MGS", once.key, MAGELANG.kode, akun.id)

        async def start(inp: PermohonanMasuk) -> None:
            summary = f"{inp.layanan_kode} ({inp.opd_kode}): {number}"
            queue = settings.task_queue
            await start_case(
                client,
                MagestyLayananWorkflow,
                inp,
                status="diajukan",
                task_queue=queue,
                summary=summary,
            )

        inp = await open_case(
            sessions,
            response,
            record=lambda s: _record(s, akun, body, number),
            forget=lambda s: _forget(s, number),
            start=start,
            refused="Permohonan belum dapat diterima, coba lagi",
        )
        return PermohonanCreated(
            nomor_kasus=number, status="diajukan", layanan=inp.layanan_kode, opd=inp.opd_kode
        )

    return await once(body, principal=f"magesty-akun:{akun.id}", model=PermohonanCreated, run=run)


def _own(
    session: Session, number: str, akun: MagestyAkun
) -> tuple[MagestyPermohonan, Case, MagestySurvei | None]:
    req = session.scalar(
        select(MagestyPermohonan).where(
            MagestyPermohonan.case_number == number, MagestyPermohonan.akun_id == akun.id
        )
    )
    case = session.scalar(select(Case).where(Case.case_number == number))
    if req is None or case is None:
        raise NotFound(f"Permohonan {number} tidak ditemukan", code="case_not_found")
    survei = session.scalar(select(MagestySurvei).where(MagestySurvei.case_number == number))
    return req, case, survei


def _read(req: MagestyPermohonan, case: Case, survei: MagestySurvei | None) -> PermohonanRead:
    if survei is not None:
        sv = SurveiRead(
            status=survei.status, ikm=str(survei.ikm) if survei.ikm is not None else None
        )
    elif req.keputusan is not None:
        sv = SurveiRead(status="terbuka")
    else:
        sv = SurveiRead(status="belum_dibuka")
    return PermohonanRead(
        nomor_kasus=req.case_number,
        layanan=req.layanan_kode,
        opd=req.opd_kode,
        status=case.status,
        langkah_sekarang=case.current_step,
        isian=req.isian,
        keputusan=req.keputusan,
        hasil=req.hasil,
        dokumen_ref=req.dokumen_ref,
        alasan_penolakan=req.alasan_penolakan,
        survei=sv,
        dibuat=req.created_at,
    )


def _mine(session: Session, akun: MagestyAkun) -> list[PermohonanRead]:
    numbers = session.scalars(
        select(MagestyPermohonan.case_number)
        .where(MagestyPermohonan.akun_id == akun.id)
        .order_by(MagestyPermohonan.id.desc())
    ).all()
    return [_read(*_own(session, n, akun)) for n in numbers]


@router.get("/permohonan", response_model=list[PermohonanRead], responses=responses(401))
async def permohonan_saya(akun: CurrentWargaMagesty, sessions: SessionsDep) -> list[PermohonanRead]:
    """My requests, newest first."""
    return await run_db(sessions, _mine, akun)


@router.get(
    "/permohonan/{nomor_kasus}", response_model=PermohonanRead, responses=responses(401, 404)
)
async def permohonan(
    nomor_kasus: str, akun: CurrentWargaMagesty, sessions: SessionsDep
) -> PermohonanRead:
    """One of my requests: status, the OPD's output or refusal, the survey."""
    return _read(*await run_db(sessions, _own, nomor_kasus, akun))


_SURVEI_REFUSALS = {
    "SurveiSudahDijawab": "survei_sudah_dijawab",
    "SurveiDitutup": "survei_ditutup",
    "SurveiBelumDibuka": "survei_belum_dibuka",
}


@router.post("/permohonan/{nomor_kasus}/survei", responses=responses(401, 404, 409, 422, 503))
async def survei(
    nomor_kasus: str, body: JawabanSurveiData, akun: CurrentWargaMagesty, svc: ServicesDep
) -> HasilSurvei:
    """Step 6: answer the nine SKM elements (1-4 each) within 15 hours of being served."""
    sessions, client = svc.sessions, svc.temporal
    req, case, done = await run_db(sessions, _own, nomor_kasus, akun)
    if done is not None:
        code = "survei_sudah_dijawab" if done.status == "terjawab" else "survei_ditutup"
        raise Conflict("Survei permohonan ini sudah ditutup", code=code)
    permintaan = uuid.uuid4().hex
    if body.saran is not None:  # the citizen's words stay in the database, never in history
        await run_db(sessions, _keep_saran, permintaan, nomor_kasus, body.saran)
    answer = JawabanSurvei(
        permintaan_id=permintaan, nilai=body.nilai, saran=None, ada_saran=body.saran is not None
    )
    try:
        hasil: HasilSurvei = await client.get_workflow_handle(case.workflow_id).execute_update(
            MagestyLayananWorkflow.survei, answer
        )
    except (WorkflowUpdateFailedError, RPCError) as err:
        refused = (
            isinstance(err, WorkflowUpdateFailedError) or err.status == RPCStatusCode.NOT_FOUND
        )
        if refused and body.saran is not None:  # no suggestion without its survey
            await run_db(sessions, _forget_saran, permintaan)
        if isinstance(err, RPCError):
            _ended(err)  # (a lost answer keeps its suggestion: the update may have been taken)
        cause = err.cause
        if isinstance(cause, ApplicationError) and cause.type in _SURVEI_REFUSALS:
            raise Conflict(cause.message, code=_SURVEI_REFUSALS[cause.type]) from err
        raise Unavailable("Survei belum terkirim, coba lagi", code="temporal_error") from err
    return hasil


def _keep_saran(session: Session, permintaan: str, number: str, saran: str) -> None:
    session.add(MagestySaran(permintaan_id=permintaan, case_number=number, saran=saran))
    session.commit()


def _forget_saran(session: Session, permintaan: str) -> None:
    session.execute(delete(MagestySaran).where(MagestySaran.permintaan_id == permintaan))
    session.commit()


def _ended(err: RPCError) -> NoReturn:
    if err.status == RPCStatusCode.NOT_FOUND:
        raise Conflict("Permohonan sudah selesai", code="case_closed") from err
    raise Unavailable("Permintaan belum terkirim, coba lagi", code="temporal_error") from err


# --- the OPD's side --------------------------------------------------------------------------
def _opd_of(session: Session, officer: Officer, number: str) -> tuple[Case, str]:
    case = load_case(session, number, sop=MAGELANG.kode)
    require_agency(case, officer)
    req = session.scalar(select(MagestyPermohonan).where(MagestyPermohonan.case_number == number))
    if req is None:
        raise NotFound(f"Kasus {number} tidak ditemukan", code="case_not_found")
    mine = session.scalar(
        select(MagestyPetugasOpd.opd_kode).where(MagestyPetugasOpd.username == officer.username)
    )
    if mine is None:
        raise Forbidden(
            "Akun ini tidak terdaftar sebagai petugas OPD mana pun", code="bukan_petugas_opd"
        )
    if mine != req.opd_kode:
        raise Forbidden(f"Permohonan ini milik OPD {req.opd_kode}, bukan {mine}", code="opd_lain")
    return case, mine


def _opd_unit(session: Session, case: Case, officer: Officer) -> dict[str, Any]:
    """pelayanan_opd is the owning OPD's: an officer of another OPD is refused (403, in the
    trail); the action carries the OPD the officer serves."""
    _, opd = _opd_of(session, officer, case.case_number)
    return {"opd_kode": opd}


def _served(live: CaseStatus) -> AlurError | None:
    """Once served, a request waits for the citizen's survey: no OPD action is taken any more."""
    if live.status in ("menunggu_survei", "selesai", "ditolak"):
        return Conflict("Permohonan ini sudah dilayani", code="sudah_dilayani")
    return None


CASES = OfficerCases(LANGKAH, unit=_opd_unit, done=_served)
router.include_router(CASES.router)


OPD_ROLES = frozenset({"opd", "kepala_opd"})
"""Roles held inside one OPD: they see only their own OPD's requests (the form holds personal
data). The Diskominfostat roles (Satker, Kepala Bidang, Kepala Dinas) oversee every OPD."""


def kasus_opd(session: Session, number: str, officer: Officer) -> KasusOpdRead:
    case = load_case(session, number, sop=MAGELANG.kode)
    require_agency(case, officer)
    req = session.scalar(select(MagestyPermohonan).where(MagestyPermohonan.case_number == number))
    if req is None:
        raise NotFound(f"Kasus {number} tidak ditemukan", code="case_not_found")
    if officer.role in OPD_ROLES:
        mine = session.scalar(
            select(MagestyPetugasOpd.opd_kode).where(MagestyPetugasOpd.username == officer.username)
        )
        if mine != req.opd_kode:
            raise Forbidden(f"Permohonan ini milik OPD {req.opd_kode}", code="opd_lain")
    akun = session.get(MagestyAkun, req.akun_id)
    return KasusOpdRead(
        nomor_kasus=number,
        layanan=req.layanan_kode,
        opd=req.opd_kode,
        status=case.status,
        langkah_sekarang=case.current_step,
        sla_terlampaui=case.sla_breached,
        pemohon={
            "nama": mask_name(akun.nama if akun else None),
            "whatsapp": mask_phone(akun.whatsapp if akun else None),
        },
        isian=req.isian,
        keputusan=req.keputusan,
        tugas=tasks_of(session, case),
        jejak_audit=trail_of(session, case),
    )


@router.get("/kasus/{nomor_kasus}", response_model=KasusOpdRead, responses=responses(401, 403, 404))
async def kasus(nomor_kasus: str, officer: CurrentOfficer, sessions: SessionsDep) -> KasusOpdRead:
    """A request as the agency's officers see it (the form in full, the citizen masked)."""
    return await run_db(sessions, kasus_opd, nomor_kasus, officer)


def _tugas_opd(session: Session, officer: Officer) -> list[TaskRead]:
    mine = session.scalar(
        select(MagestyPetugasOpd.opd_kode).where(MagestyPetugasOpd.username == officer.username)
    )
    if mine is None or officer.agency != MAGELANG.agensi:
        raise Forbidden(
            "Akun ini tidak terdaftar sebagai petugas OPD mana pun", code="bukan_petugas_opd"
        )
    rows = session.scalars(
        select(Task)
        .join(MagestyPermohonan, MagestyPermohonan.case_number == Task.case_number)
        .where(
            Task.sop == MAGELANG.kode,
            Task.status == "open",
            Task.role == officer.role,
            MagestyPermohonan.opd_kode == mine,
        )
        .order_by(Task.due_at, Task.id)
    ).all()
    now = utcnow()
    return [to_read(t, now) for t in rows]


@router.get("/tugas", response_model=list[TaskRead], responses=responses(401, 403))
async def tugas_opd(officer: CurrentOfficer, sessions: SessionsDep) -> list[TaskRead]:
    """My OPD's open MAGESTY tasks (``GET /tasks`` lists every OPD's: the role is shared)."""
    return await run_db(sessions, _tugas_opd, officer)
