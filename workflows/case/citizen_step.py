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
from datetime import datetime
from typing import Any, Literal

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.case_records import AuditEntry
    from alur.case_ref import CaseRef
    from alur.temporal import SA_STEP
    from sop.models import Sop
    from workflows.case import policies
    from workflows.case.trail import CaseTrail, Opening, task_key

Outcome = Literal["selesai", "berhenti", "kedaluwarsa"]
"""How a wait ended: the step was done, the workflow asked to stop, or the deadline passed."""

CITIZEN = "warga"
"""How the trail names the citizen: a citizen's steps never carry who they are."""


class CitizenSteps:
    """The steps of one citizen's case: SLA timers, task rows and the audit trail."""

    def __init__(self, sop: Sop, case: CaseRef, actor_role: str, deadline: datetime) -> None:
        self.sop = sop
        self.case = case
        self.actor_role = actor_role
        self.deadline = deadline
        self.trail = CaseTrail(case)
        self.breached: list[str] = []

    async def wait(
        self, code: str, *, done: Callable[[], bool], stop: Callable[[], bool]
    ) -> Outcome:
        """Open the step, wait until ``done()`` (recording a breach of its time standard on the
        way) or ``stop()`` or the deadline; close the step's task when done."""
        step = self.sop.step(code)
        opened = workflow.now()
        key = task_key(self.case, code, 1)

        def show(due: datetime | None) -> None:
            workflow.upsert_search_attributes([SA_STEP.value_set(code)])
            self.trail.show_wait(CITIZEN, due)
            workflow.set_current_details(f"Menunggu warga: {code} ({step.kegiatan_en})")

        opening = Opening(
            key=key,
            step=step,
            round=1,
            role=step.pelaksana,
            assignee=None,
            title=step.kegiatan,
            status="berjalan",
            opened=opened,
            actor=CITIZEN,
            actor_role=self.actor_role,
        )
        due = await self.trail.open(opening, show)
        late = due is None
        while not done():
            if stop():
                self.trail.clear_wait()
                return "berhenti"
            limit = self.deadline if late or due is None else min(due, self.deadline)
            timeout = max(limit - workflow.now(), policies.MIN_TIMER)
            try:
                await workflow.wait_condition(lambda: done() or stop(), timeout=timeout)
            except TimeoutError:
                if workflow.now() >= self.deadline:
                    self.trail.clear_wait()
                    return "kedaluwarsa"
                late = True
                self.breached.append(code)
                await self.trail.breach(key=key, step=step, round=1, due=due)
        await self.trail.complete(
            key=key,
            step=step,
            round=1,
            opened=opened,
            due=due,
            actor=CITIZEN,
            outcome="selesai",
            actor_role=self.actor_role,
        )
        return "selesai"

    def entry(
        self, step: str | None, event: str, detail: dict[str, Any] | None = None
    ) -> AuditEntry:
        """An audit line by the citizen (see ``CaseTrail.entry``)."""
        return self.trail.entry(
            step, None, event, actor=CITIZEN, actor_role=self.actor_role, detail=detail
        )

    async def audit(
        self, step: str | None, event: str, detail: dict[str, Any] | None = None
    ) -> None:
        """Write one audit line now."""
        await self.trail.audit(
            step, None, event, actor=CITIZEN, actor_role=self.actor_role, detail=detail
        )
