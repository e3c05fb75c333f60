"""Runs Alur's Temporal workers: one for workflows and database activities, one for notifications.

Notifications have their own task queue (``<queue>-notifications``) so its rate limit can match the
SMS provider's sending rate without slowing the database activities. Tests and the bench build the
same workers with ``build_workers``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.worker import Worker

import activities.magelang.activities
import activities.probolinggo.activities
import activities.trenggalek.activities
from activities.calendar import CalendarActivities
from activities.case_records import CaseRecordActivities
from activities.dev_outbox import DevOutboxSender
from activities.notifications import NotificationActivities
from activities.retention import RetentionActivities
from activities.senders import Sender
from activities.wiring import ActivityDeps, ActivitySet
from alur.log_format import configure_logging
from alur.schedules import ensure_schedules
from alur.sdk_runtime import install_sdk_runtime
from alur.settings import Settings, get_settings
from alur.temporal import connect
from db.session import make_engine, make_session_factory
from workflows.case.pemberitahuan import PemberitahuanPetugasWorkflow
from workflows.case.retention import RetensiDataPribadiWorkflow
from workflows.magelang.akun import MagestyAkunWorkflow
from workflows.magelang.layanan import MagestyLayananWorkflow
from workflows.magelang.statistik import MagestyLaporanStatistikWorkflow
from workflows.malang.workflow import MalangPengelolaanTIKWorkflow
from workflows.probolinggo.workflow import ProbolinggoRegistrasiWorkflow
from workflows.runner import WORKFLOW_RUNNER
from workflows.trenggalek.workflow import TrenggalekPemanfaatanAplikasiWorkflow

WORKFLOWS: Sequence[type[Any]] = (
    MalangPengelolaanTIKWorkflow,
    MagestyAkunWorkflow,
    MagestyLayananWorkflow,
    MagestyLaporanStatistikWorkflow,
    TrenggalekPemanfaatanAplikasiWorkflow,
    ProbolinggoRegistrasiWorkflow,
    RetensiDataPribadiWorkflow,
    PemberitahuanPetugasWorkflow,
)

SOP_ACTIVITIES = (
    activities.magelang.activities.build_activities,
    activities.trenggalek.activities.build_activities,
    activities.probolinggo.activities.build_activities,
)
"""Each SOP module's activity factory (Malang's are the shared case-record and notify ones)."""

log = logging.getLogger("alur.worker")


def build_sender(settings: Settings) -> Sender:
    """Twilio when its credentials are set, the dev outbox otherwise."""
    if settings.use_twilio:
        from activities.twilio_sender import build_twilio_sender

        return build_twilio_sender(settings)
    return DevOutboxSender()


def build_workers(
    client: Client,
    *,
    task_queue: str,
    session_factory: sessionmaker[Session],
    sender: Sender,
    status_callback: str | None = None,
    notification_rate: float | None = None,
    executor: ThreadPoolExecutor | None = None,
    settings: Settings | None = None,
) -> list[Worker]:
    """The two workers of one deployment, sharing a thread pool for the synchronous activities.

    ``settings``: what the activities are built with (the process's own when omitted), read here
    once and handed to them."""
    pool = executor or ThreadPoolExecutor(max_workers=16)
    settings = settings or get_settings()
    records = CaseRecordActivities(session_factory, settings.kalender, settings.skala_waktu)
    calendar = CalendarActivities(settings)
    retention = RetentionActivities(session_factory)
    notify = NotificationActivities(
        sender, session_factory, status_callback, base_url=settings.public_base_url
    )
    deps = ActivityDeps(session_factory, sender, settings, status_callback)
    sets: list[ActivitySet] = [build(deps) for build in SOP_ACTIVITIES]
    main = Worker(
        client,
        task_queue=task_queue,
        workflows=list(WORKFLOWS),
        workflow_runner=WORKFLOW_RUNNER,
        max_cached_workflows=settings.worker_max_cached_workflows,
        activities=[
            records.record_case,
            records.enter_step,
            records.complete_step,
            records.record_audit,
            records.record_breach,
            records.close_case,
            calendar.batas_waktu,
            retention.hapus_data_kedaluwarsa,
            *(fn for one in sets for fn in one.main),
        ],
        activity_executor=pool,
    )
    notifications = Worker(
        client,
        task_queue=f"{task_queue}-notifications",
        activities=[
            notify.notify_citizen,
            notify.notify_officers,
            *(fn for one in sets for fn in one.notifications),
        ],
        activity_executor=pool,
        max_task_queue_activities_per_second=notification_rate,
    )
    return [main, notifications]


def serve_sdk_metrics(settings: Settings) -> None:
    """The SDK runtime of the worker (``alur/sdk_runtime.py``): its core's logs through Python's
    logging, and the SDK's Prometheus metrics (workflow and activity tasks, polls, latencies) on
    ``ALUR_WORKER_METRICS_HOST``:``ALUR_WORKER_METRICS_PORT`` at ``/metrics``; port 0: none."""
    port = settings.worker_metrics_port
    install_sdk_runtime(f"{settings.worker_metrics_host}:{port}" if port else None)


async def main() -> None:
    """Connect, build the workers from settings and run until interrupted."""
    settings = get_settings()
    settings.check_production()
    configure_logging(settings.log_format)
    serve_sdk_metrics(settings)
    client = await connect(settings)
    sessions = make_session_factory(make_engine(settings.database_url))
    workers = build_workers(
        client,
        task_queue=settings.task_queue,
        session_factory=sessions,
        sender=build_sender(settings),
        status_callback=f"{settings.public_base_url}/webhooks/twilio/status",
        notification_rate=settings.notification_rate_per_second,
        settings=settings,
    )
    await ensure_schedules(client, settings.task_queue)
    log.info("worker polling %s and %s-notifications", settings.task_queue, settings.task_queue)
    await asyncio.gather(*(w.run() for w in workers))


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
