"""Activities that write a case's read model: the case row, its tasks and its audit trail.

Every write is idempotent: a task is keyed by workflow, step and round; an audit event by a key the
workflow makes deterministically. A retried activity finds its row and writes nothing twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from activities.calendar import Deadline, DeadlineInput, batas_waktu
from alur.case_ref import CaseRef
from alur.settings_kalender import KalenderSettings
from alur.working_time import Jam, detik
from db.models import AuditEvent, Case, Task
from db.session import transaction


class AuditEntry(BaseModel):
    """One audit line as the workflow states it."""

    key: str
    step: str | None = None
    round: int | None = None
    event: str
    actor: str | None = None
    actor_role: str | None = None
    action_id: str | None = None
    detail: dict[str, Any] = {}
    at: datetime


class RecordCaseInput(BaseModel):
    """The case as it opens: written once, found again on retry."""

    case: CaseRef
    kind: str
    channel: str
    subject: str
    status: str
    opened_at: datetime
    audit: AuditEntry


class CompleteStepInput(BaseModel):
    """An accepted action closes the step's task."""

    case: CaseRef
    task_key: str
    actor: str
    outcome: str
    completed_at: datetime
    audit: list[AuditEntry]


class EnterStepInput(BaseModel):
    """A human step opens: its task, the case's current step, an audit line."""

    case: CaseRef
    task_key: str
    step: str
    round: int
    role: str
    assignee: str | None
    title: str
    status: str
    opened_at: datetime
    due_at: datetime | None
    audit: AuditEntry
    clock: str | None = None
    """The clock the deadline was counted in (``kerja``/``kalender``); the step's durations are
    counted in it when it closes. ``None`` for runs from before working time."""
    unit: str | None = None
    """The unit the case belongs to (a MAGESTY OPD), for the SLA report."""
    deadline: DeadlineInput | None = None
    """The step's time standard, when this activity computes its deadline (runs from
    ``trail.ONE_ACTIVITY_PATCH`` on); ``due_at`` and ``clock`` are then ignored."""
    closing: CompleteStepInput | None = None
    """The step closed just before this one opened (runs from ``trail.CHAINED_PATCH`` on), written
    in the same transaction: the case never shows both tasks open, or neither."""


class RecordAuditInput(BaseModel):
    """One audit line on its own."""

    case: CaseRef
    audit: AuditEntry


class BreachInput(BaseModel):
    """A step passed its time standard: the task turns overdue and the case is flagged."""

    case: CaseRef
    task_key: str
    audit: AuditEntry


class CloseCaseInput(BaseModel):
    """The case ends: its final status, the reason or the public response, open tasks cancelled."""

    case: CaseRef
    status: str
    closing_reason: str | None = None
    public_response: str | None = None
    closed_at: datetime
    audit: AuditEntry


def _fresh_audit(
    session: Session, case: CaseRef, entries: list[AuditEntry]
) -> list[dict[str, Any]]:
    """The rows of ``entries`` not in the trail yet (a replayed activity writes nothing twice).

    Read before the transaction writes anything, and written after its updates in one statement:
    SQLite holds its one write lock from a transaction's first write to its commit, so a read or
    a statement more between them holds it longer, and in a busy process every statement may
    also wait for the GIL while it holds it. The API's claims and the other cases' writes wait on
    that lock (``tests/test_db.py``)."""
    keys = {entry.key for entry in entries}
    seen = set(session.scalars(select(AuditEvent.event_key).where(AuditEvent.event_key.in_(keys))))
    rows = []
    for entry in entries:
        if entry.key in seen:
            continue
        seen.add(entry.key)
        rows.append(
            {
                "event_key": entry.key,
                "workflow_id": case.workflow_id,
                "case_number": case.case_number,
                **entry.model_dump(exclude={"key"}),
            }
        )
    return rows


