"""Kabupaten Trenggalek's SOP 07-6/SOP/1/2022 over HTTP: a Fungsional of Diskominfo proposes the
use of a service application (``usulan``); officers act on each of the six steps (step 4 level by
level up the chain) and read the whole case; the trail (jejak) and the public page are ``jejak``.

The step routes (``/trenggalek/kasus/{nomor}/telaah_pimpinan``, …) come from the step table
through the router builder (``api.cases.routes``); this module keeps only what Trenggalek's case
view adds: the agenda number, the proposer and every version of the text.
"""

from fastapi import APIRouter
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.cases.routes import KasusRead, OfficerCases, kasus_fields
from api.errors import AlurError, Conflict
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


class UsulanOfficerRead(KasusRead):
    """Everything an officer of the agency sees of a proposal: its agenda line, the proposer and
    every version of its text."""

    nomor_agenda: str | None
    ringkasan: str | None
    pengusul: str | None
    hasil: str | None
    alasan_penolakan: str | None
    versi_naskah: list[VersiRead]


def _read_case(session: Session, case: Case) -> UsulanOfficerRead:
    entry = session.scalar(
        select(TrenggalekUsulan).where(TrenggalekUsulan.case_number == case.case_number)
    )
    return UsulanOfficerRead(
        **kasus_fields(session, case),
        nomor_agenda=entry.nomor_agenda if entry else None,
        ringkasan=case.description,
        pengusul=entry.pengusul if entry else None,
        hasil=case.public_response,
        alasan_penolakan=case.closing_reason,
        versi_naskah=read_versions(session, case.case_number),
    )


CASES.add_view(
    UsulanOfficerRead,
    _read_case,
    summary="The proposal as its agency's officers see it: tasks, every text version, the trail.",
)

router.include_router(CASES.router)
