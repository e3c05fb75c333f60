"""The Trenggalek proposal's document trail (JSON and a printable page, for the agency's officers)
and the public page of an approved application (no auth, nothing personal).

Included by ``api/routers/trenggalek.py`` under its ``/trenggalek`` prefix.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.case_access import load_case, require_agency
from api.deps import CurrentOfficer, SessionDep
from api.errors import NotFound, responses
from api.trenggalek.html import render_public, render_trail
from api.trenggalek.trail import JejakRead, build_trail, wib
from db.models import Officer
from db.trenggalek.models import TrenggalekAplikasiPublik
from sop.trenggalek import TRENGGALEK

router = APIRouter()


def _trail(session: Session, nomor_kasus: str, officer: Officer) -> JejakRead:
    case = load_case(session, nomor_kasus, sop=TRENGGALEK.kode)
    require_agency(case, officer)
    return build_trail(session, case)


@router.get(
    "/kasus/{nomor_kasus}/jejak", response_model=JejakRead, responses=responses(401, 403, 404)
)
def trail_json(nomor_kasus: str, officer: CurrentOfficer, session: SessionDep) -> JejakRead:
    """The document trail: agenda entry, every disposition, every text version, the archive."""
    return _trail(session, nomor_kasus, officer)


@router.get(
    "/kasus/{nomor_kasus}/jejak.html",
    response_class=HTMLResponse,
    responses=responses(401, 403, 404),
)
def trail_html(nomor_kasus: str, officer: CurrentOfficer, session: SessionDep) -> HTMLResponse:
    """The document trail as a page to print and file (dates in WIB, Asia/Jakarta)."""
    return HTMLResponse(render_trail(_trail(session, nomor_kasus, officer)))


class AplikasiPublikRead(BaseModel):
    """An approved application as the public sees it."""

    nomor_kasus: str
    nama_aplikasi: str
    ringkasan: str
    tautan: str | None
    media_komunikasi: str | None
    cara_penyediaan: str
    instansi: str
    disetujui_pada: datetime
    diterbitkan_pada: datetime


_PUBLIC_COLUMNS = (
    "nama_aplikasi",
    "ringkasan",
    "tautan",
    "media_komunikasi",
    "cara_penyediaan",
    "disetujui_pada",
    "diterbitkan_pada",
)
"""The public page's columns, shown as stored (none personal); the first five are its texts."""
_TEXTS = set(_PUBLIC_COLUMNS[:5]) | {"instansi"}


def _to_read(row: TrenggalekAplikasiPublik) -> AplikasiPublikRead:
    return AplikasiPublikRead(
        nomor_kasus=row.case_number,
        instansi=TRENGGALEK.identitas.instansi,
        **{f: getattr(row, f) for f in _PUBLIC_COLUMNS},
    )


def _published(session: Session, nomor_kasus: str) -> AplikasiPublikRead:
    row = session.scalar(
        select(TrenggalekAplikasiPublik).where(TrenggalekAplikasiPublik.case_number == nomor_kasus)
    )
    if row is None:
        raise NotFound(
            f"Aplikasi dari usulan {nomor_kasus} belum diterbitkan", code="not_published"
        )
    return _to_read(row)


@router.get("/publik/aplikasi", response_model=list[AplikasiPublikRead])
def published_list(session: SessionDep) -> list[AplikasiPublikRead]:
    """Every application Diskominfo Trenggalek approved and published, newest first."""
    rows = session.scalars(
        select(TrenggalekAplikasiPublik).order_by(TrenggalekAplikasiPublik.diterbitkan_pada.desc())
    ).all()
    return [_to_read(r) for r in rows]


# the .html route first: "/{nomor_kasus}" would otherwise take "X.html" as a case number
@router.get(
    "/publik/aplikasi/{nomor_kasus}.html", response_class=HTMLResponse, responses=responses(404)
)
def published_html(nomor_kasus: str, session: SessionDep) -> HTMLResponse:
    """The approved application's public page."""
    app = _published(session, nomor_kasus)
    return HTMLResponse(
        render_public(
            **app.model_dump(include=_TEXTS),
            disetujui_wib=wib(app.disetujui_pada),
            diterbitkan_wib=wib(app.diterbitkan_pada),
        )
    )


@router.get(
    "/publik/aplikasi/{nomor_kasus}", response_model=AplikasiPublikRead, responses=responses(404)
)
def published_json(nomor_kasus: str, session: SessionDep) -> AplikasiPublikRead:
    """The approved application's public information, as JSON."""
    return _published(session, nomor_kasus)
