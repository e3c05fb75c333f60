"""Checks the API makes before it signals a workflow, so a wrong action is a clear 4xx and never
reaches history: the case exists, belongs to the officer's agency, waits on this step, for this role
(and this officer when the task is assigned). Also what every SOP's routes share to start a case and
to take a retried request once: ``start_case``, ``action_id_for``, ``already_accepted``."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowHandle
from temporalio.common import (
    SearchAttributePair,
    TypedSearchAttributes,
    WorkflowIDConflictPolicy,
    WorkflowIDReusePolicy,
)
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from alur.temporal import SA_AGENCY, SA_CASE_NUMBER, SA_SOP, SA_STATUS
from api.errors import Conflict, Forbidden, NotFound, Unavailable, Unprocessable
from db.base import utcnow
from db.models import AuditEvent, Case, Officer, Task
from workflows.case.models import CaseStatus, OpenTask
from workflows.case.officer_case import OfficerCase


def load_case(session: Session, case_number: str, *, sop: str) -> Case:
    """The case of this SOP with this number, or a 404."""
    case = session.scalar(select(Case).where(Case.case_number == case_number, Case.sop == sop))
    if case is None:
        raise NotFound(f"Kasus {case_number} tidak ditemukan", code="case_not_found")
    return case


def require_agency(case: Case, officer: Officer) -> None:
    """An officer acts only on their own government's cases."""
    if case.agency != officer.agency:
        raise Forbidden("Kasus ini milik instansi lain", code="wrong_agency")


async def live_status(client: Client, case: Case, query: str = "status") -> CaseStatus:
    """The workflow's own answer to where the case is (Temporal is the source of truth)."""
    handle: WorkflowHandle[object, object] = client.get_workflow_handle(case.workflow_id)
    try:
        status: CaseStatus = await handle.query(query, result_type=CaseStatus)
        return status
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise NotFound(
                f"Kasus {case.case_number} tidak ditemukan", code="case_not_found"
            ) from err
        raise Unavailable(
            "Alur kerja kasus ini belum menjawab, coba lagi sebentar lagi", code="temporal_error"
        ) from err


def open_task(session: Session, case: Case) -> Task | None:
    """The case's open task in the read model: the row the workflow writes before it shows the
    task, and the one the claim is taken on."""
    return session.scalar(
        select(Task)
        .where(Task.case_number == case.case_number, Task.status == "open")
        .order_by(Task.id.desc())
        .limit(1)
    )


def recorded_status(case: Case, task: Task | None) -> CaseStatus | None:
    """Where the case is by its read model, when a task is open there (``open_task``). None
    without an open task (a case between steps, served or closed): then only the workflow can say
    why. An action checks this instead of asking the workflow: a query is a round trip through
    the worker (a replay when the case has left its cache), and the workflow checks again."""
    if task is None:
        return None
    task_fields = ("step", "round", "role", "assignee", "opened_at", "due_at", "overdue")
    shown = OpenTask(key=task.task_key, **{f: getattr(task, f) for f in task_fields})
    case_fields = ("case_number", "sop", "agency", "status", "sla_breached")
    return CaseStatus(
        current_step=task.step,
        task=shown,
        round=task.round,
        **{f: getattr(case, f) for f in case_fields},
    )


def leaving(task: Task | None, step: str, role: str) -> bool:
    """Whether the case is leaving its open task for an action on ``step`` by ``role``: the task
    is another step's, or another role's turn of this step (the next level of a review chain),
    and an accepted action has claimed it (its claim has not expired). The read model would say
    "at the turn just done" until the workflow writes it, so the workflow is asked instead (see
    ``api.cases.routes``). The same turn's task is not leaving: a second action on it meets the
    claim and its 409 ``sudah_ditindaklanjuti``."""
    if task is None or task.acting_until is None or _aware(task.acting_until) <= utcnow():
        return False
    return task.step != step or task.role != role


