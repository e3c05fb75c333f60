"""Kota Malang's SOP 15 over HTTP: a citizen files a complaint, suggestion or information request;
officers act on each of the seven steps; officers read the whole case.

Each step has its own route named as in the SOP (``/malang/kasus/{nomor}/disposisi``), checked here
before the workflow is signalled (see api/case_access.py). The routes are generated from the step
table because each is the same five checks around a different body model.
"""

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Response, status
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from alur.masking import mask_name, mask_phone
from alur.phones import normalize_mobile
from api.case_access import (
    action_id_for,
    already_accepted,
    live_status,
    load_case,
    require_agency,
    require_officer,
    require_step,
    start_case,
)
from api.deps import (
    CurrentOfficer,
    SessionsDep,
    SettingsDep,
    TemporalClientDep,
    actor_of,
    run_db,
)
from api.errors import Conflict, Unavailable, responses
from api.routers.tasks import TaskRead, to_read
from db.base import utcnow
from db.models import AuditEvent, Case, CaseContact, Officer, Task
from sop.malang import MALANG
from workflows.malang import MalangPengelolaanTIKWorkflow, workflow_id_for
from workflows.malang_models import (
    ACTIONS,
    DisposisiData,
    DrafTanggapanData,
    JenisLaporan,
    Kanal,
    LaporanMasuk,
    PenerimaanData,
    PengajuanDrafData,
    PenyampaianData,
    PerintahData,
    TelaahData,
)
from workflows.models import CaseStatus

router = APIRouter(prefix="/malang", tags=["malang"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description="Send the same key again to retry safely: nothing new is created or done.",
    ),
]


class KontakWarga(BaseModel):
    """How the citizen wants the answer; leave it out to report anonymously."""

    nama: str | None = Field(default=None, max_length=200)
    telepon: str | None = Field(default=None, description="Indonesian mobile number")
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    kanal_balasan: Literal["sms", "whatsapp"] = "sms"

    @field_validator("telepon")
    @classmethod
    def _mobile(cls, value: str | None) -> str | None:
        return normalize_mobile(value) if value else None


class LaporanCreate(BaseModel):
    """A complaint, suggestion or information request as it comes in."""

    jenis: JenisLaporan
    kanal: Kanal
    judul: str = Field(min_length=3, max_length=200)
    isi: str = Field(min_length=3, max_length=10000)
    kontak: KontakWarga | None = None


class LaporanCreated(BaseModel):
    """The case number the citizen follows the case with."""

    nomor_kasus: str
    status: str
    anonim: bool
    tautan_publik: str


class ActionAccepted(BaseModel):
    """The action reached the case; the audit trail will show it accepted or refused."""

    nomor_kasus: str
    langkah: str
    action_id: str
    pesan: str


class AuditRead(BaseModel):
    """One line of the audit trail."""

    at: datetime
    event: str
    step: str | None
    round: int | None
    actor: str | None
    actor_role: str | None
    detail: dict[str, Any]


class ContactRead(BaseModel):
    """The citizen's contact, masked for officer eyes."""

    nama: str
    telepon: str
    kanal_balasan: str | None


class CaseOfficerRead(BaseModel):
    """Everything an officer of the agency sees of a case."""

    nomor_kasus: str
    jenis: str
    kanal: str
    judul: str
    isi: str | None
    status: str
    langkah_sekarang: str | None
    sla_terlampaui: bool
    kontak: ContactRead | None
    dibuat: datetime
    selesai: datetime | None
    tanggapan: str | None
    alasan_penutupan: str | None
    tugas: list[TaskRead]
    jejak_audit: list[AuditRead]
    status_langsung: CaseStatus | None


def _case_number(idempotency_key: str | None) -> str:
    """``MLG-YYMMDD-XXXXXXXX``, or ``MLG-K`` and a hash of the Idempotency-Key: a key always
    gives the same number, so a retried request finds its case."""
    day = datetime.now(UTC).strftime("%y%m%d")
    if idempotency_key:
        digest = hashlib.sha256(f"{MALANG.kode}:{idempotency_key}".encode()).hexdigest()
        return f"MLG-K{digest[:12].upper()}"
    return f"MLG-{day}-{secrets.token_hex(4).upper()}"


