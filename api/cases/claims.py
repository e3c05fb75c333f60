"""Acting on an open task, race-free, and refusals at the API written to the case's trail.

Human steps stay signals, and a signal cannot answer. So before the API signals an action it claims
the open task in the database with one conditional UPDATE: the first of two simultaneous actions
(two officers, two tabs) takes the claim and is signalled; the second finds the task claimed and
gets 409 ``sudah_ditindaklanjuti`` naming who acted first, never a misleading 202. The workflow's
own checks still have the last word: when it refuses a claimed action, the refusal releases the
claim (``activities.case_records``); a claim the workflow never takes up (the process died before
signalling) expires after ``CLAIM_FOR``.

Every action refused here is written to the case's trail as ``aksi_ditolak`` (actor, role,
agency, step, reason), so the agency learns who tried: a 403 for the wrong agency, role or
assignee, and the loser of a claim. A 409 for a case at another step is not written (a polling
client would flood the trail).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from api.errors import Conflict
from db.base import utcnow
from db.models import AuditEvent, Case, Officer, Task

CLAIM_FOR = timedelta(minutes=2)
"""How long a claim holds without the workflow taking it up: far longer than a signal takes,
short enough that a lost one does not keep the step from its officers."""


def claim_task(session: Session, *, task_key: str, action_id: str, officer: Officer) -> None:
    """Claim the open task ``task_key`` for this action, or raise 409 naming who holds it.

    The same action again (a retried request) keeps its claim; an expired claim is taken over.
    The caller commits."""
    now = utcnow()
    claimed = session.execute(
        update(Task)
        .where(
            Task.task_key == task_key,
            Task.status == "open",
            or_(
                Task.acting_action_id.is_(None),
                Task.acting_action_id == action_id,
                Task.acting_until < now,
            ),
        )
        .values(
            acting_action_id=action_id, acting_by=officer.username, acting_until=now + CLAIM_FOR
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount == 1:  # type: ignore[attr-defined]
        return
    task = session.scalar(select(Task).where(Task.task_key == task_key))
    if task is None or task.status == "open" and task.acting_by is None:
        raise Conflict("Kasus sedang diproses, coba lagi sebentar lagi", code="case_busy")
    who = task.acting_by or task.completed_by
    name = session.scalar(select(Officer.full_name).where(Officer.username == who)) or who
    raise Conflict(
        f"Langkah {task.step} sudah ditindaklanjuti oleh {name}",
        code="sudah_ditindaklanjuti",
        detail={"langkah": task.step, "oleh": who, "nama": name},
    )


def release_claim(session: Session, *, task_key: str, action_id: str) -> None:
    """Free the task again when the signal could not be sent. The caller commits."""
    session.execute(
        update(Task)
        .where(Task.task_key == task_key, Task.acting_action_id == action_id)
        .values(acting_action_id=None, acting_by=None, acting_until=None)
    )


def record_refusal(
    session: Session,
    case: Case,
    officer: Officer,
    *,
    step: str | None,
    reason: str,
    code: str,
    detail: dict[str, Any] | None = None,
) -> None:
    """Write an action refused at the API to the case's trail (its own key: each refusal is one
    attempt). The caller commits."""
    session.add(
        AuditEvent(
            event_key=f"{case.workflow_id}/api/{uuid.uuid4().hex}",
            workflow_id=case.workflow_id,
            case_number=case.case_number,
            step=step,
            round=None,
            event="aksi_ditolak",
            actor=officer.username,
            actor_role=officer.role,
            action_id=None,
            detail={
                "alasan": reason,
                "kode": code,
                "instansi": officer.agency,
                "ditolak_oleh": "api",
                **(detail or {}),
            },
            at=utcnow(),
        )
    )