def _aware(at: datetime) -> datetime:
    """A stored instant as UTC (SQLite gives it back without its zone)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def require_step(status: CaseStatus, step: str, officer: Officer) -> None:
    """409 when the case is not at ``step``; 403 when the officer may not act on it."""
    if status.task is None:
        if status.status in ("selesai", "ditutup"):
            raise Conflict(f"Kasus sudah {status.status}", code="case_closed")
        raise Conflict("Kasus sedang diproses, coba lagi sebentar lagi", code="case_busy")
    if status.task.step != step:
        raise Conflict(
            f"Kasus sedang di langkah {status.task.step}, bukan {step}",
            code="wrong_step",
            detail={"langkah_sekarang": status.task.step},
        )
    if officer.role != status.task.role:
        raise Forbidden(
            f"Langkah {step} dilakukan oleh peran {status.task.role}, bukan {officer.role}",
            code="wrong_role",
        )
    if status.task.assignee is not None and status.task.assignee != officer.username:
        raise Forbidden(f"Tugas ini ditujukan kepada {status.task.assignee}", code="not_assignee")


def require_officer(session: Session, *, username: str, role: str, agency: str, field: str) -> None:
    """A named officer (the Kasubag of a disposisi, the pelaksana of an order) must exist, be active
    and hold the role in the agency."""
    found = session.scalar(
        select(Officer.id).where(
            Officer.username == username,
            Officer.role == role,
            Officer.agency == agency,
            Officer.active.is_(True),
        )
    )
    if found is None:
        raise Unprocessable(
            f"{field}: {username} bukan {role} aktif di instansi ini", code="unknown_officer"
        )


def action_id_for(officer: Officer, idempotency_key: str | None) -> str:
    """The id an officer's action carries into the workflow and the audit trail.

    A retried request (the same officer, the same ``Idempotency-Key``) gets the same id, so the
    case takes it once and the API answers it again; the same key from another officer (the next
    level of a review chain, a colleague) is another action. Without a key every request is new.
    """
    if idempotency_key is None:
        return uuid.uuid4().hex
    scoped = f"{officer.username}\n{idempotency_key}".encode()
    return hashlib.sha256(scoped).hexdigest()[:32]


def already_accepted(session: Session, case_number: str, action_id: str) -> bool:
    """True when the case's audit trail has this action accepted: a retried request (same officer,
    same Idempotency-Key, see ``action_id_for``) is answered again without signalling twice."""
    found = session.scalar(
        select(AuditEvent.id).where(
            AuditEvent.case_number == case_number,
            AuditEvent.action_id == action_id,
            AuditEvent.event == "aksi_diterima",
        )
    )
    return found is not None


class CaseInput(Protocol):
    """A case workflow's input: whatever else it holds, it names its case."""

    @property
    def case_number(self) -> str: ...


async def start_case(
    client: Client,
    workflow: type[OfficerCase],
    arg: CaseInput,
    *,
    status: str,
    task_queue: str,
    summary: str,
) -> None:
    """Start a case's workflow, or find the one a retried create already started.

    The SOP, the case number and the workflow id come from the workflow class and its input, so a
    case can never be started under another SOP's name. A running case is joined
    (``USE_EXISTING``); a case that ran and closed is never started again (``REJECT_DUPLICATE``):
    a retried create finds it closed instead of reopening it with nobody able to act. The search
    attributes are the ones every case carries, none personal.
    """
    sop, number = workflow.TABLE.sop, arg.case_number
    try:
        await client.start_workflow(
            workflow.run,  # type: ignore[attr-defined]  # each SOP's class defines its own run
            arg,
            id=workflow.workflow_id_for(number),
            task_queue=task_queue,
            id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(SA_SOP, sop.kode),
                    SearchAttributePair(SA_CASE_NUMBER, number),
                    SearchAttributePair(SA_AGENCY, sop.agensi),
                    SearchAttributePair(SA_STATUS, status),
                ]
            ),
            static_summary=summary,
        )
    except WorkflowAlreadyStartedError:
        pass  # the case has run and closed: it is found, never started again
