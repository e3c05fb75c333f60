"""An officer's task inbox: the open tasks of their role in their agency, with the SLA deadline."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import or_, select

from api.deps import CurrentOfficer, SessionDep
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


def to_read(task: Task, now: datetime) -> TaskRead:
    """A task row as the inbox and the case view show it: an open task is overdue once its
    deadline has passed, even before the workflow's timer fires; a closed one if it ran late."""
    still_open = task.status == "open"
    late = task.overdue or (still_open and task.due_at is not None and task.due_at < now)
    read = TaskRead.model_validate(task, from_attributes=True)
    read.overdue = late
    return read


@router.get("", response_model=list[TaskRead], responses=responses(401))
def my_tasks(officer: CurrentOfficer, session: SessionDep) -> list[TaskRead]:
    """My open tasks: my role in my agency, unassigned or assigned to me, oldest deadline first."""
    rows = session.scalars(
        select(Task)
        .where(
            Task.agency == officer.agency,
            Task.role == officer.role,
            Task.status == "open",
            or_(Task.assignee.is_(None), Task.assignee == officer.username),
        )
        .order_by(Task.due_at, Task.id)
    ).all()
    now = utcnow()
    return [to_read(t, now) for t in rows]
