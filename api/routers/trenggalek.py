"""Kabupaten Trenggalek's SOP 07-6/SOP/1/2022 over HTTP: a Fungsional of Diskominfo proposes the
use of a service application; officers act on each of the six steps (step 4 level by level up the
chain); officers read the whole case. The trail (jejak) and the public page live in
``trenggalek_jejak.py``, included here.

Each step has its own route named as in the SOP (``/trenggalek/kasus/{nomor}/telaah_pimpinan``),
checked here before the workflow is signalled (see api/case_access.py).
"""

import hashlib
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response, status
from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.case_access import (
    action_id_for,
    already_accepted,
    live_status,
    load_case,
    require_agency,
    require_step,
    start_case,
)
from api.deps import CurrentOfficer, SessionsDep, SettingsDep, TemporalClientDep, actor_of, run_db
from api.errors import Conflict, Forbidden, Unavailable, Unprocessable, responses
from api.routers.tasks import TaskRead, to_read
from api.routers.trenggalek_jejak import router as jejak_router
from api.trenggalek_trail import WIB, VersiRead, read_versions
from db.base import utcnow
from db.models import AuditEvent, Case, Officer, Task
from db.trenggalek_models import TrenggalekUsulan
from sop.trenggalek import TRENGGALEK
from workflows.models import CaseStatus
from workflows.trenggalek import (
    CHANNEL,
    KIND,
    TrenggalekPemanfaatanAplikasiWorkflow,
    level_rule,
    workflow_id_for,
)
from workflows.trenggalek_models import (
    ACTIONS,
    NaskahData,
    PenyiapanLayananData,
    TelaahPimpinan,
    TelaahPimpinanData,
    TindakLanjutData,
    UsulanMasuk,
)

router = APIRouter(prefix="/trenggalek", tags=["trenggalek"])
router.include_router(jejak_router)

CLOSED = ("selesai", "ditolak")
"""The statuses a Trenggalek case ends in."""

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description="Send the same key again to retry safely: nothing new is created or done.",
    ),
]


class UsulanCreate(BaseModel):
    """A new proposal to use a service application."""

    judul: str = Field(min_length=3, max_length=200, description="The application proposed")
    ringkasan: str | None = Field(default=None, max_length=4000)


class UsulanCreated(BaseModel):
    """The case number and the agenda book's number of the new proposal."""

    nomor_kasus: str
    nomor_agenda: str
    status: str
    langkah_sekarang: str
    tautan_jejak: str


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


class UsulanOfficerRead(BaseModel):
    """Everything an officer of the agency sees of a proposal."""

    nomor_kasus: str
    nomor_agenda: str | None
    judul: str
    ringkasan: str | None
    pengusul: str | None
    status: str
    langkah_sekarang: str | None
    sla_terlampaui: bool
    dibuat: datetime
    selesai: datetime | None
    hasil: str | None
    alasan_penolakan: str | None
    tugas: list[TaskRead]
    versi_naskah: list[VersiRead]
    jejak_audit: list[AuditRead]
    status_langsung: CaseStatus | None


def _case_number(proposer: str, idempotency_key: str | None) -> str:
    """``TRG-YYMMDD-XXXXXXXX``, or ``TRG-K`` and a hash of the proposer and the Idempotency-Key:
    the proposer's retried request finds its case; another officer's same key is another case."""
    if idempotency_key:
        scoped = f"{TRENGGALEK.kode}:{proposer}:{idempotency_key}"
        digest = hashlib.sha256(scoped.encode()).hexdigest()
        return f"TRG-K{digest[:12].upper()}"
    return f"TRG-{datetime.now(UTC).strftime('%y%m%d')}-{secrets.token_hex(4).upper()}"


def _require_proposer(officer: Officer) -> None:
    """Only a Fungsional of Diskominfo Trenggalek starts a proposal (step 1's actor)."""
    if officer.agency != TRENGGALEK.agensi:
        raise Forbidden(
            "Usulan hanya dibuat oleh pejabat Diskominfo Trenggalek", code="wrong_agency"
        )
    if officer.role != TRENGGALEK.step("pengumpulan_data").pelaksana:
        raise Forbidden(
            f"Usulan dibuat oleh peran fungsional, bukan {officer.role}", code="wrong_role"
        )


