"""Kota Malang's SOP 15 over HTTP: a citizen files a complaint, suggestion or information request
(``intake``); officers act on each of the seven steps and read the whole case.

The step routes (``/malang/kasus/{nomor}/disposisi``, …) come from the step table through the
router builder (``api.cases.routes``); this module keeps only what Malang's case view adds: the
report as the citizen wrote it and the citizen's contact, masked.
"""

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from alur.masking import mask_name, mask_phone
from api.cases.routes import KasusRead, OfficerCases, kasus_fields
from api.malang.intake import router as intake_router
from db.models import Case, CaseContact
from workflows.malang.steps import LANGKAH

CASES = OfficerCases(LANGKAH)

router = APIRouter(prefix="/malang", tags=["malang"])
router.include_router(intake_router)


class ContactRead(BaseModel):
    """The citizen's contact, masked for officer eyes."""

    nama: str
    telepon: str
    kanal_balasan: str | None


class CaseOfficerRead(KasusRead):
    """Everything an officer of the agency sees of a case: the report as filed, contact masked."""

    jenis: str
    kanal: str
    isi: str | None
    kontak: ContactRead | None
    tanggapan: str | None
    alasan_penutupan: str | None


def _read_case(session: Session, case: Case) -> CaseOfficerRead:
    contact = session.scalar(select(CaseContact).where(CaseContact.case_id == case.id))
    return CaseOfficerRead(
        **kasus_fields(session, case),
        jenis=case.kind,
        kanal=case.channel,
        isi=case.description,
        kontak=ContactRead(
            nama=mask_name(contact.name),
            telepon=mask_phone(contact.phone),
            kanal_balasan=contact.reply_channel,
        )
        if contact
        else None,
        tanggapan=case.public_response,
        alasan_penutupan=case.closing_reason,
    )


CASES.add_view(
    CaseOfficerRead,
    _read_case,
    summary="The case as its agency's officers see it: every task and every audit line, "
    "contact masked.",
)

router.include_router(CASES.router)
