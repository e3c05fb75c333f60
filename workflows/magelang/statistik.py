"""MAGESTY SOP step 3, pemantauan_statistik: the daily user-statistics report the Satker reads.

A Temporal Schedule (alur/schedules.py) starts this workflow every day just after midnight WIB; it
computes and stores the report of the day that ended, within the SOP's 20 seconds per attempt.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.magelang.activities import MagestyActivities
    from activities.magelang.statistik import hari_ini_wib
    from sop.magelang import MAGELANG
    from workflows.case import policies
    from workflows.magelang.models import HasilLaporanStatistik, LaporanStatistikInput

LAPORAN_SCHEDULE_TO_CLOSE = timedelta(minutes=10)
"""How long the report may keep retrying (a database restart) before the run fails."""


@workflow.defn(name="MagestyLaporanStatistik")
class MagestyLaporanStatistikWorkflow:
    """Compute and store one day's MAGESTY statistics."""

    @workflow.run
    async def run(self, inp: LaporanStatistikInput) -> HasilLaporanStatistik:
        # The day is the one before the run was started (by the schedule), not before the worker
        # first ran it: a worker down past midnight still reports the day that had just ended.
        started = workflow.info().workflow_start_time
        tanggal = inp.tanggal or hari_ini_wib(started) - timedelta(days=1)
        workflow.set_current_details(f"Laporan statistik MAGESTY {tanggal.isoformat()}")
        return await workflow.execute_activity_method(
            MagestyActivities.susun_laporan_statistik,
            LaporanStatistikInput(tanggal=tanggal),
            start_to_close_timeout=MAGELANG.step("pemantauan_statistik").waktu,
            schedule_to_close_timeout=LAPORAN_SCHEDULE_TO_CLOSE,
            retry_policy=policies.DB_RETRY,
            summary=f"susun laporan {tanggal.isoformat()}",
        )
