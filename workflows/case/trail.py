"""The case trail: the one component that writes a case's read model from a workflow (a step's task
opened, completed or past its time standard, and every audit line), used by both the officers'
``HumanSteps`` and the citizens' ``CitizenSteps``.

Audit keys cannot shift. Each line's key says what the line is about (the task key and the event,
the action id, the update id), not where it falls in a counter: when a workflow task is retried
because a signal came in while it ran (Temporal then replays it with the signal delivered first),
every line keeps its key, so the idempotent write keeps each line exactly once. The old keys
(``<workflow id>/<run id>/<position>``) stay for runs recorded before the change (``KEYS_PATCH``).

One rule for a step with no time standard: it has no deadline, so it is never breached.

Deadlines in working time (``WORKING_TIME_PATCH``): a step's deadline comes from the calendar
(local) activity (``activities/calendar.py``), recorded in the history, in the step's clock (the
agency's working time for an officer's step, the wall clock for a citizen's); the role that must
act and the deadline are search attributes while the step is open. Runs started before keep
their wall-clock deadlines on replay.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from temporalio.common import SearchAttributeUpdate

    from activities.calendar import CalendarActivities, Deadline, DeadlineInput
    from activities.case_records import (
        AuditEntry,
        BreachInput,
        CaseRecordActivities,
        CompleteStepInput,
        EnterStepInput,
        RecordAuditInput,
    )
    from alur.case_ref import CaseRef
    from alur.temporal import SA_DUE_AT, SA_ROLE, SA_SLA_BREACHED
    from sop.models import SopStep
    from workflows.case import policies
    from workflows.case.models import OfficerAction
    from workflows.case.records import record

ONE_ACTIVITY_PATCH = "buka-langkah-sekali"
"""Runs started after this patch open a step with one local activity that computes the deadline
and writes the task (``CaseRecordActivities.enter_step`` with ``deadline``), and show the step's
search attributes after it. Runs started before keep the calendar activity, then the write."""

CHAINED_PATCH = "langkah-bersambung"
"""Runs of officer steps started after this patch write a closed step together with the step that
opens next: one local activity and one transaction (``enter_step`` with ``closing``) instead of two,
and one search-attribute update per opening (step, status, role and deadline together) instead of
two, with no unset of the role in between. A closed step that no opening follows straight away is
written before any other write of the trail (``flush``) or as soon as the workflow waits on anything
else (``_write_soon``), so the read model never lags behind a wait. Runs started before keep their
two writes and three updates on replay."""

KEYS_PATCH = "audit-keys-by-content"
"""Runs started before this patch keep their positional audit keys, so replay and retries of a
case in flight write nothing twice."""


WORKING_TIME_PATCH = "waktu-kerja"
"""Runs started after this patch count deadlines in the step's clock (working time for officers),
computed by an activity and recorded; they set ``AlurRole``/``AlurDueAt`` and tell a named
officer of their task. Runs started before keep wall-clock deadlines on replay."""


def due_at(step: SopStep, opened: datetime) -> datetime | None:
    """A step's deadline on the wall clock (runs from before ``WORKING_TIME_PATCH``): its time
    standard from when it opened; none without a time standard."""
    return opened + step.waktu if step.waktu is not None else None


def task_key(case: CaseRef, code: str, round: int, role: str | None = None) -> str:
    """The key of a step's task in one round (and, for a chain of roles, one role's turn)."""
    return f"{case.workflow_id}/{code}/{round}" + (f"/{role}" if role else "")


@dataclass(frozen=True)
class Opening:
    """A step's task as it opens (``CaseTrail.open``): ``actor`` and ``actor_role`` name who
    opened it when not the system (a citizen), ``unit`` the case's unit (a MAGESTY OPD)."""

    key: str
    step: SopStep
    round: int
    role: str
    assignee: str | None
    title: str
    status: str
    opened: datetime
    actor: str | None = None
    actor_role: str | None = None
    detail: dict[str, Any] | None = None
    unit: str | None = None


