"""The officers' pages' Jinja2 environment and ``render``.

Templates live in ``api/web/templates/`` and extend ``base.html`` (blocks ``title``, ``head``,
``content``). Autoescape is on for every template, so a citizen's report or an officer's note is
text on the page, never markup. ``render`` hands every template the request, the officer of the
session (``petugas``, with ``jabatan`` their title), the session's CSRF token (``csrf``) and the
filters below, so a page never formats a time or names a role by itself:

- ``wib``: a UTC time as ``1 Desember 2026 14.05 WIB`` (all four agencies are in WIB, UTC+7);
- ``sisa``: a deadline as the time left, ``sisa 2 jam 5 menit`` or ``terlambat 1 hari 3 jam``;
- ``jabatan``: a role code as its title from the catalogue (``kasubag`` → ``Kasubag Pemerintahan
  Umum``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.web import trail_words as words
from api.web.peran import is_leader
from db.base import utcnow
from sop.catalogue import CATALOGUE

TEMPLATES = Path(__file__).resolve().parent / "templates"

OPERATOR_TITLE = "Operator Dinas Kominfo"


def wib(at: datetime | None) -> str:
    """A time in WIB as an officer reads it: ``1 Desember 2026 14.05 WIB`` (empty for None)."""
    if at is None:
        return ""
    if at.tzinfo is None:  # a naive time here is UTC (as db.base stores it)
        at = at.replace(tzinfo=UTC)
    return f"{words.tanggal(at)} {at.astimezone(words.WIB):%H.%M} WIB"


def lama(span: timedelta) -> str:
    """A duration in words, two units at most: ``1 hari 3 jam``, ``25 menit``, ``< 1 menit``."""
    minutes = int(abs(span).total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "hari"), (hours, "jam"), (mins, "menit")) if n]
    return " ".join(parts[:2]) or "< 1 menit"


def sisa(due: datetime | None, now: datetime | None = None) -> str:
    """The time left to a deadline, or how late it is."""
    if due is None:
        return "tanpa batas waktu"
    if due.tzinfo is None:
        due = due.replace(tzinfo=UTC)
    left = due - (now or utcnow())
    return f"sisa {lama(left)}" if left.total_seconds() >= 0 else f"terlambat {lama(left)}"


def jabatan(role: str | None, agency: str | None = None) -> str:
    """A role's title from the catalogue (the agency's SOP first); the code itself if unknown."""
    if not role:
        return ""
    if role == "operator":
        return OPERATOR_TITLE
    sops = sorted(CATALOGUE.values(), key=lambda s: s.agensi != agency)
    for sop in sops:
        for peran in sop.peran:
            if peran.kode == role:
                return peran.nama
    return role


def _environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["wib"] = wib
    env.filters["sisa"] = sisa
    env.filters["lama"] = lama
    env.filters["jabatan"] = jabatan
    return env


ENV = _environment()
"""The one environment: templates are compiled once per process."""


def render(request: Request, name: str, *, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Render template ``name`` for this request, with the officer of the session (if any), the
    CSRF token and the shared filters."""
    petugas = getattr(request.state, "petugas", None)
    context: dict[str, Any] = {
        "request": request,
        "petugas": petugas,
        "jabatan_petugas": jabatan(petugas.role, petugas.agency) if petugas else "",
        "pimpinan": is_leader(petugas) if petugas else False,
        "csrf": getattr(request.state, "csrf", ""),
        "now": utcnow(),
        **ctx,
    }
    html = ENV.get_template(name).render(context)
    return HTMLResponse(html, status_code=status_code)
