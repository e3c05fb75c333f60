"""The public view of a case: what a citizen may see with the case number, and nothing personal.

No name, phone, e-mail or the text the citizen wrote (it may hold personal data): only the kind of
case, its channel, where it stands, and the published response or the reason it was closed.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.deps import SessionDep
from api.errors import NotFound, responses
from db.models import Case
from sop.catalogue import get_sop

router = APIRouter(prefix="/publik", tags=["publik"])


class PublicCaseRead(BaseModel):
    """A case as anyone with its number sees it: read from the case row by the row's own names
    (``validation_alias``), shown under the public API's names."""

    model_config = ConfigDict(from_attributes=True)

    nomor_kasus: str = Field(validation_alias="case_number")
    sop: str
    jenis: str = Field(validation_alias="kind")
    kanal: str = Field(validation_alias="channel")
    status: str
    langkah_sekarang: str | None = Field(validation_alias="current_step")
    langkah_sekarang_nama: str | None = None
    dibuat: datetime = Field(validation_alias="created_at")
    diperbarui: datetime = Field(validation_alias="updated_at")
    selesai: datetime | None = Field(validation_alias="closed_at")
    tanggapan: str | None = Field(validation_alias="public_response")
    alasan_penutupan: str | None = Field(validation_alias="closing_reason")


@router.get("/kasus/{nomor_kasus}", response_model=PublicCaseRead, responses=responses(404))
def public_case(nomor_kasus: str, session: SessionDep) -> PublicCaseRead:
    """Follow a case by its number."""
    case = session.scalar(select(Case).where(Case.case_number == nomor_kasus))
    if case is None:
        raise NotFound(f"Kasus {nomor_kasus} tidak ditemukan", code="case_not_found")
    read = PublicCaseRead.model_validate(case)
    sop = get_sop(case.sop)
    if case.current_step and sop is not None:
        read.langkah_sekarang_nama = sop.step(case.current_step).kegiatan_en
    return read
