"""The daily erasure of personal data closed cases no longer need, started by a Temporal
Schedule (``alur/schedules.py``): the cutoff is the run's start minus the retention period, so a
run taken up late still erases what was due when it was scheduled."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.retention import HasilRetensi, RetensiInput, RetentionActivities
    from workflows.case import policies

RETENSI_SCHEDULE_TO_CLOSE = timedelta(minutes=30)
"""How long one day's erasure may keep retrying (a database restart) before the run fails."""


class RetensiMasuk(BaseModel):
    """The retention period, in days after a case closes (``Settings.retensi_kontak_hari``)."""

    hari: int = Field(default=90, ge=1)


@workflow.defn(name="RetensiDataPribadi")
class RetensiDataPribadiWorkflow:
    """Erase the contacts and message recipients of cases closed more than ``hari`` days ago."""

    @workflow.run
    async def run(self, inp: RetensiMasuk) -> HasilRetensi:
        cutoff = workflow.info().workflow_start_time - timedelta(days=inp.hari)
        workflow.set_current_details(f"Hapus data pribadi kasus yang ditutup sebelum {cutoff:%F}")
        return await workflow.execute_activity_method(
            RetentionActivities.hapus_data_kedaluwarsa,
            RetensiInput(sebelum=cutoff, hari=inp.hari),
            start_to_close_timeout=timedelta(minutes=5),
            schedule_to_close_timeout=RETENSI_SCHEDULE_TO_CLOSE,
            retry_policy=policies.DB_RETRY,
            summary="hapus data pribadi kedaluwarsa",
        )
