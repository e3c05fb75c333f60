"""Temporal Schedules Alur needs, created or brought up to date when the worker starts.

- ``magesty-statistik-harian``: MAGESTY's daily user-statistics report (SOP step 3), every day at
  00:05 WIB (17:05 UTC), reporting on the day that just ended.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleAlreadyRunningError,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleUpdate,
    ScheduleUpdateInput,
)

from workflows.magelang_models import LaporanStatistikInput
from workflows.magelang_statistik import MagestyLaporanStatistikWorkflow

STATISTIK_SCHEDULE_ID = "magesty-statistik-harian"
STATISTIK_OFFSET = timedelta(hours=17, minutes=5)
"""00:05 WIB is 17:05 UTC; WIB has no daylight saving, so a fixed UTC offset is exact."""


def statistik_schedule(task_queue: str) -> Schedule:
    """The daily MAGESTY statistics schedule as it should be."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            MagestyLaporanStatistikWorkflow.run,
            LaporanStatistikInput(),
            id="magesty-statistik",
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(days=1), offset=STATISTIK_OFFSET)]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_schedules(client: Client, task_queue: str) -> None:
    """Create Alur's schedules if missing, bring existing ones up to date."""
    wanted = statistik_schedule(task_queue)
    try:
        await client.create_schedule(STATISTIK_SCHEDULE_ID, wanted)
    except ScheduleAlreadyRunningError:

        def _update(current: ScheduleUpdateInput) -> ScheduleUpdate:
            # The action, timing and policy are ours; a pause or note an operator set is theirs.
            return ScheduleUpdate(
                schedule=replace(wanted, state=current.description.schedule.state)
            )

        await client.get_schedule_handle(STATISTIK_SCHEDULE_ID).update(_update)
