"""The case trail: the one component that writes a case's read model from a workflow (a step's task
opened, completed or past its time standard, and every audit line), used by both the officers'
``HumanSteps`` and the citizens' ``CitizenSteps``.

Audit keys cannot shift. Each line's key says what the line is about (the task key and the event,
the action id, the update id), not where it falls in a counter: when a workflow task is retried
because a signal came in while it ran (Temporal then replays it with the signal delivered first),
every line keeps its key, so the idempotent write keeps each line exactly once. The old keys
(``<workflow id>/<run id>/<position>``) stay for runs recorded before the change (``KEYS_PATCH``).

One rule for a step with no time standard: it has no deadline, so it is never breached.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.case_records import (
        AuditEntry,
        BreachInput,
        CaseRecordActivities,
        CompleteStepInput,
        EnterStepInput,
        RecordAuditInput,
    )
    from alur.case_ref import CaseRef
    from alur.temporal import SA_SLA_BREACHED
    from sop.models import SopStep
    from workflows.case.models import OfficerAction
    from workflows.case.records import record

KEYS_PATCH = "audit-keys-by-content"
"""Runs started before this patch keep their positional audit keys, so replay and retries of a
case in flight write nothing twice."""


def due_at(step: SopStep, opened: datetime) -> datetime | None:
    """A step's deadline: its time standard from when it opened; none without a time standard."""
    return opened + step.waktu if step.waktu is not None else None


def task_key(case: CaseRef, code: str, round: int, role: str | None = None) -> str:
    """The key of a step's task in one round (and, for a chain of roles, one role's turn)."""
    return f"{case.workflow_id}/{code}/{round}" + (f"/{role}" if role else "")


class CaseTrail:
    """Writes one case's tasks and audit lines, each keyed by what it is about."""

    def __init__(self, case: CaseRef) -> None:
        self.case = case
        self.sla_breached = False
        self._by_content = workflow.patched(KEYS_PATCH)
        self._seq = 0
        self._seen_keys: dict[str, int] = {}

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
        """Write one audit line now."""
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
    async def enter(
        self,
        *,
        key: str,
        step: SopStep,
        round: int,
        role: str,
        assignee: str | None,
        title: str,
        status: str,
        opened: datetime,
        due: datetime | None,
        actor: str | None = None,
        actor_role: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> None:
        """Open the step's task, move the case to the step and write ``langkah_dimulai``."""
        await record(
            CaseRecordActivities.enter_step,
            EnterStepInput(
                case=self.case,
                task_key=key,
                step=step.kode,
                round=round,
                role=role,
                assignee=assignee,
                title=title,
                status=status,
                opened_at=opened,
                due_at=due,
                audit=self.entry(
                    step.kode,
                    round,
                    "langkah_dimulai",
                    actor=actor,
                    actor_role=actor_role,
                    detail=detail,
                    about=key,
                ),
            ),
            summary=f"buka tugas {step.kode}",
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
        await record(
            CaseRecordActivities.complete_step,
            CompleteStepInput(
                case=self.case,
                task_key=key,
                actor=actor,
                outcome=outcome,
                completed_at=done,
                audit=lines,
            ),
            summary=f"tutup tugas {step.kode}",
        )

    async def breach(self, *, key: str, step: SopStep, round: int, due: datetime | None) -> None:
        """The step passed its time standard: the task turns overdue, the case is flagged, and
        ``sla_terlampaui`` is written; whoever waits keeps waiting."""
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
