"""Kabupaten Trenggalek's SOP 07-6/SOP/1/2022 over HTTP: a Fungsional of Diskominfo proposes the
use of a service application; officers act on each of the six steps (step 4 level by level up the
chain); officers read the whole case. The trail (jejak) and the public page live in
``trenggalek_jejak.py``, included here.

Each step has its own route named as in the SOP (``/trenggalek/kasus/{nomor}/telaah_pimpinan``),
checked here before the workflow is signalled (see api/case_access.py).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.service import RPCError, RPCStatusCode

from api.case_access import (
    action_id_for,
    already_accepted,
    live_status,
    load_case,
    require_agency,
    require_step,
)
from api.deps import CurrentOfficer, SessionsDep, TemporalClientDep, actor_of, run_db
from api.errors import Conflict, Unavailable, Unprocessable, responses
from api.routers.tasks import TaskRead, to_read
from api.trenggalek.jejak import router as jejak_router
from api.trenggalek.trail import VersiRead, read_versions
from api.trenggalek.usulan import IdempotencyKey
from api.trenggalek.usulan import router as usulan_router
from db.base import utcnow
from db.models import AuditEvent, Officer, Task
from db.trenggalek.models import TrenggalekUsulan
from sop.trenggalek import TRENGGALEK
from workflows.case.models import CaseStatus
from workflows.trenggalek.models import (
    ACTIONS,
    NaskahData,
    PenyiapanLayananData,
    TelaahPimpinan,
    TelaahPimpinanData,
    TindakLanjutData,
)
from workflows.trenggalek.workflow import (
    level_rule,
)

router = APIRouter(prefix="/trenggalek", tags=["trenggalek"])
router.include_router(usulan_router)
router.include_router(jejak_router)

CLOSED = ("selesai", "ditolak")
"""The statuses a Trenggalek case ends in."""


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
