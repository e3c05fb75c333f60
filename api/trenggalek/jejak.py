"""The Trenggalek proposal's document trail (JSON and a printable page, for the agency's officers)
and the public page of an approved application (no auth, nothing personal).

The printable page opens from the officers' case page with the web session (its link works in a
browser: no header to add); a bearer token works too, as for the JSON. Without either, a browser
(``Accept: text/html``) is sent to the login page and comes back; any other client gets the 401.

Included by ``api/routers/trenggalek.py`` under its ``/trenggalek`` prefix.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from alur.settings import Settings
from api.case_access import load_case, require_agency
from api.deps import CurrentOfficer, SessionDep, SessionsDep, get_current_officer
from api.errors import NotAuthenticated, NotFound, responses
from api.principals import PETUGAS, officer_scheme, subject_of
from api.trenggalek.html import render_public, render_trail
from api.trenggalek.trail import JejakRead, build_trail, wib
from api.web.session import PerluMasuk, officer_from_cookie
from db.models import Officer
from db.trenggalek.models import TrenggalekAplikasiPublik
from sop.trenggalek import TRENGGALEK

router = APIRouter()


def _trail(request: Request, session: Session, nomor_kasus: str, officer: Officer) -> JejakRead:
    case = load_case(session, nomor_kasus, sop=TRENGGALEK.kode)
    require_agency(case, officer)
    settings: Settings = request.app.state.settings
    return build_trail(session, case, settings.trenggalek)


def officer_for_print(
    request: Request,
    sessions: SessionsDep,
    token: Annotated[str | None, Depends(officer_scheme)],
) -> Officer:
    """The officer of the bearer token when one is sent, else of the web session; without
    either a browser goes to the login page and any other client gets the 401."""
    if token:
        settings: Settings = request.app.state.settings
        username = subject_of(token, settings.jwt_secret.get_secret_value(), PETUGAS)
        return get_current_officer(sessions, username)
    officer = officer_from_cookie(request)
    if officer is not None:
        return officer
    if "text/html" in request.headers.get("accept", ""):
        raise PerluMasuk(request.url.path)
    raise NotAuthenticated("Silakan masuk: token petugas atau sesi halaman petugas diperlukan")


PrintingOfficer = Annotated[Officer, Depends(officer_for_print)]


@router.get(
    "/kasus/{nomor_kasus}/jejak", response_model=JejakRead, responses=responses(401, 403, 404)
)
def trail_json(
    request: Request, nomor_kasus: str, officer: CurrentOfficer, session: SessionDep
) -> JejakRead:
    """The document trail: agenda entry, every disposition, every text version, the archive."""
    return _trail(request, session, nomor_kasus, officer)


@router.get(
    "/kasus/{nomor_kasus}/jejak.html",
    response_class=HTMLResponse,
    responses=responses(401, 403, 404),
)
def trail_html(
    request: Request, nomor_kasus: str, officer: PrintingOfficer, session: SessionDep
) -> HTMLResponse:
    """The document trail as a page to print and file (dates in WIB, Asia/Jakarta); the web
    session or a bearer token."""
    return HTMLResponse(render_trail(_trail(request, session, nomor_kasus, officer)))


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
