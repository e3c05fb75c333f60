"""Retention: a closed case's contact and the numbers in its messages are erased once the
retention period has passed (UU 27/2022), by a daily Schedule; the trail says so; open and recently
closed cases keep theirs."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import ScheduleActionStartWorkflow, ScheduleIntervalSpec
from temporalio.testing import ActivityEnvironment, WorkflowEnvironment

from activities.retention import RetensiInput, RetentionActivities
from alur.schedules import RETENSI_SCHEDULE_ID, ensure_schedules
from db.migrate import upgrade
from db.models import AuditEvent, Case, CaseContact, Notification
from db.session import make_engine, make_session_factory, transaction
from tests.conftest import RunningWorkers
from tests.db_backends import database
from workflows.case.retention import RetensiDataPribadiWorkflow, RetensiMasuk

NOW = datetime.now(UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def factory(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with database(request.param, tmp_path) as url:
        upgrade(url)
        eng = make_engine(url)
        yield make_session_factory(eng)
        eng.dispose()


def _case(sessions: sessionmaker[Session], *, closed_days_ago: int | None) -> str:
    number = f"MLG-RET-{uuid.uuid4().hex[:6].upper()}"
    closed = NOW - timedelta(days=closed_days_ago) if closed_days_ago is not None else None
    with transaction(sessions) as s:
        case = Case(
            case_number=number,
            workflow_id=f"malang-{number}",
            sop="malang-pengelolaan-tik",
            agency="malang-bagpem",
            kind="pengaduan",
            channel="website",
            subject="Lampu mati",
            status="selesai" if closed else "diproses",
            closed_at=closed,
            contact=CaseContact(
                name="Budi Santoso", phone="+6281234567890", email="budi@contoh.id"
            ),
        )
        s.add(case)
        s.add(
            Notification(
                notification_key=f"{number}/tanggapan",
                workflow_id=case.workflow_id,
                case_number=number,
                purpose="tanggapan",
                channel="sms",
                recipient="+6281234567890",
                recipient_masked="0812****7890",
                body="[Pemkot Malang] Tanggapan",
                provider="dev",
                status="delivered",
            )
        )
    return number


def _contact(sessions: sessionmaker[Session], number: str) -> tuple[object, ...]:
    with sessions() as s:
        row = s.scalars(
            select(CaseContact)
            .join(Case, Case.id == CaseContact.case_id)
            .where(Case.case_number == number)
        ).one()
        sent = s.scalars(select(Notification).where(Notification.case_number == number)).one()
        return (row.name, row.phone, row.email, sent.recipient, sent.recipient_masked)


def test_contacts_of_cases_closed_past_the_period_are_erased_and_the_trail_says_so(
    factory: sessionmaker[Session],
) -> None:
    old = _case(factory, closed_days_ago=100)
    recent = _case(factory, closed_days_ago=10)
    still_open = _case(factory, closed_days_ago=None)
    acts = RetentionActivities(factory)
    cutoff = RetensiInput(sebelum=NOW - timedelta(days=90), hari=90)

    result = ActivityEnvironment().run(acts.hapus_data_kedaluwarsa, cutoff)
    again = ActivityEnvironment().run(acts.hapus_data_kedaluwarsa, cutoff)  # a retried run

    assert (result.kontak, result.pesan) == (1, 1)
    assert (again.kontak, again.pesan) == (0, 0)
    assert _contact(factory, old) == (None, None, None, "", "0812****7890")
    full = ("Budi Santoso", "+6281234567890", "budi@contoh.id", "+6281234567890", "0812****7890")
    assert _contact(factory, recent) == full
    assert _contact(factory, still_open) == full
    with factory() as s:
        lines = s.scalars(select(AuditEvent).where(AuditEvent.event == "kontak_dihapus")).all()
    assert [(e.case_number, e.detail["alasan"]) for e in lines] == [
        (old, "retensi 90 hari setelah kasus ditutup")
    ]


async def test_the_daily_workflow_erases_what_is_due(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    old = _case(sessions, closed_days_ago=40)
    result = await workers.client.execute_workflow(
        RetensiDataPribadiWorkflow.run,
        RetensiMasuk(hari=30),
        id=f"retensi-{uuid.uuid4().hex[:6]}",
        task_queue=workers.task_queue,
    )
    assert result.kontak == 1
    assert _contact(sessions, old)[:3] == (None, None, None)


async def test_the_retention_schedule_runs_daily_at_01_wib(dev_env: WorkflowEnvironment) -> None:
    await ensure_schedules(dev_env.client, "alur-test")
    desc = await dev_env.client.get_schedule_handle(RETENSI_SCHEDULE_ID).describe()
    action = desc.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow)
    assert action.workflow == "RetensiDataPribadi"
    [interval] = desc.schedule.spec.intervals
    assert interval == ScheduleIntervalSpec(every=timedelta(days=1), offset=timedelta(hours=18))
