"""A new Trenggalek proposal from the browser (``/petugas/usulan``): the one SOP whose case an
officer starts (a Fungsional of Diskominfo, step 1's actor).

The form has the JSON body's fields (``UsulanCreate``: the application's name and a summary) and
goes through the JSON route's own work (``api.trenggalek.usulan``: who may propose, the case, the
agenda line, the workflow), keyed by a per-form key so a double submit starts one proposal. Then
the proposal's case page opens, at step 1's form.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from api.deps import Services, SessionsDep, SettingsDep, TemporalClientDep
from api.errors import Forbidden
from api.trenggalek.usulan import UsulanCreate, require_proposer, start_proposal
from api.web.formulir import Isian, messages
from api.web.pages import HalamanRoute
from api.web.session import CsrfChecked, OfficerFromSession
from api.web.templating import render
from db.models import Officer

router = APIRouter(prefix="/petugas", route_class=HalamanRoute, include_in_schema=False)

FIELDS = [
    Isian("judul", "Nama aplikasi yang diusulkan", "baris", True, maks=200),
    Isian("ringkasan", "Ringkasan usulan", "teks", False, maks=4000),
]


def _page(
    request: Request, *, galat: dict[str, str] | None = None, nilai: dict[str, str] | None = None
) -> Response:
    return render(
        request,
        "usulan.html",
        status_code=422 if galat else 200,
        isian=FIELDS,
        galat=galat or {},
        nilai=nilai or {},
        kunci=uuid.uuid4().hex,
    )


def may_propose(officer: Officer) -> bool:
    """Whether the officer may start a Trenggalek proposal (for the inbox's link)."""
    try:
        require_proposer(officer)
    except Forbidden:
        return False
    return True


@router.get("/usulan")
def proposal_form(request: Request, officer: OfficerFromSession) -> Response:
    """The form of a new proposal (403 for anyone but a Fungsional of Diskominfo)."""
    require_proposer(officer)
    return _page(request)


@router.post("/usulan")
async def propose(
    request: Request,
    officer: OfficerFromSession,
    sessions: SessionsDep,
    client: TemporalClientDep,
    settings: SettingsDep,
    _: CsrfChecked,
    judul: Annotated[str, Form(max_length=1000)] = "",
    ringkasan: Annotated[str, Form(max_length=10000)] = "",
    kunci: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Start the proposal and open its case page."""
    require_proposer(officer)
    values = {"judul": judul, "ringkasan": ringkasan}
    try:
        body = UsulanCreate.model_validate({k: v for k, v in values.items() if v})
    except ValidationError as err:
        return _page(request, galat=messages(err.errors(), FIELDS), nilai=values)
    created = await start_proposal(
        body,
        officer,
        Services(sessions=sessions, temporal=client, settings=settings),
        Response(),
        f"web-{kunci}" if kunci else None,
    )
    return RedirectResponse(f"/petugas/kasus/{created.nomor_kasus}", status_code=303)
