"""A closed step's durations in its clock, as the SLA report reads them from ``tasks``: written by
``CaseRecordActivities`` on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from activities.calendar import Deadline, DeadlineInput
from activities.case_records import (
    AuditEntry,
    CaseRecordActivities,
    CompleteStepInput,
    EnterStepInput,
)
from alur.case_ref import CaseRef
from alur.settings_kalender import KalenderSettings
from db.migrate import upgrade
from db.models import Task
from db.session import make_engine, make_session_factory
from tests.db_backends import database

WIB = ZoneInfo("Asia/Jakarta")
FRIDAY_1620 = datetime(2026, 12, 4, 16, 20, tzinfo=WIB)
MONDAY = datetime(2026, 12, 7, 0, 0, tzinfo=WIB)
CASE = CaseRef(
    workflow_id="malang-MLG-WT-DB",
    case_number="MLG-WT-DB",
    sop="malang-pengelolaan-tik",
    agency="malang-bagpem",
)


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        yield make_session_factory(engine)
        engine.dispose()


def _line(key: str, at: datetime) -> AuditEntry:
    return AuditEntry(key=key, event="langkah_dimulai", at=at)


def _open(
    records: CaseRecordActivities,
    key: str,
    clock: str | None,
    unit: str | None = None,
    deadline: DeadlineInput | None = None,
) -> Deadline | None:
    return records.enter_step(
        EnterStepInput(
            case=CASE,
            task_key=key,
            step="penerimaan",
            round=1,
            role="pengelola_tik",
            assignee=None,
            title="Terima laporan",
            status="diterima",
            opened_at=FRIDAY_1620,
            due_at=datetime(2026, 12, 7, 7, 35, tzinfo=WIB),
            audit=_line(f"{key}/mulai", FRIDAY_1620),
            clock=clock,
            unit=unit,
            deadline=deadline,
        )
    )


def _close(records: CaseRecordActivities, key: str, at: datetime) -> Task:
    records.complete_step(
        CompleteStepInput(
            case=CASE,
            task_key=key,
            actor="malang.pengelola_tik",
            outcome="teruskan",
            completed_at=at,
            audit=[_line(f"{key}/selesai", at)],
        )
    )
    with records._sessions() as s:  # noqa: SLF001 - the same factory the test made
        row = s.scalar(select(Task).where(Task.task_key == key))
        assert row is not None
        return row


def test_working_time_durations_leave_out_the_weekend(sessions: sessionmaker[Session]) -> None:
    records = CaseRecordActivities(sessions, KalenderSettings())
    _open(records, "k/1", "kerja", unit="Bagian Pemerintahan")
    with sessions.begin() as s:  # the API's claim: taken on Monday at 07.40
        s.execute(
            update(Task)
            .where(Task.task_key == "k/1")
            .values(claimed_at=MONDAY + timedelta(hours=7, minutes=40), claimed_by="malang.tik")
        )
    row = _close(records, "k/1", MONDAY + timedelta(hours=8))
    assert (row.clock, row.unit, row.status) == ("kerja", "Bagian Pemerintahan", "done")
    assert row.elapsed_seconds == (10 + 30) * 60  # Friday 16.20-16.30, Monday 07.30-08.00
    assert row.waiting_seconds == (10 + 10) * 60  # ... to the claim at 07.40


def test_calendar_durations_are_the_wall_clock(sessions: sessionmaker[Session]) -> None:
    records = CaseRecordActivities(sessions, KalenderSettings())
    _open(records, "k/2", "kalender")
    row = _close(records, "k/2", MONDAY + timedelta(hours=8))
    assert row.elapsed_seconds == (MONDAY + timedelta(hours=8) - FRIDAY_1620).total_seconds()
    assert row.waiting_seconds is None  # never claimed


def test_a_task_from_before_working_time_gets_no_durations(
    sessions: sessionmaker[Session],
) -> None:
    records = CaseRecordActivities(sessions, KalenderSettings())
    _open(records, "k/3", None)
    row = _close(records, "k/3", MONDAY + timedelta(hours=8))
    assert row.clock is None and row.elapsed_seconds is None and row.status == "done"


def test_closing_twice_writes_the_durations_once(sessions: sessionmaker[Session]) -> None:
    records = CaseRecordActivities(sessions, KalenderSettings())
    _open(records, "k/4", "kerja")
    first = _close(records, "k/4", MONDAY + timedelta(hours=8))
    again = _close(records, "k/4", MONDAY + timedelta(hours=9))  # a retried activity
    assert again.elapsed_seconds == first.elapsed_seconds == (10 + 30) * 60
    assert again.completed_at == first.completed_at


def test_opening_a_step_computes_and_keeps_its_working_time_deadline(
    sessions: sessionmaker[Session],
) -> None:
    """One activity per step opening (``trail.ONE_ACTIVITY_PATCH``): the task row gets the
    deadline the activity returns (the workflow's history keeps that result), counted in working
    time: penerimaan's 15 minutes from Friday 16.20 end on Monday at 07.35 (10 minutes on
    Friday to 16.30, 5 on Monday from 07.30); under the development time scale, on the wall
    clock, N times shorter."""
    standard = DeadlineInput(
        agency=CASE.agency, opened_at=FRIDAY_1620, waktu=timedelta(minutes=15), jam="kerja"
    )
    for skala, due, clock in (
        (1, datetime(2026, 12, 7, 7, 35, tzinfo=WIB), "kerja"),
        (60, FRIDAY_1620 + timedelta(seconds=15), "kalender"),
    ):
        records = CaseRecordActivities(sessions, KalenderSettings(), skala)
        key = f"k/batas/{skala}"
        found = _open(records, key, None, deadline=standard)
        assert found is not None and found.due_at == due and found.jam == clock
        with sessions() as s:
            row = s.scalar(select(Task).where(Task.task_key == key))
        assert row is not None and row.clock == clock
        assert row.due_at.replace(tzinfo=row.due_at.tzinfo or UTC) == due
