"""The public view of a case: what a citizen may see with the case number, and nothing personal.

No name, phone, e-mail or the text the citizen wrote (it may hold personal data): only the kind of
case, its channel, where it stands, and the published response or the reason it was closed.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from api.deps import SessionDep
from api.errors import NotFound, responses
from db.models import Case
from sop.catalogue import get_sop

router = APIRouter(prefix="/publik", tags=["publik"])


class PublicCaseRead(BaseModel):
    """A case as anyone with its number sees it."""

    nomor_kasus: str
    sop: str
    jenis: str
    kanal: str
    status: str
    langkah_sekarang: str | None
    langkah_sekarang_nama: str | None
    dibuat: datetime
    diperbarui: datetime
    selesai: datetime | None
    tanggapan: str | None
    alasan_penutupan: str | None


@router.get("/kasus/{nomor_kasus}", response_model=PublicCaseRead, responses=responses(404))
def public_case(nomor_kasus: str, session: SessionDep) -> PublicCaseRead:
    """Follow a case by its number."""
    case = session.scalar(select(Case).where(Case.case_number == nomor_kasus))
    if case is None:
        raise NotFound(f"Kasus {nomor_kasus} tidak ditemukan", code="case_not_found")
    step_name = None
    sop = get_sop(case.sop)
    if case.current_step and sop is not None:
        step_name = sop.step(case.current_step).kegiatan_en
    return PublicCaseRead(
        nomor_kasus=case.case_number,
        sop=case.sop,
        jenis=case.kind,
        kanal=case.channel,
        status=case.status,
        langkah_sekarang=case.current_step,
        langkah_sekarang_nama=step_name,
        dibuat=case.created_at,
        diperbarui=case.updated_at,
        selesai=case.closed_at,
        tanggapan=case.public_response,
        alasan_penutupan=case.closing_reason,
    )
