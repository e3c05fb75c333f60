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

An officer may also take a task of their role's queue for themselves before working on it
(``take_task``: ``tasks.claimed_by``/``claimed_at``), put it back (``release_task``) or hand it to
a colleague of the same role (``delegate_task``): each one conditional UPDATE (two officers
claiming at once: one wins, the other gets 409 ``sudah_diklaim``), each a line of the trail
(``tugas_diklaim``, ``tugas_dilepas``, ``tugas_didelegasikan``). While an officer holds a task,
``claim_task`` refuses anyone else's action on it with the same 409. Tasks the workflow names an
assignee for are the assignee's and are not claimed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy, WorkflowIDReusePolicy

from activities.notifications import NotifyOfficersInput
from alur.case_ref import CaseRef
from api.errors import Conflict, Forbidden, NotFound, Unprocessable
from db.base import utcnow
from db.models import AuditEvent, Case, Officer, Task
from workflows.case.pemberitahuan import PemberitahuanPetugasWorkflow, workflow_id_for

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
            # a task an officer took from the role's queue is theirs to act on
            or_(Task.claimed_by.is_(None), Task.claimed_by == officer.username),
        )
        .values(
            acting_action_id=action_id, acting_by=officer.username, acting_until=now + CLAIM_FOR
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount == 1:  # type: ignore[attr-defined]
        return
    task = session.scalar(select(Task).where(Task.task_key == task_key))
    if task is not None and task.status == "open" and _held_by_other(task, officer):
        raise _held(session, task)
    if task is None or task.status == "open" and task.acting_by is None:
        raise Conflict("Kasus sedang diproses, coba lagi sebentar lagi", code="case_busy")
    who = task.acting_by or task.completed_by
    name = session.scalar(select(Officer.full_name).where(Officer.username == who)) or who
    raise Conflict(
        f"Langkah {task.step} sudah ditindaklanjuti oleh {name}",
        code="sudah_ditindaklanjuti",
        detail={"langkah": task.step, "oleh": who, "nama": name},
    )


def acted_first(
    session: Session, *, case_number: str, step: str, role: str | None = None
) -> Conflict | None:
    """The answer for an action on a step the case has just left: when the last task the case
    finished is that step (and ``role``'s turn of it), another officer (or tab) acted first, and
    the 409 names them instead of saying only that the case is elsewhere. None when the step was
    not the last one done, or the last one done was another role's turn of it: the level below
    in a review chain has acted, and this officer's own turn is still to come."""
    last = session.scalar(
        select(Task)
        .where(Task.case_number == case_number, Task.status == "done")
        .order_by(Task.completed_at.desc(), Task.id.desc())
        .limit(1)
    )
    if last is None or last.step != step or last.completed_by is None:
        return None
    if role is not None and last.role != role:
        return None
    who = last.completed_by
    name = session.scalar(select(Officer.full_name).where(Officer.username == who)) or who
    return Conflict(
        f"Langkah {step} sudah ditindaklanjuti oleh {name}",
        code="sudah_ditindaklanjuti",
        detail={"langkah": step, "oleh": who, "nama": name},
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


# --- an officer's hold on a task: claim, release, delegate ---------------------------------------
DIKLAIM, DILEPAS, DIDELEGASIKAN = "tugas_diklaim", "tugas_dilepas", "tugas_didelegasikan"
"""The trail's events for an officer taking, freeing or handing on a task of the role's queue."""


def _held_by_other(task: Task, officer: Officer) -> bool:
    return task.claimed_by is not None and task.claimed_by != officer.username


def _name_of(session: Session, username: str | None) -> str:
    if username is None:
        return ""
    found = session.scalar(select(Officer.full_name).where(Officer.username == username))
    return found or username


def _held(session: Session, task: Task) -> Conflict:
    name = _name_of(session, task.claimed_by)
    return Conflict(
        f"Tugas ini sedang dikerjakan oleh {name}",
        code="sudah_diklaim",
        detail={"langkah": task.step, "oleh": task.claimed_by, "nama": name},
    )


def _open_task_of_role(session: Session, task_id: int, officer: Officer) -> Task:
    """The open task ``task_id`` of the officer's agency and role, not named to anyone by the
    workflow (a named task is the assignee's; the workflow would refuse anyone else)."""
    task = session.get(Task, task_id)
    if task is None or task.agency != officer.agency:
        raise NotFound("Tugas tidak ditemukan", code="task_not_found")
    if task.role != officer.role:
        raise Forbidden("Tugas ini untuk peran lain", code="wrong_role")
    if task.status != "open":
        raise Conflict("Tugas ini sudah selesai", code="task_closed")
    if task.assignee is not None:
        raise Conflict(
            f"Tugas ini ditujukan kepada {_name_of(session, task.assignee)} oleh alur kerja",
            code="ditugaskan",
        )
    return task


def _hold(session: Session, task: Task, officer: Officer, *, to: str | None) -> bool:
    """One conditional UPDATE: the task goes to ``to`` (None: back to the queue) only while it is
    open and free or held by ``officer``. False when another officer got there first."""
    done = session.execute(
        update(Task)
        .where(
            Task.id == task.id,
            Task.status == "open",
            or_(Task.claimed_by.is_(None), Task.claimed_by == officer.username),
        )
        .values(claimed_by=to, claimed_at=utcnow() if to is not None else None)
        .execution_options(synchronize_session=False)
    )
    return bool(done.rowcount == 1)  # type: ignore[attr-defined]


def _trail_hold(
    session: Session, task: Task, officer: Officer, event: str, detail: dict[str, Any]
) -> str:
    """Write the line; returns its key."""
    key = f"{task.workflow_id}/api/{uuid.uuid4().hex}"
    session.add(
        AuditEvent(
            event_key=key,
            workflow_id=task.workflow_id,
            case_number=task.case_number,
            step=task.step,
            round=task.round,
            event=event,
            actor=officer.username,
            actor_role=officer.role,
            action_id=None,
            detail={"instansi": officer.agency, **detail},
            at=utcnow(),
        )
    )
    return key


def take_task(session: Session, *, task_id: int, officer: Officer) -> Task:
    """Claim a task of the role's queue for ``officer``: 409 ``sudah_diklaim`` naming who holds
    it when another officer took it first (two at once: one wins). Commits."""
    task = _open_task_of_role(session, task_id, officer)
    if task.claimed_by == officer.username:
        return task
    if not _hold(session, task, officer, to=officer.username):
        session.rollback()
        raise _held(session, session.get(Task, task_id) or task)
    _trail_hold(session, task, officer, DIKLAIM, {"oleh": officer.username})
    session.commit()
    return task


def release_task(session: Session, *, task_id: int, officer: Officer) -> Task:
    """Put a task ``officer`` holds back in the role's queue. Commits."""
    task = _open_task_of_role(session, task_id, officer)
    if task.claimed_by != officer.username:
        raise Conflict("Tugas ini tidak sedang Anda kerjakan", code="bukan_klaim_anda")
    if not _hold(session, task, officer, to=None):
        session.rollback()
        raise Conflict("Tugas ini tidak sedang Anda kerjakan", code="bukan_klaim_anda")
    _trail_hold(session, task, officer, DILEPAS, {"oleh": officer.username})
    session.commit()
    return task


def colleagues(session: Session, officer: Officer) -> list[Officer]:
    """The active officers of the same role and agency, but the officer: whom a task may be
    handed to."""
    return list(
        session.scalars(
            select(Officer)
            .where(
                Officer.agency == officer.agency,
                Officer.role == officer.role,
                Officer.active.is_(True),
                Officer.username != officer.username,
            )
            .order_by(Officer.full_name)
        )
    )


@dataclass(frozen=True)
class Delegasi:
    """A task handed on: to whom, by whom, and the trail line's key (the message's key)."""

    task: Task
    kepada: str
    oleh: Officer
    kunci: str


def delegate_task(session: Session, *, task_id: int, officer: Officer, to: str) -> Delegasi:
    """Hand a free task (or one ``officer`` holds) to a colleague of the same role: 422 for
    anyone else, 409 when another officer holds it. Commits; tell the colleague with
    ``tell_delegate``."""
    task = _open_task_of_role(session, task_id, officer)
    colleague = session.scalar(
        select(Officer).where(
            Officer.username == to,
            Officer.agency == officer.agency,
            Officer.role == officer.role,
            Officer.active.is_(True),
        )
    )
    if colleague is None or colleague.username == officer.username:
        raise Unprocessable(
            "kepada: pilih rekan aktif dengan peran yang sama", code="unknown_officer"
        )
    if not _hold(session, task, officer, to=colleague.username):
        session.rollback()
        raise _held(session, session.get(Task, task_id) or task)
    key = _trail_hold(
        session,
        task,
        officer,
        DIDELEGASIKAN,
        {"oleh": officer.username, "kepada": colleague.username},
    )
    session.commit()
    return Delegasi(task=task, kepada=colleague.username, oleh=officer, kunci=key)


async def tell_delegate(client: Client, task_queue: str, delegasi: Delegasi) -> None:
    """A WhatsApp/SMS to the colleague a task was handed to: the case number, the task and a
    link to its page, sent by ``PemberitahuanPetugasWorkflow`` through the notification queue
    (its id is the delegation's, so a retried start sends once)."""
    task = delegasi.task
    message = NotifyOfficersInput(
        case=CaseRef(
            workflow_id=task.workflow_id,
            case_number=task.case_number,
            sop=task.sop,
            agency=task.agency,
        ),
        key=f"{delegasi.kunci}/delegasi",
        step=task.step,
        purpose="delegasi",
        role=task.role,
        username=delegasi.kepada,
        body=(
            f"[Alur] {delegasi.oleh.full_name} mendelegasikan tugas kepada Anda, kasus "
            f"{task.case_number}: {task.title}."
        ),
        tautan=f"/petugas/kasus/{task.case_number}",
    )
    await client.start_workflow(
        PemberitahuanPetugasWorkflow.run,
        message,
        id=workflow_id_for(delegasi.kunci.replace("/", "-")),
        task_queue=task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        static_summary=f"delegasi {task.step} {task.case_number}",
    )
