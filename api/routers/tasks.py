"""An officer's task inbox: the open tasks of their role in their agency, with the SLA deadline.

A deadline is shown as the agency's people read it: in its local time with the offset
(``2026-12-04T16:10:00+07:00``), in words ("Jumat, 4 Desember 2026 16.10 WIB"), and with what is
left in the step's clock ("sisa 2 jam 15 menit waktu kerja")."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import or_, select

from alur.settings_kalender import KalenderSettings
from alur.working_time import Jam, detik, teks_sisa, teks_waktu
from api.deps import CurrentOfficer, SessionDep, SettingsDep
from api.errors import responses
from db.base import utcnow
from db.models import Task

router = APIRouter(prefix="/tasks", tags=["tasks"])


class TaskRead(BaseModel):
    """One open task: what to do, on which case, by when, and whether it is already late."""

    case_number: str
    sop: str
    step: str
    round: int
    role: str
    assignee: str | None
    title: str
    opened_at: datetime
    due_at: datetime | None
    overdue: bool
    status: str
    completed_at: datetime | None = None
    completed_by: str | None = None
    outcome: str | None = None
    clock: Literal["kerja", "kalender"] | None = None
    """The deadline's clock: ``kerja`` (the agency's working time) or ``kalender``."""
    due_local: datetime | None = None
    """The deadline in the agency's local time, with its offset (``+07:00`` for WIB)."""
    due_teks: str | None = None
    """The deadline in words: "Jumat, 4 Desember 2026 16.10 WIB"."""
    sisa_detik: float | None = None
    """Seconds left until the deadline in its clock (working seconds for ``kerja``), negative
    once past; only for an open task."""
    sisa_teks: str | None = None
    """What is left in words: "sisa 2 jam 15 menit waktu kerja", or "lewat 10 menit waktu
    kerja" once past; only for an open task."""


_DEFAULT_KALENDER = KalenderSettings()


def _utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def to_read(task: Task, now: datetime, kalender: KalenderSettings | None = None) -> TaskRead:
    """A task row as the inbox and the case view show it: an open task is overdue once its
    deadline has passed, even before the workflow's timer fires; a closed one if it ran late.
    ``kalender``: the agencies' working time (``Settings.kalender``; the defaults when omitted)."""
    still_open = task.status == "open"
    late = task.overdue or (still_open and task.due_at is not None and task.due_at < now)
    read = TaskRead.model_validate(task, from_attributes=True)
    read.overdue = late
    if task.due_at is not None:
        cal = (kalender or _DEFAULT_KALENDER).kalender(task.agency)
        due = _utc(task.due_at)
        read.due_local = cal.local(due)
        read.due_teks = teks_waktu(due, cal)
        if still_open:
            clock: Jam = "kerja" if task.clock == "kerja" else "kalender"
            at = _utc(now)
            left = detik(at, due, clock, cal) if due > at else -detik(due, at, clock, cal)
            read.sisa_detik = left
            read.sisa_teks = teks_sisa(at, due, clock, cal)
    return read


@router.get("", response_model=list[TaskRead], responses=responses(401))
def my_tasks(
    officer: CurrentOfficer,
    session: SessionDep,
    settings: SettingsDep,
    limit: Annotated[int | None, Query(ge=1, le=500)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[TaskRead]:
    """My open tasks: my role in my agency, unassigned or assigned to me, oldest deadline first.
    ``limit``/``offset`` page through them (a city's inbox can hold thousands: the scale bench
    measured a whole inbox of 10,000 against a page of 50); without ``limit``, all of them."""
    query = (
        select(Task)
        .where(
            Task.agency == officer.agency,
            Task.role == officer.role,
            Task.status == "open",
            or_(Task.assignee.is_(None), Task.assignee == officer.username),
        )
        .order_by(Task.due_at, Task.id)
        .offset(offset)
    )
    rows = session.scalars(query if limit is None else query.limit(limit)).all()
    now = utcnow()
    return [to_read(t, now, settings.kalender) for t in rows]
