"""Kota Malang's SOP 15 over HTTP: a citizen files a complaint, suggestion or information request
(``intake``); officers act on each of the seven steps and read the whole case.

The step routes (``/malang/kasus/{nomor}/disposisi``, …) come from the step table through the
router builder (``api.cases.routes``); this module keeps only what Malang's case view adds: the
report as the citizen wrote it and the citizen's contact, masked.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from alur.masking import mask_name, mask_phone
from api.cases.routes import AuditRead, OfficerCases, live_or_none, tasks_of, trail_of
from api.deps import SessionsDep, TemporalClientDep, run_db
from api.errors import responses
from api.malang.intake import router as intake_router
from api.routers.tasks import TaskRead
from db.models import Case, CaseContact
from workflows.case.models import CaseStatus
from workflows.malang.steps import LANGKAH

CASES = OfficerCases(LANGKAH)

router = APIRouter(prefix="/malang", tags=["malang"])
router.include_router(intake_router)
router.include_router(CASES.router)


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
    case: Annotated[Case, Depends(CASES.current_case)],
    sessions: SessionsDep,
    client: TemporalClientDep,
) -> CaseOfficerRead:
    """The case as its agency's officers see it: every task and every audit line, contact masked."""
    view = await run_db(sessions, _read_case, case)
    view.status_langsung = await live_or_none(client, case)
    return view


def _read_case(session: Session, case: Case) -> CaseOfficerRead:
    contact = session.scalar(select(CaseContact).where(CaseContact.case_id == case.id))
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
        tugas=tasks_of(session, case),
        jejak_audit=trail_of(session, case),
        status_langsung=None,
    )
