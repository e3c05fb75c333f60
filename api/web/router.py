"""Every officer page under one router, and the stylesheet at ``/petugas/static``.

``api.main`` includes ``router`` like any domain's; the static files are a mount inside it, so the
app serves its own CSS (no CDN) wherever it runs.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.web import kasus, masuk, ringkasan, tugas, usulan

STATIC = Path(__file__).resolve().parent / "static"

router = APIRouter(include_in_schema=False)
for pages in (masuk, tugas, kasus, ringkasan, usulan):
    router.include_router(pages.router)
router.mount("/petugas/static", StaticFiles(directory=STATIC), name="petugas_static")


@router.get("/petugas", include_in_schema=False)
def home() -> RedirectResponse:
    """``/petugas`` opens the inbox (or the login page on the way)."""
    return RedirectResponse("/petugas/tugas", status_code=303)
