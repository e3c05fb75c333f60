"""Temporal Schedules Alur needs, created or brought up to date when the worker starts.

- ``magesty-statistik-harian``: MAGESTY's daily user-statistics report (SOP step 3), every day at
  ``Settings.magelang.statistik_jam`` (default 00:05 WIB, 17:05 UTC), reporting on the day that
  just ended.
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

from alur.settings import get_settings
from alur.settings_magelang import MagelangSettings
from workflows.magelang.models import LaporanStatistikInput
from workflows.magelang.statistik import MagestyLaporanStatistikWorkflow

STATISTIK_SCHEDULE_ID = "magesty-statistik-harian"


def statistik_schedule(task_queue: str, magelang: MagelangSettings | None = None) -> Schedule:
    """The daily MAGESTY statistics schedule as it should be, at ``magelang.statistik_jam`` WIB
    (the process's settings when omitted). WIB has no daylight saving, so a fixed UTC offset is
    exact."""
    offset = (magelang or get_settings().magelang).statistik_offset
    return Schedule(
        action=ScheduleActionStartWorkflow(
            MagestyLaporanStatistikWorkflow.run,
            LaporanStatistikInput(),
            id="magesty-statistik",
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(days=1), offset=offset)]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_schedules(
    client: Client, task_queue: str, magelang: MagelangSettings | None = None
) -> None:
    """Create Alur's schedules if missing, bring existing ones up to date (also a changed time of
    day: the next worker start moves the schedule)."""
    wanted = statistik_schedule(task_queue, magelang)
    try:
        await client.create_schedule(STATISTIK_SCHEDULE_ID, wanted)
    except ScheduleAlreadyRunningError:

        def _update(current: ScheduleUpdateInput) -> ScheduleUpdate:
            # The action, timing and policy are ours; a pause or note an operator set is theirs.
            return ScheduleUpdate(
                schedule=replace(wanted, state=current.description.schedule.state)
            )

        await client.get_schedule_handle(STATISTIK_SCHEDULE_ID).update(_update)
