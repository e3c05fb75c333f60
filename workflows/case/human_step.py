"""The human step: the one building block every SOP workflow uses for a step an officer performs.

A step opens a task (with the SOP's time standard as its deadline), then takes the actions that
signals put in the workflow's inbox, in the order they arrived. Each action is checked (right step,
right role, right agency, the named assignee, the step's own rule); a refused action is written to
the audit trail with its reason, never dropped. When the time standard passes, the breach is
recorded, the task turns overdue, the actor's superior is notified, and the step keeps waiting: a
citizen's case is never dropped because an officer was late (nor because the escalation message
could not be sent).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.notifications import NotificationActivities, NotifyOfficersInput
    from alur.case_ref import CaseRef
    from alur.temporal import SA_STATUS, SA_STEP
    from sop.models import Sop, SopStep
    from workflows.case import policies
    from workflows.case.models import OfficerAction, OpenTask
    from workflows.case.records import notify
    from workflows.case.trail import CaseTrail, Opening, task_key

A = TypeVar("A", bound=OfficerAction)

Check = Callable[[Any], str | None]
"""A step's own rule: returns the reason to refuse an action, or None to accept it."""


@dataclass
class InboxItem:
    """An action waiting for the step it names."""

    step: str
    action: OfficerAction


class HumanSteps:
    """A workflow's human steps: its inbox of officer actions, the open task, and its trail."""

    def __init__(self, sop: Sop, case: CaseRef, unit: str | None = None) -> None:
        """``unit``: the unit the case belongs to (a Magelang OPD) when the SOP's roles exist in
        several units of one agency; escalations then reach only that unit's superiors."""
        self.sop = sop
        self.case = case
        self.unit = unit
        self.trail = CaseTrail(case, chain=True)
        self.inbox: list[InboxItem] = []
        self.seen: set[str] = set()
        self.task: OpenTask | None = None
        self._escalations: list[asyncio.Task[None]] = []

    @property
    def sla_breached(self) -> bool:
        """Whether any step of this case has passed its time standard."""
        return self.trail.sla_breached

    @sla_breached.setter
    def sla_breached(self, value: bool) -> None:
        self.trail.sla_breached = value

    # --- called from signal handlers: no I/O, only queue ------------------------------------
    def offer(self, step: str, action: OfficerAction) -> None:
        """Queue an action for the step it names; a repeated action id (a retried request) is
        ignored, so one click acts once."""
        if action.action_id in self.seen:
            return
        self.seen.add(action.action_id)
        self.inbox.append(InboxItem(step, action))

    # --- the step itself ----------------------------------------------------------------------
    async def perform(
        self,
        code: str,
        action_type: type[A],
        *,
        status: str,
        title: str,
        round: int = 1,
        assignee: str | None = None,
        check: Check | None = None,
        role: str | None = None,
    ) -> A:
        """Open the step's task, wait for an acceptable action, close the task and return it.

        ``role`` is for a step several roles take in turn in one round (Trenggalek's review chain):
        this turn's actor instead of the catalogue's pelaksana, with its own task, SLA and atasan.
        """
        step = self.sop.step(code)
        if role is not None:
            step = step.model_copy(update={"pelaksana": role})
        opened = workflow.now()
        key = task_key(self.case, code, round, role)

        def show(due: datetime | None) -> None:
            self.trail.show_wait(
                step.pelaksana, due, also=[SA_STEP.value_set(code), SA_STATUS.value_set(status)]
            )
            workflow.set_current_details(f"Menunggu {code} oleh {step.pelaksana}: {title}")

        opening = Opening(
            key=key,
            step=step,
            round=round,
            role=step.pelaksana,
            assignee=assignee,
            title=title,
            status=status,
            opened=opened,
            detail={"penerima": assignee},
            unit=self.unit,
        )
        due = await self.trail.open(opening, show)
        # Shown only once its task row exists: the API claims that row before it signals.
        self.task = task = OpenTask(
            step=code,
            round=round,
            role=step.pelaksana,
            assignee=assignee,
            opened_at=opened,
            due_at=due,
            overdue=False,
            key=key,
        )
        if assignee is not None and self.trail.working_time:
            # Beside the step, like an escalation: a slow SMS provider never holds the task.
            self._escalations.append(
                asyncio.create_task(self._tell_assignee(step, key, assignee, title))
            )
        while True:
            timeout = None
            if due is not None and not task.overdue:
                timeout = max(due - workflow.now(), policies.MIN_TIMER)
            try:
                await workflow.wait_condition(lambda: bool(self.inbox), timeout=timeout)
            except TimeoutError:
                await self._breach(step, round, key, due)
                continue
            item = self.inbox.pop(0)
            reason = self._refusal(step, item, action_type, assignee, check)
            if reason is not None:
                await self.refuse(item, round, reason, current=code)
                continue
            outcome = str(item.action.audit_detail().get("keputusan", "selesai"))
            await self.trail.complete(
                key=key,
                step=step,
                round=round,
                opened=opened,
                due=due,
                actor=item.action.actor.username,
                outcome=outcome,
                by=item.action,
            )
            self.task = None
            return cast(A, item.action)  # _refusal refused every other type

    async def refuse(
        self, item: InboxItem, round: int | None, reason: str, *, current: str | None
    ) -> None:
        """Write a refused action to the trail with its reason (its claim is released there)."""
        detail: dict[str, Any] = {"alasan": reason}
        if current is not None:
            detail["langkah_berjalan"] = current
        await self.trail.audit(item.step, round, "aksi_ditolak", by=item.action, detail=detail)

    def _refusal(
        self,
        step: SopStep,
        item: InboxItem,
        action_type: type[OfficerAction],
        assignee: str | None,
        check: Check | None,
    ) -> str | None:
        actor = item.action.actor
        if item.step != step.kode or not isinstance(item.action, action_type):
            return f"Kasus sedang di langkah {step.kode}, bukan {item.step}"
        if actor.agency != self.case.agency:
            return "Pejabat bukan dari instansi pemilik kasus"
        if actor.role != step.pelaksana:
            return f"Langkah {step.kode} dilakukan oleh peran {step.pelaksana}, bukan {actor.role}"
        if assignee is not None and actor.username != assignee:
            return f"Tugas ini ditujukan kepada {assignee}"
        return check(item.action) if check is not None else None

    async def _breach(self, step: SopStep, round: int, key: str, due: datetime | None) -> None:
        """Record the breach, flag the case and notify the actor's superior; then keep waiting."""
        if self.task is not None:
            self.task.overdue = True
        await self.trail.breach(key=key, step=step, round=round, due=due)
        superior = self.sop.role(step.pelaksana).atasan
        if superior is not None:
            # The escalation runs beside the step, not in it: an SMS provider retrying for minutes
            # must not keep the late officer's action waiting.
            self._escalations.append(
                asyncio.create_task(self._escalate(step, round, key, superior))
            )

    async def _escalate(self, step: SopStep, round: int, key: str, superior: str) -> None:
        """Tell the superior role's officers; the audit says how many were told, or why none."""
        try:
            result = await notify(
                NotificationActivities.notify_officers,
                NotifyOfficersInput(
                    case=self.case,
                    key=f"{key}/eskalasi",
                    step=step.kode,
                    purpose="eskalasi",
                    role=superior,
                    unit=self.unit,
                    body=(
                        f"[Alur] Kasus {self.case.case_number}: langkah {step.kode} melewati "
                        f"mutu baku {step.waktu_teks}. Mohon ditindaklanjuti oleh "
                        f"{step.pelaksana}."
                    ),
                ),
                summary=f"eskalasi {step.kode} ke {superior}",
            )
        except ActivityError as err:
            # The SMS provider stayed down past the notification's time bound: the breach is
            # already recorded and the task overdue, so the case goes on and the trail says why.
            detail = {"kepada_peran": superior, "terkirim": 0, "catatan": f"gagal: {err.cause}"}
        else:
            detail = {"kepada_peran": superior, "terkirim": result.sent, "catatan": result.skipped}
        if self.unit is not None:
            detail["unit"] = self.unit
        await self.trail.audit(step.kode, round, "eskalasi", detail=detail, about=key)

    async def _tell_assignee(self, step: SopStep, key: str, assignee: str, title: str) -> None:
        """One WhatsApp/SMS to the officer the task is addressed to, with a link to the case; a
        failed send is only logged (the task is in their inbox either way)."""
        try:
            await notify(
                NotificationActivities.notify_officers,
                NotifyOfficersInput(
                    case=self.case,
                    key=f"{key}/penugasan",
                    step=step.kode,
                    purpose="penugasan",
                    role=step.pelaksana,
                    unit=self.unit,
                    username=assignee,
                    body=(f"[Alur] Tugas baru untuk Anda, kasus {self.case.case_number}: {title}."),
                    tautan=f"/petugas/kasus/{self.case.case_number}",
                ),
                summary=f"kabari {step.pelaksana}: tugas {step.kode}",
            )
        except ActivityError:
            workflow.logger.warning("assignment notice for %s not sent", step.kode)

    async def flush(self) -> None:
        """Write the step just closed now, before a record of the SOP's own (``CaseTrail.flush``):
        the read model then has the steps in the order the workflow took them."""
        await self.trail.flush()

    async def settle(self) -> None:
        """Write the step just closed, and wait for escalations still being sent, so none is cut
        off when the case closes or continues as new."""
        await self.trail.flush()
        while self._escalations:
            await self._escalations.pop(0)

    async def refuse_leftovers(self) -> None:
        """At the end of a case, every action still queued is recorded as refused."""
        while self.inbox:
            await self.refuse(self.inbox.pop(0), None, "Kasus sudah selesai", current=None)
