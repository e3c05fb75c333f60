"""A citizen's steps with their SLA, for a workflow the citizen drives through updates (View
Probolinggo's registration).

Officers' steps use ``HumanSteps`` (task for a role, signals checked against role and assignee,
escalation to the superior). A citizen's step has none of that: the citizen is the only actor and
nobody is above them. What stays the same is the read model and the time standard: each step opens
a task row (role ``warga``, in no officer's inbox), a step past its ``waktu`` is recorded
(``sla_terlampaui`` audit, the task overdue, ``AlurSlaBreached``) and keeps waiting, and every
line goes to the case's audit trail. Unlike an officer's case, a citizen's session has an end: the
whole registration's deadline stops the wait.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Literal

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
    from alur.temporal import SA_SLA_BREACHED, SA_STEP
    from sop.models import Sop
    from workflows.case import policies
    from workflows.case.models import CaseRef
    from workflows.case.records import record

Outcome = Literal["selesai", "berhenti", "kedaluwarsa"]
"""How a wait ended: the step was done, the workflow asked to stop, or the deadline passed."""


class CitizenSteps:
    """The steps of one citizen's case: SLA timers, task rows and the audit trail."""

    def __init__(self, sop: Sop, case: CaseRef, actor_role: str, deadline: datetime) -> None:
        self.sop = sop
        self.case = case
        self.actor_role = actor_role
        self.deadline = deadline
        self.breached: list[str] = []
        self._seq = 0

    async def wait(
        self, code: str, *, done: Callable[[], bool], stop: Callable[[], bool]
    ) -> Outcome:
        """Open the step, wait until ``done()`` (recording a breach of its time standard on the
        way) or ``stop()`` or the deadline; close the step's task when done."""
        step = self.sop.step(code)
        opened = workflow.now()
        due = opened + (step.waktu or timedelta(0))
        task_key = f"{self.case.workflow_id}/{code}/1"
        workflow.upsert_search_attributes([SA_STEP.value_set(code)])
        workflow.set_current_details(f"Menunggu warga: {code} ({step.kegiatan_en})")
        await record(
            CaseRecordActivities.enter_step,
            EnterStepInput(
                case=self.case,
                task_key=task_key,
                step=code,
                round=1,
                role=step.pelaksana,
                assignee=None,
                title=step.kegiatan,
                status="berjalan",
                opened_at=opened,
                due_at=due,
                audit=self.entry(code, "langkah_dimulai"),
            ),
            summary=f"langkah {code}",
        )
        late = False
        while not done():
            if stop():
                return "berhenti"
            limit = self.deadline if late else min(due, self.deadline)
            timeout = max(limit - workflow.now(), policies.MIN_TIMER)
            try:
                await workflow.wait_condition(lambda: done() or stop(), timeout=timeout)
            except TimeoutError:
                if workflow.now() >= self.deadline:
                    return "kedaluwarsa"
                late = True
                await self._breach(code, task_key, due)
        finished = workflow.now()
        await record(
            CaseRecordActivities.complete_step,
            CompleteStepInput(
                case=self.case,
                task_key=task_key,
                actor="warga",
                outcome="selesai",
                completed_at=finished,
                audit=[
                    self.entry(
                        code,
                        "langkah_selesai",
                        {
                            "durasi_detik": (finished - opened).total_seconds(),
                            "tepat_waktu": finished <= due,
                        },
                    )
                ],
            ),
            summary=f"{code} selesai",
        )
        return "selesai"

    async def _breach(self, code: str, task_key: str, due: datetime) -> None:
        """The step passed its time standard: recorded and flagged; the wait goes on."""
        self.breached.append(code)
        workflow.upsert_search_attributes([SA_SLA_BREACHED.value_set(True)])
        step = self.sop.step(code)
        await record(
            CaseRecordActivities.record_breach,
            BreachInput(
                case=self.case,
                task_key=task_key,
                audit=self.entry(
                    code,
                    "sla_terlampaui",
                    {
                        "batas_waktu": due.isoformat(),
                        "mutu_baku": step.waktu_teks,
                        "pelaksana": step.pelaksana,
                    },
                ),
            ),
            summary=f"SLA {code} terlampaui",
        )

    def entry(
        self, step: str | None, event: str, detail: dict[str, Any] | None = None
    ) -> AuditEntry:
        """An audit line by the citizen, keyed by run and position so a retry writes it once."""
        self._seq += 1
        return AuditEntry(
            key=f"{self.case.workflow_id}/{workflow.info().run_id}/{self._seq}",
            step=step,
            event=event,
            actor="warga",
            actor_role=self.actor_role,
            detail=detail or {},
            at=workflow.now(),
        )

    async def audit(
        self, step: str | None, event: str, detail: dict[str, Any] | None = None
    ) -> None:
        """Write one audit line now."""
        await record(
            CaseRecordActivities.record_audit,
            RecordAuditInput(case=self.case, audit=self.entry(step, event, detail)),
            summary=event,
        )
