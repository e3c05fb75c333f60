"""MAGESTY step 3: the daily statistics report (computed by the workflow on the time-skipping
server, and by the same function on SQLite and PostgreSQL), and the Schedule that produces it daily
(on the dev server: the time-skipping server has no Schedules)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import ScheduleIntervalSpec
from temporalio.testing import WorkflowEnvironment

from activities.magelang.statistik import hari_ini_wib, hitung_statistik, simpan_laporan
from alur.schedules import STATISTIK_SCHEDULE_ID, ensure_schedules, statistik_schedule
from alur.seed import seed_officers
from alur.seed_magelang import seed_magelang
from alur.settings_magelang import MagelangSettings
from db.magelang.models import (
    MagestyAkun,
    MagestyLaporanStatistik,
    MagestyPermohonan,
    MagestyPetugasOpd,
    MagestySurvei,
)
from db.migrate import upgrade
from db.models import Task
from db.session import make_engine, make_session_factory, transaction
from tests.conftest import RunningWorkers
from tests.db_backends import database
from workflows.magelang.models import LaporanStatistikInput
from workflows.magelang.statistik import MagestyLaporanStatistikWorkflow

DAY = date(2026, 11, 20)
NOON_WIB = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)  # 12:00 WIB on DAY


def _fill(sessions: sessionmaker[Session]) -> None:
    """Three accounts on DAY (two active), one the day before, one the day after (not counted);
    two requests to Disdukcapil (one on time, one late), one to Dinkes still open; two surveys."""
    with transaction(sessions) as s:
        seed_officers(s)
        seed_magelang(s)

        def akun(status: str, at: datetime) -> int:
            row = MagestyAkun(
                status=status, workflow_id=f"magesty-akun-x{uuid.uuid4().hex}", created_at=at
            )
            s.add(row)
            s.flush()
            return row.id

        a1 = akun("aktif", NOON_WIB)
        akun("aktif", NOON_WIB)
        akun("menunggu_aktivasi", NOON_WIB)
        akun("aktif", NOON_WIB - timedelta(days=1))
        akun("aktif", NOON_WIB + timedelta(days=1))
        for n, (layanan, opd, keputusan, overdue) in enumerate(
            [
                ("akta-kelahiran", "disdukcapil", "selesai", False),
                ("kartu-identitas-anak", "disdukcapil", "ditolak", True),
                ("laik-higiene-sanitasi", "dinkes", None, False),
                ("aduan-jalan-rusak", "dpupr", None, True),  # late and still unserved
            ]
        ):
            number = f"MGS-STAT-{n}"
            s.add(
                MagestyPermohonan(
                    case_number=number,
                    akun_id=a1,
                    layanan_kode=layanan,
                    opd_kode=opd,
                    keputusan=keputusan,
                    created_at=NOON_WIB,
                )
            )
            s.add(
                Task(
                    task_key=f"magesty-{number}/pelayanan_opd/1",
                    workflow_id=f"magesty-{number}",
                    case_number=number,
                    sop="magelang-magesty",
                    agency="magelang-diskominfostat",
                    step="pelayanan_opd",
                    role="opd",
                    title="Layani",
                    status="done" if keputusan else "open",
                    overdue=overdue,
                    opened_at=NOON_WIB,
                    due_at=NOON_WIB + timedelta(seconds=60),
                )
            )
        for number, layanan, status, nilai in [
            ("MGS-STAT-0", "akta-kelahiran", "terjawab", [4, 3, 4, 4, 3, 4, 4, 3, 4]),
            ("MGS-STAT-1", "kartu-identitas-anak", "tidak_dijawab", None),
        ]:
            s.add(
                MagestySurvei(
                    case_number=number,
                    layanan_kode=layanan,
                    opd_kode="disdukcapil",
                    status=status,
                    nilai=nilai,
                    ikm=Decimal("91.67") if nilai else None,
                    dibuka_at=NOON_WIB,
                    ditutup_at=NOON_WIB + timedelta(hours=1),
                )
            )


def _check(isi: dict[str, object]) -> None:
    pengguna = isi["pengguna"]
    assert isinstance(pengguna, dict)
    assert (pengguna["total"], pengguna["aktif"], pengguna["menunggu_aktivasi"]) == (4, 3, 1)
    assert (pengguna["baru_hari_ini"], pengguna["baru_7_hari"]) == (3, 4)
    assert pengguna["baru_per_hari"][-2:] == [
        {"tanggal": "2026-11-19", "baru": 1},
        {"tanggal": "2026-11-20", "baru": 3},
    ]
    opd = {o["kode"]: o for o in isi["opd"]}  # type: ignore[attr-defined]
    assert opd["disdukcapil"]["permohonan"] == {
        "jumlah": 2,
        "selesai": 1,
        "ditolak": 1,
        "diproses": 0,
    }
    assert opd["disdukcapil"]["sla"] == {
        "dilayani": 2,
        "tepat_waktu": 1,
        "terlambat_belum_dilayani": 0,
        "kepatuhan_persen": 50.0,
    }
    # an OPD whose only request went past its 60 seconds unserved complies 0%, not "no data"
    assert opd["dpupr"]["sla"] == {
        "dilayani": 0,
        "tepat_waktu": 0,
        "terlambat_belum_dilayani": 1,
        "kepatuhan_persen": 0.0,
    }
    assert opd["disdukcapil"]["ikm"] == {
        "ikm": "91.67",
        "mutu": "A",
        "kinerja": "Sangat Baik",
        "responden": 1,
    }
    assert opd["disdukcapil"]["survei_tidak_dijawab"] == 1
    assert opd["dinkes"]["permohonan"]["diproses"] == 1
    assert opd["dinkes"]["sla"]["kepatuhan_persen"] is None
    layanan = {row["kode"]: row for row in isi["layanan"]}  # type: ignore[attr-defined]
    assert layanan["akta-kelahiran"]["permohonan"] == 1
    assert layanan["akta-kelahiran"]["ikm"]["ikm"] == "91.67"
    assert layanan["angkut-sampah"]["permohonan"] == 0


async def test_report_workflow_stores_the_days_statistics(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    _fill(sessions)
    result = await workers.client.execute_workflow(
        MagestyLaporanStatistikWorkflow.run,
        LaporanStatistikInput(tanggal=DAY),
        id=f"magesty-statistik-{uuid.uuid4().hex[:6]}",
        task_queue=workers.task_queue,
    )
    assert (result.tanggal, result.total_pengguna, result.aktif, result.permohonan) == (
        DAY,
        4,
        3,
        4,
    )
    with sessions() as s:
        stored = s.scalars(select(MagestyLaporanStatistik)).one()
    assert stored.tanggal == DAY
    _check(stored.isi)


async def test_scheduled_run_reports_on_the_day_that_just_ended(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    result = await workers.client.execute_workflow(
        MagestyLaporanStatistikWorkflow.run,
        LaporanStatistikInput(),
        id=f"magesty-statistik-{uuid.uuid4().hex[:6]}",
        task_queue=workers.task_queue,
    )
    with sessions() as s:
        stored = s.scalars(select(MagestyLaporanStatistik)).one()
    assert stored.tanggal == result.tanggal
    assert result.tanggal < datetime.now(UTC).date() + timedelta(days=1)


async def test_a_run_first_taken_up_two_days_late_reports_the_day_before_it_was_started(
    workers: RunningWorkers,
) -> None:
    # A first workflow task two days after the start, as when the worker was down past midnight.
    handle = await workers.client.start_workflow(
        MagestyLaporanStatistikWorkflow.run,
        LaporanStatistikInput(),
        id=f"magesty-statistik-{uuid.uuid4().hex[:6]}",
        task_queue=workers.task_queue,
        start_delay=timedelta(days=2),
    )
    started = (await handle.describe()).start_time
    assert started is not None
    result = await handle.result()
    assert result.tanggal == hari_ini_wib(started) - timedelta(days=1)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        yield make_session_factory(engine)
        engine.dispose()


def test_statistics_and_report_replacement_on_each_backend(
    db_sessions: sessionmaker[Session],
) -> None:
    _fill(db_sessions)
    with transaction(db_sessions) as s:
        simpan_laporan(s, DAY, NOON_WIB + timedelta(days=1))
    with transaction(db_sessions) as s:  # a rerun of the same day replaces, never duplicates
        simpan_laporan(s, DAY, NOON_WIB + timedelta(days=1, hours=1))
    with db_sessions() as s:
        [row] = s.scalars(select(MagestyLaporanStatistik)).all()
        _check(row.isi)
        live = hitung_statistik(s, sampai=NOON_WIB + timedelta(days=2))
    assert live["pengguna"]["total"] == 5


async def test_ensure_schedules_creates_the_daily_report_schedule_once(
    dev_env: WorkflowEnvironment,
) -> None:
    await ensure_schedules(dev_env.client, "alur-test")
    handle = dev_env.client.get_schedule_handle(STATISTIK_SCHEDULE_ID)
    await handle.pause(note="operator pause")
    await ensure_schedules(dev_env.client, "alur-test-2")  # the worker restarts on another queue

    desc = await handle.describe()
    listed = [s.id async for s in await dev_env.client.list_schedules()]
    assert listed.count(STATISTIK_SCHEDULE_ID) <= 1
    action = desc.schedule.action
    assert action.workflow == "MagestyLaporanStatistik"  # type: ignore[attr-defined]
    assert action.task_queue == "alur-test-2"  # type: ignore[attr-defined]
    [interval] = desc.schedule.spec.intervals
    assert interval == ScheduleIntervalSpec(
        every=timedelta(days=1), offset=timedelta(hours=17, minutes=5)
    )
    assert desc.schedule.state.paused  # the operator's pause survives the update

    # the operator moves the report to 06:30 WIB (ALUR_MAGELANG__STATISTIK_JAM): the next start
    # moves the schedule, the pause stays
    moved = MagelangSettings(statistik_jam=time(6, 30))
    await ensure_schedules(dev_env.client, "alur-test-2", moved)
    desc = await handle.describe()
    [interval] = desc.schedule.spec.intervals
    assert interval.offset == timedelta(hours=23, minutes=30)
    assert desc.schedule.state.paused


def test_magelang_statistik_schedule_runs_at_the_configured_wib_time() -> None:
    for jam, utc in [(time(0, 5), (17, 5)), (time(7), (0, 0)), (time(23, 59), (16, 59))]:
        schedule = statistik_schedule("q", MagelangSettings(statistik_jam=jam))
        [interval] = schedule.spec.intervals
        assert interval.offset == timedelta(hours=utc[0], minutes=utc[1])


def test_seeding_the_catalogue_twice_adds_nothing_the_second_time(
    db_sessions: sessionmaker[Session],
) -> None:
    with transaction(db_sessions) as s:
        seed_officers(s)
        first = seed_magelang(s)
    with transaction(db_sessions) as s:
        second = seed_magelang(s)
    assert first > 0 and second == 0
    with db_sessions() as s:
        mapped = dict(
            s.execute(select(MagestyPetugasOpd.username, MagestyPetugasOpd.opd_kode)).tuples().all()
        )
    assert mapped["magelang.opd"] == "disdukcapil"
    assert mapped["magelang.opd.dinkes"] == "dinkes"