@router.post(
    "/laporan",
    response_model=LaporanCreated,
    status_code=status.HTTP_201_CREATED,
    responses=responses(422, 503),
)
async def file_report(
    body: LaporanCreate,
    sessions: SessionsDep,
    client: TemporalClientDep,
    settings: SettingsDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> LaporanCreated:
    """Step 1's intake: file a pengaduan, saran or permintaan informasi and get its case number."""
    number = _case_number(idempotency_key)
    created_here = await run_db(sessions, _record_intake, body, number)
    if not created_here:
        response.status_code = status.HTTP_200_OK
    try:
        await _start(client, settings.task_queue, body, number)
    except RPCError as err:
        if created_here:  # nothing half-written: no case without its workflow
            await run_db(sessions, _forget_intake, number)
        raise Unavailable("Laporan belum dapat diterima, coba lagi", code="temporal_error") from err
    return LaporanCreated(
        nomor_kasus=number,
        status="diterima",
        anonim=body.kontak is None or not body.kontak.telepon,
        tautan_publik=f"{settings.public_base_url}/publik/kasus/{number}",
    )


def _record_intake(session: Session, body: LaporanCreate, number: str) -> bool:
    """Write the case and its contact; False when this number was filed before (a retry)."""
    if session.scalar(select(Case.id).where(Case.case_number == number)) is not None:
        return False
    case = Case(
        case_number=number,
        workflow_id=workflow_id_for(number),
        sop=MALANG.kode,
        agency=MALANG.agensi,
        kind=body.jenis.value,
        channel=body.kanal.value,
        subject=body.judul,
        description=body.isi,
        status="diterima",
        current_step="penerimaan",
    )
    if body.kontak is not None:
        case.contact = CaseContact(
            name=body.kontak.nama,
            phone=body.kontak.telepon,
            email=body.kontak.email,
            reply_channel=body.kontak.kanal_balasan,
        )
    session.add(case)
    try:
        session.commit()
    except IntegrityError:  # the same key filed at the same moment by a concurrent retry
        session.rollback()
        return False
    return True


def _forget_intake(session: Session, number: str) -> None:
    session.execute(delete(Case).where(Case.case_number == number))
    session.commit()


async def _start(client: Client, task_queue: str, body: LaporanCreate, number: str) -> None:
    await start_case(
        client,
        MalangPengelolaanTIKWorkflow.run,
        LaporanMasuk(
            case_number=number,
            jenis=body.jenis,
            kanal=body.kanal,
            judul=body.judul,
            isi=body.isi,
            ada_kontak=bool(body.kontak and body.kontak.telepon),
        ),
        sop=MALANG,
        number=number,
        workflow_id=workflow_id_for(number),
        status="diterima",
        task_queue=task_queue,
        summary=f"{body.jenis.value} via {body.kanal.value}: {number}",
    )


@router.get(
    "/kasus/{nomor_kasus}", response_model=CaseOfficerRead, responses=responses(401, 403, 404)
)
async def officer_view(
    nomor_kasus: str, officer: CurrentOfficer, sessions: SessionsDep, client: TemporalClientDep
) -> CaseOfficerRead:
    """The case as its agency's officers see it: every task and every audit line, contact masked."""
    view = await run_db(sessions, _read_case, nomor_kasus, officer)
    if view.selesai is None:
        try:
            case = await run_db(sessions, load_case, nomor_kasus, sop=MALANG.kode)
            view.status_langsung = await live_status(client, case)
        except Unavailable:
            pass  # the read model still answers when Temporal is briefly away
    return view


def _read_case(session: Session, nomor_kasus: str, officer: Officer) -> CaseOfficerRead:
    case = load_case(session, nomor_kasus, sop=MALANG.kode)
    require_agency(case, officer)
    contact = session.scalar(select(CaseContact).where(CaseContact.case_id == case.id))
    tasks = session.scalars(
        select(Task).where(Task.workflow_id == case.workflow_id).order_by(Task.id)
    ).all()
    audit = session.scalars(
        select(AuditEvent).where(AuditEvent.case_number == case.case_number).order_by(AuditEvent.id)
    ).all()
    now = utcnow()
    return CaseOfficerRead(
        nomor_kasus=case.case_number,
        jenis=case.kind,
        kanal=case.channel,
        judul=case.subject,
        isi=case.description,
        status=case.status,
        langkah_sekarang=case.current_step,
        sla_terlampaui=case.sla_breached,
        kontak=ContactRead(
            nama=mask_name(contact.name),
            telepon=mask_phone(contact.phone),
            kanal_balasan=contact.reply_channel,
        )
        if contact
        else None,
        dibuat=case.created_at,
        selesai=case.closed_at,
        tanggapan=case.public_response,
        alasan_penutupan=case.closing_reason,
        tugas=[to_read(t, now) for t in tasks],
        jejak_audit=[AuditRead.model_validate(a, from_attributes=True) for a in audit],
        status_langsung=None,
    )


Checker = Callable[[Session, Any, Officer], None]


def _named_kasubag(session: Session, body: DisposisiData, officer: Officer) -> None:
    require_officer(
        session, username=body.kasubag, role="kasubag", agency=officer.agency, field="kasubag"
    )


def _named_pelaksana(session: Session, body: PerintahData, officer: Officer) -> None:
    require_officer(
        session, username=body.pelaksana, role="pelaksana", agency=officer.agency, field="pelaksana"
    )


def _action_route(step: str, model: type[BaseModel], check: Checker | None) -> Callable[..., Any]:
    async def act(
        nomor_kasus: str,
        body: model,  # type: ignore[valid-type]
        officer: CurrentOfficer,
        sessions: SessionsDep,
        client: TemporalClientDep,
        idempotency_key: IdempotencyKey = None,
    ) -> ActionAccepted:
        case = await run_db(sessions, load_case, nomor_kasus, sop=MALANG.kode)
        require_agency(case, officer)
        accepted = ActionAccepted(
            nomor_kasus=case.case_number,
            langkah=step,
            action_id=action_id_for(officer, idempotency_key),
            pesan=f"Aksi {step} diterima; kasus berlanjut ke langkah berikutnya",
        )
        if idempotency_key is not None:
            seen: bool = await run_db(
                sessions, already_accepted, case.case_number, accepted.action_id
            )
            if seen:  # a retry of an action the case already took: the same answer
                return accepted
        require_step(await live_status(client, case), step, officer)
        if check is not None:
            await run_db(sessions, check, body, officer)
        action_id = accepted.action_id
        fields: dict[str, Any] = body.model_dump()  # type: ignore[attr-defined]
        action = ACTIONS[step].model_validate(
            {**fields, "action_id": action_id, "actor": actor_of(officer)}
        )
        try:
            await client.get_workflow_handle(case.workflow_id).signal(step, action)
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise Conflict("Kasus sudah selesai", code="case_closed") from err
            raise Unavailable("Aksi belum terkirim, coba lagi", code="temporal_error") from err
        return accepted

    act.__name__ = step
    act.__doc__ = f"Step {MALANG.step(step).nomor}, {step}: {MALANG.step(step).kegiatan_en}."
    return act


_STEP_ROUTES: list[tuple[str, type[BaseModel], Checker | None]] = [
    ("penerimaan", PenerimaanData, None),
    ("disposisi", DisposisiData, _named_kasubag),
    ("perintah", PerintahData, _named_pelaksana),
    ("draf_tanggapan", DrafTanggapanData, None),
    ("pengajuan_draf", PengajuanDrafData, None),
    ("telaah", TelaahData, None),
    ("penyampaian", PenyampaianData, None),
]

for _step, _model, _check in _STEP_ROUTES:
    router.add_api_route(
        f"/kasus/{{nomor_kasus}}/{_step}",
        _action_route(_step, _model, _check),
        methods=["POST"],
        response_model=ActionAccepted,
        status_code=status.HTTP_202_ACCEPTED,
        responses=responses(401, 403, 404, 409, 422, 503),
        summary=f"{_step} ({MALANG.step(_step).nomor})",
    )