@router.post(
    "/usulan",
    response_model=UsulanCreated,
    status_code=status.HTTP_201_CREATED,
    responses=responses(401, 403, 422, 503),
)
async def propose(
    body: UsulanCreate,
    officer: CurrentOfficer,
    sessions: SessionsDep,
    client: TemporalClientDep,
    settings: SettingsDep,
    response: Response,
    idempotency_key: IdempotencyKey = None,
) -> UsulanCreated:
    """Start a proposal: its case and agenda number; step 1 (pengumpulan_data) opens for you."""
    _require_proposer(officer)
    number = _case_number(officer.username, idempotency_key)
    created_here, agenda = await run_db(
        sessions, _register, body, number, officer.username, settings.trenggalek.kode_unit_agenda
    )
    if not created_here:
        response.status_code = status.HTTP_200_OK
    try:
        await _start(
            client,
            settings.task_queue,
            UsulanMasuk(
                case_number=number,
                nomor_agenda=agenda,
                judul=body.judul,
                pengusul=officer.username,
                max_rounds_per_run=settings.trenggalek.max_rounds_per_run,
            ),
        )
    except RPCError as err:
        if created_here:  # nothing half-written: no case without its workflow
            await run_db(sessions, _forget, number)
        raise Unavailable("Usulan belum dapat dibuat, coba lagi", code="temporal_error") from err
    return UsulanCreated(
        nomor_kasus=number,
        nomor_agenda=agenda,
        status="diproses",
        langkah_sekarang="pengumpulan_data",
        tautan_jejak=f"{settings.public_base_url}/trenggalek/kasus/{number}/jejak.html",
    )


def _register(
    session: Session, body: UsulanCreate, number: str, pengusul: str, kode_unit: str
) -> tuple[bool, str]:
    """Write the case and its agenda-book line, numbered ``{nnnnn}/{kode_unit}/{year}``;
    (False, its agenda number) on a retry."""
    found = session.scalar(
        select(TrenggalekUsulan.nomor_agenda).where(TrenggalekUsulan.case_number == number)
    )
    if found is not None:
        return False, found
    case = Case(
        case_number=number,
        workflow_id=workflow_id_for(number),
        sop=TRENGGALEK.kode,
        agency=TRENGGALEK.agensi,
        kind=KIND,
        channel=CHANNEL,
        subject=body.judul,
        description=body.ringkasan,
        status="diproses",
        current_step="pengumpulan_data",
    )
    session.add(case)
    try:
        session.flush()
        entry = TrenggalekUsulan(
            case_id=case.id, case_number=number, judul=body.judul, pengusul=pengusul
        )
        session.add(entry)
        session.flush()
        # numbered by the register's own sequence, as a clerk numbers the agenda book
        year = entry.created_at.astimezone(WIB).year
        entry.nomor_agenda = f"{entry.id:05d}/{kode_unit}/{year}"
        session.commit()
    except IntegrityError:  # the same key filed at the same moment by a concurrent retry
        session.rollback()
        again = session.scalar(
            select(TrenggalekUsulan.nomor_agenda).where(TrenggalekUsulan.case_number == number)
        )
        if again is None:
            raise
        return False, again
    return True, entry.nomor_agenda


def _forget(session: Session, number: str) -> None:
    session.execute(delete(TrenggalekUsulan).where(TrenggalekUsulan.case_number == number))
    session.execute(delete(Case).where(Case.case_number == number))
    session.commit()


async def _start(client: Client, task_queue: str, usulan: UsulanMasuk) -> None:
    number = usulan.case_number
    await start_case(
        client,
        TrenggalekPemanfaatanAplikasiWorkflow.run,
        usulan,
        sop=TRENGGALEK,
        number=number,
        workflow_id=workflow_id_for(number),
        status="diproses",
        task_queue=task_queue,
        summary=f"usulan aplikasi {usulan.nomor_agenda}: {number}",
    )


@router.get(
    "/kasus/{nomor_kasus}", response_model=UsulanOfficerRead, responses=responses(401, 403, 404)
)
async def officer_view(
    nomor_kasus: str, officer: CurrentOfficer, sessions: SessionsDep, client: TemporalClientDep
) -> UsulanOfficerRead:
    """The proposal as its agency's officers see it: tasks, every text version, the audit trail."""
    view = await run_db(sessions, _read_case, nomor_kasus, officer)
    if view.selesai is None:
        try:
            case = await run_db(sessions, load_case, nomor_kasus, sop=TRENGGALEK.kode)
            view.status_langsung = await live_status(client, case)
        except Unavailable:
            pass  # the read model still answers when Temporal is briefly away
    return view


