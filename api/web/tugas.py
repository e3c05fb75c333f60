"""The inbox at ``/petugas/tugas``: what waits on me, counted the way SRIKANDI counts it.

Default view: my tasks (named to me by the workflow, or taken by me) and my role's tasks nobody
took yet, in my agency and (where tasks belong to a unit, a MAGESTY OPD) my unit, by due time.
Filters (``?saring=``): ``saya`` mine only, ``belum_diklaim`` the queue, ``terlambat`` the late
ones, ``selesai`` the tasks I finished (to find a case again without its number) and, for
leaders, ``instansi``: every open task of the agency. Counters on top ("2 tugas terlambat,
5 menunggu") are counted by the database over the default view, not over the rows shown, which
stop at ``BATAS`` so a page stays quick with a thousand open tasks.

Each row offers claim, release and delegation (``api.cases.claims``), each a POST with the
session's CSRF token that comes back here (POST-redirect-GET).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session
from temporalio.service import RPCError

from api.cases.claims import colleagues, delegate_task, release_task, take_task, tell_delegate
from api.deps import SessionDep, SessionsDep, SettingsDep, TemporalClientDep, run_db
from api.web.pages import HalamanRoute
from api.web.peran import is_leader
from api.web.session import CsrfChecked, OfficerFromSession
from api.web.templating import render
from api.web.usulan import may_propose
from db.base import utcnow
from db.models import Officer, Task
from sop.catalogue import get_sop

log = logging.getLogger(__name__)

router = APIRouter(prefix="/petugas", route_class=HalamanRoute, include_in_schema=False)

BATAS = 200
"""Rows one page shows; the counters still count every task."""

Saring = Literal["semua", "saya", "belum_diklaim", "terlambat", "selesai", "instansi"]
SARINGAN: tuple[tuple[str, str], ...] = (
    ("semua", "Semua tugas saya"),
    ("saya", "Milik saya"),
    ("belum_diklaim", "Belum diklaim"),
    ("terlambat", "Terlambat"),
    ("selesai", "Selesai oleh saya"),
)
INSTANSI = ("instansi", "Seluruh instansi")
PESAN = {
    "diklaim": "Tugas sudah Anda klaim: kini hanya Anda yang dapat menindaklanjutinya.",
    "dilepas": "Tugas dikembalikan ke antrean peran Anda.",
    "didelegasikan": "Tugas sudah didelegasikan; rekan Anda dikabari lewat WhatsApp/SMS.",
    "didelegasikan_tanpa_pesan": (
        "Tugas sudah didelegasikan, tetapi pesan ke rekan Anda belum terkirim: kabari langsung."
    ),
}
"""What the page says after a claim, a release or a delegation (by code, never echoed text)."""


def _late(now: datetime) -> ColumnElement[bool]:
    return or_(Task.overdue.is_(True), and_(Task.due_at.is_not(None), Task.due_at < now))


def _mine(officer: Officer) -> ColumnElement[bool]:
    return or_(Task.assignee == officer.username, Task.claimed_by == officer.username)


def _queue(officer: Officer) -> ColumnElement[bool]:
    return and_(
        Task.role == officer.role,
        Task.assignee.is_(None),
        Task.claimed_by.is_(None),
        or_(Task.unit.is_(None), Task.unit == officer.unit),
    )


def _where(officer: Officer, saring: str, now: datetime) -> list[ColumnElement[bool]]:
    base = [Task.agency == officer.agency]
    if saring == "selesai":
        return [*base, Task.status != "open", Task.completed_by == officer.username]
    base.append(Task.status == "open")
    if saring == "instansi":
        return base
    if saring == "saya":
        return [*base, _mine(officer)]
    if saring == "belum_diklaim":
        return [*base, _queue(officer)]
    default = [*base, or_(_mine(officer), _queue(officer))]
    return [*default, _late(now)] if saring == "terlambat" else default


@dataclass(frozen=True)
class BarisTugas:
    """One row of the inbox, in words."""

    task: Task
    sop_nama: str
    langkah: str
    terlambat: bool
    pemegang: str | None
    """Who holds it (named by the workflow, or took it), by name."""
    boleh_klaim: bool
    boleh_lepas: bool
    boleh_delegasi: bool


def _kegiatan(sop_kode: str, step: str) -> tuple[str, str]:
    """The SOP's name and the step in the catalogue's words (numbered, cut at 140 characters)."""
    sop = get_sop(sop_kode)
    if sop is None:
        return sop_kode, step
    try:
        found = sop.step(step)
    except KeyError:
        return sop.identitas.nama, step
    words = found.kegiatan if len(found.kegiatan) <= 140 else found.kegiatan[:137].rstrip() + "..."
    return sop.identitas.nama, f"{found.nomor}. {words}"


def rows_for(session: Session, officer: Officer, saring: str) -> tuple[list[BarisTugas], int]:
    """The rows one view shows (at most ``BATAS``) and how many tasks it holds."""
    now = utcnow()
    where = _where(officer, saring, now)
    total = session.scalar(select(func.count(Task.id)).where(*where)) or 0
    order = (
        (Task.completed_at.desc(), Task.id.desc())
        if saring == "selesai"
        else (Task.due_at.is_(None), Task.due_at, Task.id)
    )
    tasks = session.scalars(select(Task).where(*where).order_by(*order).limit(BATAS)).all()
    people = {t.claimed_by or t.assignee for t in tasks} - {None}
    found = select(Officer.username, Officer.full_name).where(Officer.username.in_(people))
    names = {row.username: row.full_name for row in session.execute(found)}
    rows = []
    for t in tasks:
        holder = t.claimed_by or t.assignee
        sop_nama, langkah = _kegiatan(t.sop, t.step)
        free_of_role = t.status == "open" and t.assignee is None and t.role == officer.role
        rows.append(
            BarisTugas(
                task=t,
                sop_nama=sop_nama,
                langkah=langkah,
                terlambat=t.overdue
                or (t.status == "open" and t.due_at is not None and t.due_at < now),
                pemegang=names.get(holder, holder) if holder else None,
                boleh_klaim=free_of_role and t.claimed_by is None,
                boleh_lepas=free_of_role and t.claimed_by == officer.username,
                boleh_delegasi=free_of_role and t.claimed_by in (None, officer.username),
            )
        )
    return rows, total


def counters(session: Session, officer: Officer) -> tuple[int, int]:
    """(late, waiting) over the default view: what the counters on top say."""
    now = utcnow()
    where = _where(officer, "semua", now)
    waiting = session.scalar(select(func.count(Task.id)).where(*where)) or 0
    late = session.scalar(select(func.count(Task.id)).where(*where, _late(now))) or 0
    return late, waiting


@router.get("/tugas")
def inbox(
    request: Request,
    officer: OfficerFromSession,
    session: SessionDep,
    saring: Saring = "semua",
    pesan: str | None = None,
) -> Response:
    """The officer's inbox."""
    leader = is_leader(officer)
    if saring == "instansi" and not leader:
        saring = "semua"
    rows, total = rows_for(session, officer, saring)
    late, waiting = counters(session, officer)
    return render(
        request,
        "tugas.html",
        baris=rows,
        total=total,
        batas=BATAS,
        terlambat=late,
        menunggu=waiting,
        saring=saring,
        saringan=[*SARINGAN, INSTANSI] if leader else list(SARINGAN),
        rekan=colleagues(session, officer),
        pesan=PESAN.get(pesan or ""),
        boleh_usul=may_propose(officer),
    )


