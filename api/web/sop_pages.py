"""The SOP documents as the running system holds them: ``/petugas/sop`` lists them and
``/petugas/sop/{kode}`` re-renders one from the catalogue (its identity block, its roles, its
PermenPAN-RB 35/2012 flowchart table), so an officer reads the definition Alur actually runs, not
a PDF that may have drifted from it. For officers of any agency (SOPs are public documents), behind
the web session.
"""

from __future__ import annotations

from functools import lru_cache

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from api.errors import NotFound
from api.web.flowchart import flowchart_svg
from api.web.pages import HalamanRoute
from api.web.session import OfficerFromSession
from api.web.templating import render
from sop.catalogue import CATALOGUE, get_sop

router = APIRouter(prefix="/petugas/sop", route_class=HalamanRoute, include_in_schema=False)


@lru_cache(maxsize=32)
def _bagan(kode: str) -> Markup:
    """An SOP's drawing without a case: the catalogue does not change while the process runs,
    so it is drawn once (some 15 ms) per SOP."""
    sop = get_sop(kode)
    assert sop is not None
    # the SVG is built by ElementTree, which escapes every text it holds: safe to embed as is
    return Markup(flowchart_svg(sop))  # noqa: S704


@router.get("")
def sop_list(request: Request, officer: OfficerFromSession) -> Response:
    """Every SOP Alur runs, the officer's agency's first."""
    sops = sorted(CATALOGUE.values(), key=lambda s: (s.agensi != officer.agency, s.kode))
    return render(request, "sop_daftar.html", sops=sops)


@router.get("/{kode}")
def sop_document(request: Request, kode: str, officer: OfficerFromSession) -> Response:
    """One SOP re-rendered from its running definition: identity block and flowchart table."""
    sop = get_sop(kode)
    if sop is None:
        raise NotFound(f"SOP {kode} tidak ditemukan", code="sop_not_found")
    return render(request, "sop_dokumen.html", sop=sop, bagan=_bagan(sop.kode))