def _read_case(session: Session, nomor_kasus: str, officer: Officer) -> UsulanOfficerRead:
    case = load_case(session, nomor_kasus, sop=TRENGGALEK.kode)
    require_agency(case, officer)
    entry = session.scalar(
        select(TrenggalekUsulan).where(TrenggalekUsulan.case_number == case.case_number)
    )
    tasks = session.scalars(
        select(Task).where(Task.workflow_id == case.workflow_id).order_by(Task.id)
    ).all()
    audit = session.scalars(
        select(AuditEvent).where(AuditEvent.case_number == case.case_number).order_by(AuditEvent.id)
    ).all()
    now = utcnow()
    return UsulanOfficerRead(
        nomor_kasus=case.case_number,
        nomor_agenda=entry.nomor_agenda if entry else None,
        judul=case.subject,
        ringkasan=case.description,
        pengusul=entry.pengusul if entry else None,
        status=case.status,
        langkah_sekarang=case.current_step,
        sla_terlampaui=case.sla_breached,
        dibuat=case.created_at,
        selesai=case.closed_at,
        hasil=case.public_response,
        alasan_penolakan=case.closing_reason,
        tugas=[to_read(t, now) for t in tasks],
        versi_naskah=read_versions(session, case.case_number),
        jejak_audit=[AuditRead.model_validate(a, from_attributes=True) for a in audit],
        status_langsung=None,
    )


StateCheck = Callable[[BaseModel, CaseStatus], None]


def _level_may_decide(body: BaseModel, live: CaseStatus) -> None:
    """Step 4: the decision must fit the level whose turn it is (the workflow's own rule)."""
    if live.task is None:  # require_step has answered already
        return
    probe = TelaahPimpinan.model_validate(
        {
            **body.model_dump(),
            "action_id": "cek",
            "actor": {"username": "-", "role": live.task.role, "agency": TRENGGALEK.agensi},
        }
    )
    reason = level_rule(live.task.role)(probe)
    if reason is not None:
        raise Unprocessable(reason, code="keputusan_tidak_sah", detail={"level": live.task.role})


def _action_route(
    step: str, model: type[BaseModel], check: StateCheck | None
) -> Callable[..., Any]:
    async def act(
        nomor_kasus: str,
        body: model,  # type: ignore[valid-type]
        officer: CurrentOfficer,
        sessions: SessionsDep,
        client: TemporalClientDep,
        idempotency_key: IdempotencyKey = None,
    ) -> ActionAccepted:
        case = await run_db(sessions, load_case, nomor_kasus, sop=TRENGGALEK.kode)
        require_agency(case, officer)
        accepted = ActionAccepted(
            nomor_kasus=case.case_number,
            langkah=step,
            action_id=action_id_for(officer, idempotency_key),
            pesan=f"Aksi {step} diterima; usulan berlanjut",
        )
        if idempotency_key is not None:
            seen: bool = await run_db(
                sessions, already_accepted, case.case_number, accepted.action_id
            )
            if seen:  # a retry of an action the case already took: the same answer
                return accepted
        if case.closed_at is not None:
            raise Conflict(f"Usulan sudah {case.status}", code="case_closed")
        live = await live_status(client, case)
        if live.task is None and live.status in CLOSED:
            raise Conflict(f"Usulan sudah {live.status}", code="case_closed")
        require_step(live, step, officer)
        if check is not None:
            check(body, live)
        fields: dict[str, Any] = body.model_dump()  # type: ignore[attr-defined]
        action = ACTIONS[step].model_validate(
            {**fields, "action_id": accepted.action_id, "actor": actor_of(officer)}
        )
        try:
            await client.get_workflow_handle(case.workflow_id).signal(step, action)
        except RPCError as err:
            if err.status == RPCStatusCode.NOT_FOUND:
                raise Conflict("Usulan sudah selesai", code="case_closed") from err
            raise Unavailable("Aksi belum terkirim, coba lagi", code="temporal_error") from err
        return accepted

    act.__name__ = step
    act.__doc__ = (
        f"Step {TRENGGALEK.step(step).nomor}, {step}: {TRENGGALEK.step(step).kegiatan_en}."
    )
    return act


_STEP_ROUTES: list[tuple[str, type[BaseModel], StateCheck | None]] = [
    ("pengumpulan_data", NaskahData, None),
    ("analisis", NaskahData, None),
    ("perumusan", NaskahData, None),
    ("telaah_pimpinan", TelaahPimpinanData, _level_may_decide),
    ("tindak_lanjut", TindakLanjutData, None),
    ("penyiapan_layanan", PenyiapanLayananData, None),
]

for _step, _model, _check in _STEP_ROUTES:
    router.add_api_route(
        f"/kasus/{{nomor_kasus}}/{_step}",
        _action_route(_step, _model, _check),
        methods=["POST"],
        response_model=ActionAccepted,
        status_code=status.HTTP_202_ACCEPTED,
        responses=responses(401, 403, 404, 409, 422, 503),
        summary=f"{_step} ({TRENGGALEK.step(_step).nomor})",
    )
