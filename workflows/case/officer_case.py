"""What every officer case's workflow shares: its signals (one per step of its step table), its
``status`` query, the state carried across continue-as-new, opening the case and closing it.

An SOP's workflow subclasses ``OfficerCase``, sets ``TABLE`` and keeps only what is its own: the
order of its steps, its branches and loops (its ``run()``). Signals keep the steps' names (the
catalogue's kode), so running cases and recorded histories replay: one dynamic handler takes them
all and finds the step's action model in the table.

Closing is where a late signal can arrive while the case's last workflow task runs (Temporal then
fails that task and replays it with the signal delivered): every action still queued, before or
after the closing line, is written as refused, and no line is written twice (see ``CaseTrail``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, TypeVar

from temporalio import workflow
from temporalio.common import RawValue
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.case_records import CaseRecordActivities, CloseCaseInput, RecordCaseInput
    from alur.case_ref import CaseRef
    from alur.temporal import SA_AGENCY, SA_CASE_NUMBER, SA_SOP, SA_STATUS, SA_STEP
    from workflows.case.human_step import HumanSteps, InboxItem
    from workflows.case.models import CaseStatus, Lanjutan
    from workflows.case.records import notify, record
    from workflows.case.step_table import StepTable


REFUSE_AFTER_CLOSE_PATCH = "refuse-actions-after-close"

I = TypeVar("I")  # noqa: E741
R = TypeVar("R")


class OfficerCase:
    """Base of a workflow whose steps officers take: see the module docstring.

    A subclass names its step table and its workflow ids' prefix in its class line
    (``class XWorkflow(OfficerCase, table=LANGKAH, id_prefix="malang")``).
    """

    TABLE: ClassVar[StepTable]
    ID_PREFIX: ClassVar[str]

    def __init_subclass__(cls, *, table: StepTable, id_prefix: str, **kw: Any) -> None:
        super().__init_subclass__(**kw)
        cls.TABLE = table
        cls.ID_PREFIX = id_prefix

    @classmethod
    def workflow_id_for(cls, case_number: str) -> str:
        """A case's workflow id: the SOP's prefix and the case number, meaningful to operators
        and free of personal data."""
        return f"{cls.ID_PREFIX}-{case_number}"

    _case: CaseRef
    _steps: HumanSteps
    _status: str
    _round: int

    def _begin(self, case_number: str, *, status: str, unit: str | None = None) -> None:
        """Set up the case (call from the workflow's ``@workflow.init``)."""
        sop = self.TABLE.sop
        self._case = CaseRef(
            workflow_id=workflow.info().workflow_id,
            case_number=case_number,
            sop=sop.kode,
            agency=sop.agensi,
        )
        self._steps = HumanSteps(sop, self._case, unit=unit)
        self._status = status
        self._round = 1

    # --- signals: one per officer step, named as the step ------------------------------------
    @workflow.signal(dynamic=True)
    def _officer_action(self, name: str, args: Sequence[RawValue]) -> None:
        """An officer's action on step ``name``, queued for the step; a signal that is no step of
        this SOP's table, or does not decode as its action, is logged and dropped (it never came
        through the API, which validates every action first)."""
        row = self.TABLE.by_kode.get(name)
        if row is None or len(args) != 1:
            workflow.logger.warning("sinyal %s bukan langkah SOP %s", name, self.TABLE.sop.kode)
            return
        try:
            action = workflow.payload_converter().from_payload(args[0].payload, row.action)
        except Exception:  # a malformed payload must not fail the workflow task forever
            workflow.logger.warning("sinyal %s tidak dapat dibaca", name)
            return
        self._steps.offer(name, action)

    # --- the status query ---------------------------------------------------------------------
    def _current_step(self) -> str | None:
        """The step the case is at (an SOP may also name a citizen's step)."""
        return self._steps.task.step if self._steps.task else None

    @workflow.query
    def status(self) -> CaseStatus:
        """Where the case is, for the API's checks and the officer view."""
        steps = self._steps
        return CaseStatus(
            case_number=self._case.case_number,
            sop=self._case.sop,
            agency=self._case.agency,
            status=self._status,
            current_step=self._current_step(),
            task=steps.task,
            sla_breached=steps.sla_breached,
            round=self._round,
        )

    # --- continue-as-new ----------------------------------------------------------------------
    def _carry(self) -> dict[str, Any]:
        """The kernel's fields of this SOP's ``Lanjutan`` model."""
        steps = self._steps
        return {
            "round": self._round,
            "sla_breached": steps.sla_breached,
            "seen": sorted(steps.seen),
            "inbox": [(i.step, i.action.model_dump(mode="json")) for i in steps.inbox],
        }

    def _restore(self, carried: Lanjutan) -> None:
        """Take back what the previous run carried, its queued actions first in line."""
        steps = self._steps
        self._round = carried.round
        steps.sla_breached = carried.sla_breached
        steps.seen.update(carried.seen)
        steps.inbox[:0] = [
            InboxItem(code, self.TABLE.action(code, data)) for code, data in carried.inbox
        ]

    # --- opening and closing ------------------------------------------------------------------
    def _tag(self) -> None:
        """The search attributes every case carries (none personal)."""
        workflow.upsert_search_attributes(
            [
                SA_SOP.value_set(self._case.sop),
                SA_CASE_NUMBER.value_set(self._case.case_number),
                SA_AGENCY.value_set(self._case.agency),
            ]
        )

    async def _open(
        self,
        *,
        kind: str,
        channel: str,
        subject: str,
        detail: dict[str, Any],
        step: str | None = None,
        summary: str = "catat kasus",
    ) -> None:
        """Write the case row (or fill in the one the API made at intake) and ``kasus_dibuka``."""
        await record(
            CaseRecordActivities.record_case,
            RecordCaseInput(
                case=self._case,
                kind=kind,
                channel=channel,
                subject=subject,
                status=self._status,
                opened_at=workflow.now(),
                audit=self._steps.trail.entry(step, None, "kasus_dibuka", detail=detail),
            ),
            summary=summary,
        )

    async def _close(
        self,
        *,
        status: str,
        reason: str | None,
        response: str | None,
        detail: dict[str, Any],
        noun: str = "Kasus",
    ) -> None:
        """Close the case: escalations settled, every queued action refused, the closing line."""
        steps = self._steps
        self._status = status
        workflow.upsert_search_attributes([SA_STATUS.value_set(status), SA_STEP.value_set("")])
        workflow.set_current_details(f"{noun} {status}")
        await steps.settle()
        await steps.refuse_leftovers()
        await record(
            CaseRecordActivities.close_case,
            CloseCaseInput(
                case=self._case,
                status=status,
                closing_reason=reason,
                public_response=response,
                closed_at=workflow.now(),
                audit=steps.trail.entry(None, None, f"kasus_{status}", detail=detail),
            ),
            summary=f"{noun.lower()} {status}",
        )
        # An action that came in while the closing line was written is refused too: nothing
        # awaits between this check and the workflow's return, so none can slip past it. (Runs
        # recorded before this rule dropped such an action: they replay without it.)
        if steps.inbox and workflow.patched(REFUSE_AFTER_CLOSE_PATCH):
            await steps.refuse_leftovers()

    # --- telling the citizen ------------------------------------------------------------------
    async def _tell_citizen(
        self,
        activity: Callable[[Any, I], R],
        arg: I,
        *,
        purpose: str,
        summary: str,
        sent: Callable[[R], dict[str, Any]] | None = None,
    ) -> None:
        """Send the citizen a message and say so in the trail (``sent`` adds what the send
        reported); a number that cannot receive is recorded, and the case goes on."""
        trail = self._steps.trail
        try:
            result = await notify(activity, arg, summary=summary)
        except ActivityError as err:
            failed = {"tujuan": purpose, "alasan": str(err.cause)}
            await trail.audit(None, None, "notifikasi_gagal", detail=failed)
            return
        detail = {"tujuan": purpose, **(sent(result) if sent is not None else {})}
        await trail.audit(None, None, "notifikasi_warga", detail=detail)
