"""Citizen tracking, ``/lacak/{nomor}``: a public page (no login) where anyone with a case number
follows it: where it stands, which steps are done and when, and the published response.

Nothing personal is on it (UU 27/2022): no name, phone or e-mail, not the text the citizen wrote
nor its title (either may hold personal data), no officer's name. Steps are named by the
catalogue's words and their actors by role titles; the closing reason has its codes turned into
words (``api.web.trail_words``) with no officer named.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.deps import SessionDep
from api.errors import NotFound
from api.web import trail_words as words
from api.web.pages import HalamanRoute
from api.web.templating import render
from db.models import AuditEvent, Case
from sop.catalogue import get_sop
from sop.models import Sop
from workflows.case.models import ENDED

router = APIRouter(prefix="/lacak", route_class=HalamanRoute, include_in_schema=False)

STATUS = {
    "diterima": "Diterima",
    "diajukan": "Diajukan",
    "diproses": "Sedang diproses",
    "ditelaah": "Sedang ditelaah pimpinan",
    "disetujui": "Disetujui",
    "berjalan": "Sedang berjalan",
    "selesai": "Selesai",
    "ditutup": "Ditutup",
    "ditolak": "Ditolak",
    "kedaluwarsa": "Kedaluwarsa",
    "dibatalkan": "Dibatalkan",
}
"""A case's status as a citizen reads it."""


@dataclass(frozen=True)
class LangkahPublik:
    """One step of the SOP as the tracking page shows it."""

    nomor: int
    kegiatan: str
    pelaksana: str
    waktu_baku: str
    keadaan: str
    """``selesai``, ``berjalan`` or ``belum``."""
    selesai_pada: datetime | None


def langkah_publik(session: Session, case: Case, sop: Sop) -> list[LangkahPublik]:
    """Every step of the case's SOP: done (with the last round's time), running, or not yet."""
    done: dict[str, datetime] = {}
    for step, at in session.execute(
        select(AuditEvent.step, AuditEvent.at)
        .where(AuditEvent.case_number == case.case_number, AuditEvent.event == "langkah_selesai")
        .order_by(AuditEvent.id)
    ):
        if step:
            done[step] = at  # the last round's completion
    out = []
    for s in sop.langkah:
        if s.kode == case.current_step and case.status not in ENDED:
            state = "berjalan"
        elif s.kode in done:
            state = "selesai"
        else:
            state = "belum"
        out.append(
            LangkahPublik(
                nomor=s.nomor,
                kegiatan=s.kegiatan,
                pelaksana=words.nama_peran(sop, s.pelaksana),
                waktu_baku=s.waktu_teks,
                keadaan=state,
                selesai_pada=done.get(s.kode) if state == "selesai" else None,
            )
        )
    return out


@router.get("/{nomor}")
def track(request: Request, nomor: str, session: SessionDep) -> Response:
    """A case's public tracking page."""
    case = session.scalar(select(Case).where(Case.case_number == nomor))
    sop = get_sop(case.sop) if case is not None else None
    if case is None or sop is None:
        raise NotFound(f"Kasus {nomor} tidak ditemukan", code="case_not_found")
    closing = None
    if case.closing_reason:
        closing = words.alasan_kata(case.closing_reason, words.Nama.of(sop, []))
    page = render(
        request,
        "lacak_kasus.html",
        case_number=case.case_number,
        sop=sop,
        jenis=case.kind.replace("_", " "),
        status=STATUS.get(case.status, case.status.replace("_", " ").capitalize()),
        selesai=case.status in ENDED,
        langkah=langkah_publik(session, case, sop),
        dibuat=words.waktu_wib(case.created_at),
        diperbarui=words.waktu_wib(case.updated_at),
        ditutup=words.waktu_wib(case.closed_at) if case.closed_at else None,
        tanggapan=case.public_response,
        alasan=closing,
        waktu_wib=words.waktu_wib,
    )
    page.headers["Cache-Control"] = "no-store"
    page.headers["X-Robots-Tag"] = "noindex"
    return page
