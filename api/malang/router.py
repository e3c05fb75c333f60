"""Kota Malang's SOP 15 over HTTP: a citizen files a complaint, suggestion or information request;
officers act on each of the seven steps; officers read the whole case.

Each step has its own route named as in the SOP (``/malang/kasus/{nomor}/disposisi``), checked here
before the workflow is signalled (see api/case_access.py). The routes are generated from the step
table because each is the same five checks around a different body model.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, status
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.service import RPCError, RPCStatusCode

from alur.masking import mask_name, mask_phone
from api.case_access import (
    action_id_for,
    already_accepted,
    live_status,
    load_case,
    require_agency,
    require_officer,
    require_step,
)
from api.deps import (
    CurrentOfficer,
    SessionsDep,
    TemporalClientDep,
    actor_of,
    run_db,
)
from api.errors import Conflict, Unavailable, responses
from api.malang.intake import IdempotencyKey
from api.malang.intake import router as intake_router
from api.routers.tasks import TaskRead, to_read
from db.base import utcnow
from db.models import AuditEvent, CaseContact, Officer, Task
from sop.malang import MALANG
from workflows.case.models import CaseStatus
from workflows.malang.models import (
    ACTIONS,
    DisposisiData,
    DrafTanggapanData,
    PenerimaanData,
    PengajuanDrafData,
    PenyampaianData,
    PerintahData,
    TelaahData,
)

router = APIRouter(prefix="/malang", tags=["malang"])
router.include_router(intake_router)


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
