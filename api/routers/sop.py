"""The SOP catalogue, as transcribed from the documents: list them, read one with its steps."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.errors import NotFound, responses
from sop.catalogue import CATALOGUE, get_sop
from sop.models import Sop

router = APIRouter(prefix="/sop", tags=["sop"])


class SopSummary(BaseModel):
    """One SOP in the list."""

    kode: str
    nomor: str
    nama: str
    pemerintah: str
    instansi: str
    jumlah_langkah: int


@router.get("", response_model=list[SopSummary])
def list_sops() -> list[SopSummary]:
    """Every SOP Alur runs."""
    return [
        SopSummary(
            kode=s.kode,
            nomor=s.identitas.nomor,
            nama=s.identitas.nama,
            pemerintah=s.identitas.pemerintah,
            instansi=s.identitas.instansi,
            jumlah_langkah=len(s.langkah),
        )
        for s in CATALOGUE.values()
    ]


@router.get("/{kode}", response_model=Sop, responses=responses(404))
def read_sop(kode: str) -> Sop:
    """One SOP: its identity, roles and every step with its time standard (``waktu``, the nominal
    ISO 8601 duration; ``waktu_teks``, the document's words), the standard's clock (``jam``:
    ``kerja``, the agency's working time, or ``kalender``), how the words are read and why
    (``bacaan_waktu``), and the working days in it (``hari_kerja``: "1 hari" is one working
    day)."""
    sop = get_sop(kode)
    if sop is None:
        raise NotFound(f"SOP {kode!r} tidak ada", code="sop_not_found")
    return sop