class CaseTrail:
    """Writes one case's tasks and audit lines, each keyed by what it is about."""

    def __init__(self, case: CaseRef, *, chain: bool = False) -> None:
        """``chain``: write a closed step with the next opening (``CHAINED_PATCH``), for the
        officers' steps, where the SOP moves straight from one step to the next."""
        self.case = case
        self.sla_breached = False
        self._by_content = workflow.patched(KEYS_PATCH)
        self._seq = 0
        self._seen_keys: dict[str, int] = {}
        # Asked here, first thing in the run beside KEYS_PATCH, not at the first step: a patch
        # first asked after a local activity in the same workflow task could be missed when that
        # task is replayed after a signal failed it (a nondeterminism the dev server showed).
        self._working_time = workflow.patched(WORKING_TIME_PATCH)
        self._one_activity = self._working_time and workflow.patched(ONE_ACTIVITY_PATCH)
        self._chained = chain and self._one_activity and workflow.patched(CHAINED_PATCH)
        self._closing: CompleteStepInput | None = None
        self._writer: asyncio.Task[None] | None = None

    # --- deadlines ------------------------------------------------------------------------------
    @property
    def working_time(self) -> bool:
        """Whether this run counts deadlines in working time (``WORKING_TIME_PATCH``)."""
        return self._working_time

    def _standard(self, step: SopStep, opened: datetime) -> DeadlineInput | None:
        """What the calendar needs to count the step's time standard from ``opened``; None for a
        step without one."""
        if step.waktu is None or step.waktu_sisa is None:
            return None
        return DeadlineInput(
            agency=self.case.agency,
            opened_at=opened,
            waktu=step.waktu_sisa,
            hari_kerja=step.hari_kerja,
            jam=step.jam,
        )

    async def deadline(self, step: SopStep, opened: datetime) -> tuple[datetime | None, str]:
        """The step's deadline and the clock it is counted in. In working time it is computed by
        the calendar activity and so recorded in history; before the patch, on the wall clock."""
        if not self.working_time:
            return due_at(step, opened), "kalender"
        standard = self._standard(step, opened)
        if standard is None:
            return None, step.jam
        # A local activity, as the case-record writes: quick, and its result is a marker in the
        # history, so replay takes the recorded deadline and never computes it again.
        result = await workflow.execute_local_activity_method(
            CalendarActivities.batas_waktu,
            standard,
            start_to_close_timeout=policies.CALENDAR_START_TO_CLOSE,
            retry_policy=policies.DB_RETRY,
            summary=f"batas waktu {step.kode}",
        )
        return result.due_at, result.jam

    def show_wait(
        self, role: str, due: datetime | None, also: list[SearchAttributeUpdate[Any]] | None = None
    ) -> None:
        """The open step's role and deadline as search attributes (working-time runs only), with
        ``also`` (the step and status) in the same update from ``CHAINED_PATCH`` on; before it,
        ``also`` is its own update, first, as those runs recorded."""
        also = also or []
        if also and not self._chained:
            workflow.upsert_search_attributes(also)
            also = []
        if not self.working_time:  # never chained: ``also`` went out above
            return
        # A step without a time standard (none of the four SOPs opens one) keeps the last one's.
        workflow.upsert_search_attributes(
            also
            + [SA_ROLE.value_set(role)]
            + ([SA_DUE_AT.value_set(due)] if due is not None else [])
        )

    def clear_wait(self) -> None:
        """No step is open any more: ``AlurRole`` is unset (nobody must act). ``AlurDueAt`` keeps
        the last step's deadline: the time-skipping test server keeps an unset Datetime as a null
        that the SDK cannot read back (every ``describe`` of the case would fail), so an operator
        asks for what waits with ``AlurRole IS NOT NULL`` (see ``alur/temporal.py``)."""
        if not self.working_time:
            return
        workflow.upsert_search_attributes([SA_ROLE.value_unset()])

    # --- audit lines ----------------------------------------------------------------------------
    def entry(
        self,
        step: str | None,
        round: int | None,
        event: str,
        *,
        by: OfficerAction | None = None,
        actor: str | None = None,
        actor_role: str | None = None,
        detail: dict[str, Any] | None = None,
        about: str | None = None,
    ) -> AuditEntry:
        """An audit line. ``by`` is the officer action it is about (its actor and id); ``actor`` and
        ``actor_role`` name a citizen or the system instead; ``about`` is the key's subject when
        the line is about something else than its step and event (a task key)."""
        return AuditEntry(
            key=self._key(step, round, event, by=by, about=about),
            step=step,
            round=round,
            event=event,
            actor=by.actor.username if by else actor,
            actor_role=by.actor.role if by else actor_role,
            action_id=by.action_id if by else None,
            detail=detail or {},
            at=workflow.now(),
        )

    def _key(
        self,
        step: str | None,
        round: int | None,
        event: str,
        *,
        by: OfficerAction | None,
        about: str | None,
    ) -> str:
        self._seq += 1
        if not self._by_content:
            return f"{self.case.workflow_id}/{workflow.info().run_id}/{self._seq}"
        if by is not None:  # an action is accepted or refused once: its id says which
            base = f"{self.case.workflow_id}/aksi/{by.action_id}/{event}"
        elif about is not None:
            base = f"{about}/{event}"
        else:
            base = f"{self.case.workflow_id}/{step or 'kasus'}/{round or 0}/{event}"
        update = workflow.current_update_info()
        if update is not None:  # a citizen's update: its id is the same on every retry
            base = f"{base}/{update.id}"
        # The same line again from the same code path (an OTP resent): counted per key, which a
        # signal arriving elsewhere in the workflow cannot shift.
        seen = self._seen_keys.get(base, 0) + 1
        self._seen_keys[base] = seen
        return base if seen == 1 else f"{base}#{seen}"

    async def audit(
        self,
        step: str | None,
        round: int | None,
        event: str,
        *,
        by: OfficerAction | None = None,
        actor: str | None = None,
        actor_role: str | None = None,
        detail: dict[str, Any] | None = None,
        about: str | None = None,
    ) -> None:
        """Write one audit line now (after a closed step still to be written)."""
        await self.flush()
        entry = self.entry(
            step,
            round,
            event,
            by=by,
            actor=actor,
            actor_role=actor_role,
            detail=detail,
            about=about,
        )
        await record(
            CaseRecordActivities.record_audit,
            RecordAuditInput(case=self.case, audit=entry),
            summary=event,
        )

    # --- a step's task --------------------------------------------------------------------------
    async def open(self, o: Opening, show: Callable[[datetime | None], None]) -> datetime | None:
        """Open the step: its deadline, then ``show(due)`` (the search attributes and details the
        caller sets), and its task: the task row, the case moved to the step, ``langkah_dimulai``.
        Returns the deadline. One local activity from ``ONE_ACTIVITY_PATCH`` on, shown after the
        write; before it, in the order its runs recorded: the deadline's activity, ``show``, the
        write."""
        if not self._one_activity:
            due, clock = await self.deadline(o.step, o.opened)
            show(due)
            await record(
                CaseRecordActivities.enter_step,
                self._enter_input(o, due=due, clock=clock),
                summary=f"buka tugas {o.step.kode}",
            )
            return due
        standard = self._standard(o.step, o.opened)
        inp = self._enter_input(o, due=None, clock=o.step.jam, deadline=standard)
        # Taken before anything awaits, so ``_write_soon`` finds nothing left to write; a close
        # already on its way (the SOP waited on something between the steps) lands first.
        inp.closing, self._closing = (self._closing, None) if self._chained else (None, None)
        if inp.closing is None:
            await self.flush()
        found: Deadline | None = await workflow.execute_local_activity_method(
            CaseRecordActivities.enter_step,
            inp,
            start_to_close_timeout=policies.DB_START_TO_CLOSE,
            retry_policy=policies.DB_RETRY,
            summary=f"buka tugas {o.step.kode}",
        )
        due = found.due_at if found is not None else None
        show(due)
        return due

    def _enter_input(
        self,
        o: Opening,
        *,
        due: datetime | None,
        clock: str | None,
        deadline: DeadlineInput | None = None,
    ) -> EnterStepInput:
        return EnterStepInput(
            case=self.case,
            task_key=o.key,
            step=o.step.kode,
            round=o.round,
            role=o.role,
            assignee=o.assignee,
            title=o.title,
            status=o.status,
            opened_at=o.opened,
            due_at=due,
            clock=clock,
            unit=o.unit,
            deadline=deadline,
            audit=self.entry(
                o.step.kode,
                o.round,
                "langkah_dimulai",
                actor=o.actor,
                actor_role=o.actor_role,
                detail=o.detail,
                about=o.key,
            ),
        )

    async def complete(
        self,
        *,
        key: str,
        step: SopStep,
        round: int,
        opened: datetime,
        due: datetime | None,
        actor: str,
        outcome: str,
        by: OfficerAction | None = None,
        actor_role: str | None = None,
    ) -> None:
        """Close the step's task: the accepted action (when an officer acted) and
        ``langkah_selesai`` with its duration and whether it was on time."""
        done = workflow.now()
        lines: list[AuditEntry] = []
        if by is not None:
            lines.append(
                self.entry(step.kode, round, "aksi_diterima", by=by, detail=by.audit_detail())
            )
        lines.append(
            self.entry(
                step.kode,
                round,
                "langkah_selesai",
                by=by,
                actor=actor if by is None else None,
                actor_role=actor_role if by is None else None,
                detail={
                    "durasi_detik": (done - opened).total_seconds(),
                    "tepat_waktu": due is None or done <= due,
                },
                about=key,
            )
        )
        closing = CompleteStepInput(
            case=self.case,
            task_key=key,
            actor=actor,
            outcome=outcome,
            completed_at=done,
            audit=lines,
        )
        if self._chained:
            self._closing = closing
            self._writer = asyncio.create_task(self._write_soon(step.kode))
            return
        await self._write_closing(closing, step.kode)

    async def _write_closing(self, closing: CompleteStepInput, code: str) -> None:
        await record(CaseRecordActivities.complete_step, closing, summary=f"tutup tugas {code}")
        self.clear_wait()

    async def _write_soon(self, code: str) -> None:
        """Runs when the workflow next waits: the closed step goes on its own unless an opening
        took it first (an opening takes it before anything awaits, so it always does when the SOP
        moves straight on)."""
        closing, self._closing = self._closing, None
        if closing is not None:
            await self._write_closing(closing, code)

    async def flush(self) -> None:
        """Write a closed step still waiting for the next opening, before a write of another
        kind (an audit line, a breach, the SOP's own records, the case's close) or a
        continue-as-new, so the read model keeps the workflow's order."""
        # The task stays referenced once done (awaiting a done task does not yield), so a second
        # caller waits for the same write instead of passing a write still in flight.
        while self._writer is not None:
            writer = self._writer
            await writer
            if self._writer is writer:
                return

    async def breach(self, *, key: str, step: SopStep, round: int, due: datetime | None) -> None:
        """The step passed its time standard: the task turns overdue, the case is flagged, and
        ``sla_terlampaui`` is written; whoever waits keeps waiting."""
        await self.flush()
        self.sla_breached = True
        workflow.upsert_search_attributes([SA_SLA_BREACHED.value_set(True)])
        await record(
            CaseRecordActivities.record_breach,
            BreachInput(
                case=self.case,
                task_key=key,
                audit=self.entry(
                    step.kode,
                    round,
                    "sla_terlampaui",
                    detail={
                        "batas_waktu": due.isoformat() if due else None,
                        "mutu_baku": step.waktu_teks,
                        "pelaksana": step.pelaksana,
                    },
                    about=key,
                ),
            ),
            summary=f"SLA {step.kode} terlampaui",
        )
