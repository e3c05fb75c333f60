"""Temporal Schedules Alur needs, created or brought up to date when the worker starts.

- ``magesty-statistik-harian``: MAGESTY's daily user-statistics report (SOP step 3), every day at
  ``Settings.magelang.statistik_jam`` (default 00:05 WIB, 17:05 UTC), reporting on the day that
  just ended.
- ``retensi-data-pribadi``: every day at 01:00 WIB (18:00 UTC), the contacts and message
  recipients of cases closed more than ``Settings.retensi_kontak_hari`` days ago are erased.
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
from workflows.case.retention import RetensiDataPribadiWorkflow, RetensiMasuk
from workflows.magelang.models import LaporanStatistikInput
from workflows.magelang.statistik import MagestyLaporanStatistikWorkflow

STATISTIK_SCHEDULE_ID = "magesty-statistik-harian"
RETENSI_SCHEDULE_ID = "retensi-data-pribadi"
RETENSI_OFFSET = timedelta(hours=18)
"""01:00 WIB (UTC+7, no daylight saving) as an offset into the UTC day."""


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


def retensi_schedule(task_queue: str, hari: int | None = None) -> Schedule:
    """The daily erasure of closed cases' personal data, ``hari`` days after they closed (the
    process's setting when omitted)."""
    return Schedule(
        action=ScheduleActionStartWorkflow(
            RetensiDataPribadiWorkflow.run,
            RetensiMasuk(hari=hari or get_settings().retensi_kontak_hari),
            id="retensi-data-pribadi",
            task_queue=task_queue,
        ),
        spec=ScheduleSpec(
            intervals=[ScheduleIntervalSpec(every=timedelta(days=1), offset=RETENSI_OFFSET)]
        ),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
    )


async def ensure_schedules(
    client: Client, task_queue: str, magelang: MagelangSettings | None = None
) -> None:
    """Create Alur's schedules if missing, bring existing ones up to date (also a changed time of
    day: the next worker start moves the schedule)."""
    for schedule_id, wanted in (
        (STATISTIK_SCHEDULE_ID, statistik_schedule(task_queue, magelang)),
        (RETENSI_SCHEDULE_ID, retensi_schedule(task_queue)),
    ):
        await _ensure(client, schedule_id, wanted)


async def _ensure(client: Client, schedule_id: str, wanted: Schedule) -> None:
    try:
        await client.create_schedule(schedule_id, wanted)
    except ScheduleAlreadyRunningError:

        def _update(current: ScheduleUpdateInput) -> ScheduleUpdate:
            # The action, timing and policy are ours; a pause or note an operator set is theirs.
            return ScheduleUpdate(
                schedule=replace(wanted, state=current.description.schedule.state)
            )

        await client.get_schedule_handle(schedule_id).update(_update)