def _back(saring: str, pesan: str) -> RedirectResponse:
    return RedirectResponse(f"/petugas/tugas?saring={saring}&pesan={pesan}", status_code=303)


SaringForm = Annotated[Saring, Form()]


@router.post("/tugas/{task_id}/klaim")
def claim(
    task_id: int,
    officer: OfficerFromSession,
    session: SessionDep,
    _: CsrfChecked,
    saring: SaringForm = "semua",
) -> Response:
    """Take a task of the role's queue (409 when a colleague took it first)."""
    take_task(session, task_id=task_id, officer=officer)
    return _back(saring, "diklaim")


@router.post("/tugas/{task_id}/lepas")
def release(
    task_id: int,
    officer: OfficerFromSession,
    session: SessionDep,
    _: CsrfChecked,
    saring: SaringForm = "semua",
) -> Response:
    """Put a task I took back in the role's queue."""
    release_task(session, task_id=task_id, officer=officer)
    return _back(saring, "dilepas")


@router.post("/tugas/{task_id}/delegasi")
async def delegate(
    task_id: int,
    officer: OfficerFromSession,
    sessions: SessionsDep,
    client: TemporalClientDep,
    settings: SettingsDep,
    _: CsrfChecked,
    kepada: Annotated[str, Form(max_length=64)] = "",
    saring: SaringForm = "semua",
) -> Response:
    """Hand a task to a colleague of the same role, who gets a WhatsApp/SMS with its link."""
    done = await run_db(sessions, delegate_task, task_id=task_id, officer=officer, to=kepada)
    try:
        await tell_delegate(client, settings.task_queue, done)
    except RPCError:  # the task is theirs anyway (it is in their inbox); the page says so
        log.warning("delegation notice for task %s not started", task_id)
        return _back(saring, "didelegasikan_tanpa_pesan")
    return _back(saring, "didelegasikan")
