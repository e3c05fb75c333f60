"""Kabupaten Trenggalek's SOP 07-6/SOP/1/2022 over HTTP: a Fungsional of Diskominfo proposes the
use of a service application (``usulan``); officers act on each of the six steps (step 4 level by
level up the chain) and read the whole case; the trail (jejak) and the public page are ``jejak``.

The step routes (``/trenggalek/kasus/{nomor}/telaah_pimpinan``, …) come from the step table
through the router builder (``api.cases.routes``); this module keeps only what Trenggalek's case
view adds: the agenda number, the proposer and every version of the text.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.cases.routes import AuditRead, OfficerCases, live_or_none, tasks_of, trail_of
from api.deps import SessionsDep, TemporalClientDep, run_db
from api.errors import AlurError, Conflict, responses
from api.routers.tasks import TaskRead
from api.trenggalek.jejak import router as jejak_router
from api.trenggalek.trail import VersiRead, read_versions
from api.trenggalek.usulan import router as usulan_router
from db.models import Case
from db.trenggalek.models import TrenggalekUsulan
from workflows.case.models import CaseStatus
from workflows.trenggalek.steps import LANGKAH

CLOSED = ("selesai", "ditolak")
"""The statuses a Trenggalek case ends in."""


def _closed(live: CaseStatus) -> AlurError | None:
    """A proposal that ended takes no more actions."""
    if live.status in CLOSED:
        return Conflict(f"Usulan sudah {live.status}", code="case_closed")
    return None


CASES = OfficerCases(LANGKAH, done=_closed)

router = APIRouter(prefix="/trenggalek", tags=["trenggalek"])
router.include_router(usulan_router)
router.include_router(jejak_router)
router.include_router(CASES.router)


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
    case: Annotated[Case, Depends(CASES.current_case)],
    sessions: SessionsDep,
    client: TemporalClientDep,
) -> UsulanOfficerRead:
    """The proposal as its agency's officers see it: tasks, every text version, the audit trail."""
    view = await run_db(sessions, _read_case, case)
    view.status_langsung = await live_or_none(client, case)
    return view


def _read_case(session: Session, case: Case) -> UsulanOfficerRead:
    entry = session.scalar(
        select(TrenggalekUsulan).where(TrenggalekUsulan.case_number == case.case_number)
    )
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
        tugas=tasks_of(session, case),
        versi_naskah=read_versions(session, case.case_number),
        jejak_audit=trail_of(session, case),
        status_langsung=None,
    )