def _write_audit(
    session: Session, case: CaseRef, entries: list[AuditEntry], rows: list[dict[str, Any]]
) -> None:
    """Write the trail lines ``_fresh_audit`` found new, in one statement; an ``aksi_ditolak`` for
    an action the API claimed the task for frees the task again (the workflow refused it)."""
    for entry in entries:
        if entry.event == "aksi_ditolak" and entry.action_id is not None:
            session.execute(
                update(Task)
                .where(
                    Task.workflow_id == case.workflow_id, Task.acting_action_id == entry.action_id
                )
                .values(acting_action_id=None, acting_by=None, acting_until=None)
            )
    if rows:
        session.execute(insert(AuditEvent).values(rows))


def _audit(session: Session, case: CaseRef, entry: AuditEntry) -> None:
    """Write one audit line in a transaction that has nothing else to read."""
    _write_audit(session, case, [entry], _fresh_audit(session, case, [entry]))


def _aware(at: datetime) -> datetime:
    """A stored instant as UTC (SQLite gives it back without its zone)."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


class CaseRecordActivities:
    """Case, task and audit writes, bound to a session factory by worker.py."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        kalender: KalenderSettings | None = None,
        skala_waktu: int = 1,
    ) -> None:
        """``kalender``: the agencies' working time, to compute a step's deadline and count a
        closed step's durations in its clock (the defaults when omitted); ``skala_waktu``: the
        development time scale (``Settings.skala_waktu``)."""
        self._sessions = session_factory
        self._kalender = kalender or KalenderSettings()
        self._skala = skala_waktu

    @activity.defn
    def record_case(self, inp: RecordCaseInput) -> None:
        """Write the case row, or fill in the row the API made at intake."""
        with transaction(self._sessions) as s:
            row = s.scalar(select(Case).where(Case.case_number == inp.case.case_number))
            rows = _fresh_audit(s, inp.case, [inp.audit])
            if row is None:
                s.add(
                    Case(
                        case_number=inp.case.case_number,
                        workflow_id=inp.case.workflow_id,
                        sop=inp.case.sop,
                        agency=inp.case.agency,
                        kind=inp.kind,
                        channel=inp.channel,
                        subject=inp.subject,
                        status=inp.status,
                        created_at=inp.opened_at,
                        updated_at=inp.opened_at,
                    )
                )
            _write_audit(s, inp.case, [inp.audit], rows)

    @activity.defn
    def enter_step(self, inp: EnterStepInput) -> Deadline | None:
        """Open the step's task and move the case to the step. With ``inp.deadline`` it also
        computes the step's deadline and returns it (None without a time standard): one local
        activity per step opening instead of two, and the deadline is still recorded in history
        (the activity's result), so replay never computes it again."""
        deadline = None
        if inp.deadline is not None:
            deadline = batas_waktu(self._kalender, self._skala, inp.deadline)
            inp = inp.model_copy(update={"due_at": deadline.due_at, "clock": deadline.jam})
        with transaction(self._sessions) as s:
            # every read first, then the writes back to back (see _fresh_audit)
            durations = self._durations_of(s, inp.closing) if inp.closing is not None else {}
            opened = s.scalar(select(Task.id).where(Task.task_key == inp.task_key)) is not None
            entries = [*(inp.closing.audit if inp.closing is not None else []), inp.audit]
            rows = _fresh_audit(s, inp.case, entries)
            if inp.closing is not None:
                self._write_close(s, inp.closing, durations)
            s.execute(
                update(Case)
                .where(Case.case_number == inp.case.case_number)
                .values(current_step=inp.step, status=inp.status, updated_at=inp.opened_at)
            )
            if not opened:
                s.add(
                    Task(
                        task_key=inp.task_key,
                        workflow_id=inp.case.workflow_id,
                        case_number=inp.case.case_number,
                        sop=inp.case.sop,
                        agency=inp.case.agency,
                        step=inp.step,
                        round=inp.round,
                        role=inp.role,
                        assignee=inp.assignee,
                        title=inp.title,
                        status="open",
                        opened_at=inp.opened_at,
                        due_at=inp.due_at,
                        clock=inp.clock,
                        unit=inp.unit,
                    )
                )
            _write_audit(s, inp.case, entries, rows)
        return deadline

    @activity.defn
    def complete_step(self, inp: CompleteStepInput) -> None:
        """Close the step's task with who acted and the outcome, and how long it took in its clock
        (opened to done, and opened to claimed when it was claimed)."""
        with transaction(self._sessions) as s:
            durations = self._durations_of(s, inp)
            rows = _fresh_audit(s, inp.case, inp.audit)
            self._write_close(s, inp, durations)
            _write_audit(s, inp.case, inp.audit, rows)

    def _durations_of(self, s: Session, inp: CompleteStepInput) -> dict[str, float | None]:
        """The closing task's durations in its clock (none for a task without one, or gone)."""
        task = s.scalar(select(Task).where(Task.task_key == inp.task_key, Task.status == "open"))
        if task is not None and task.clock in ("kerja", "kalender"):
            return self._durations(task, inp.completed_at)
        return {}

    @staticmethod
    def _write_close(
        s: Session, inp: CompleteStepInput, durations: dict[str, float | None]
    ) -> None:
        s.execute(
            update(Task)
            .where(Task.task_key == inp.task_key, Task.status == "open")
            .values(
                status="done",
                completed_at=inp.completed_at,
                completed_by=inp.actor,
                outcome=inp.outcome,
                **durations,
            )
        )

    def _durations(self, task: Task, done: datetime) -> dict[str, float | None]:
        """``elapsed_seconds`` (opened to done) and ``waiting_seconds`` (opened to claimed, when
        claimed) in the task's clock, on its agency's calendar."""
        kalender = self._kalender.kalender(task.agency)
        clock: Jam = "kerja" if task.clock == "kerja" else "kalender"
        opened = _aware(task.opened_at)
        out: dict[str, float | None] = {
            "elapsed_seconds": detik(opened, _aware(done), clock, kalender)
        }
        if task.claimed_at is not None:
            out["waiting_seconds"] = detik(opened, _aware(task.claimed_at), clock, kalender)
        return out

    @activity.defn
    def record_audit(self, inp: RecordAuditInput) -> None:
        """Write one audit line (a refused action, a failed notification)."""
        with transaction(self._sessions) as s:
            _audit(s, inp.case, inp.audit)

    @activity.defn
    def record_breach(self, inp: BreachInput) -> None:
        """Mark the task overdue and the case as having breached an SLA."""
        with transaction(self._sessions) as s:
            rows = _fresh_audit(s, inp.case, [inp.audit])
            s.execute(update(Task).where(Task.task_key == inp.task_key).values(overdue=True))
            s.execute(
                update(Case)
                .where(Case.case_number == inp.case.case_number)
                .values(sla_breached=True, updated_at=inp.audit.at)
            )
            _write_audit(s, inp.case, [inp.audit], rows)

    @activity.defn
    def close_case(self, inp: CloseCaseInput) -> None:
        """Close the case; any task still open is cancelled so no inbox shows it again."""
        with transaction(self._sessions) as s:
            rows = _fresh_audit(s, inp.case, [inp.audit])
            s.execute(
                update(Case)
                .where(Case.case_number == inp.case.case_number)
                .values(
                    status=inp.status,
                    current_step=None,
                    closing_reason=inp.closing_reason,
                    public_response=inp.public_response,
                    closed_at=inp.closed_at,
                    updated_at=inp.closed_at,
                )
            )
            s.execute(
                update(Task)
                .where(Task.workflow_id == inp.case.workflow_id, Task.status == "open")
                .values(status="cancelled", completed_at=inp.closed_at)
            )
            _write_audit(s, inp.case, [inp.audit], rows)
