"""Deadlines in working time, end to end on the time-skipping server: the server's clock is first
slept to a known moment (a Friday 15.55 WIB, the evening before a cuti bersama day ...), then a
case starts there, with Alur's real workers on the real calendar (not the always-open calendar
the SOP tests use, see tests/conftest.py).

Moments are searched from the server's own time (it starts at the real time the suite runs), so
the tests do not depend on the day they run: "the next Friday whose Monday is a working day", "the
next cuti bersama day with a working day before it"."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.dev_outbox import DevOutboxSender
from alur.settings import Settings
from alur.settings_kalender import KalenderInstansi, KalenderSettings
from alur.temporal import SA_ROLE, data_converter
from alur.working_time import Kalender, libur_nasional
from db.models import AuditEvent, Notification, Task
from tests import magelang_helpers as g
from tests import malang_helpers as m
from tests import probolinggo_helpers as p
from tests import trenggalek_helpers as t
from tests.conftest import TEST_PAYLOAD_KEY, RunningWorkers
from worker import WORKFLOWS, build_workers
from workflows.malang.models import Perintah
from workflows.probolinggo.models import StatusWarga
from workflows.runner import WORKFLOW_RUNNER

WIB = ZoneInfo("Asia/Jakarta")
CAL = Kalender()
MALANG_AGENCY = "malang-bagpem"


def settings(**kw: Any) -> Settings:
    """The workers' settings: the real calendar (the defaults) unless told otherwise."""
    return Settings(
        _env_file=None,
        environment="test",
        public_base_url="https://alur.malangkota.go.id",
        **kw,
    )


async def run_workers(
    env: WorkflowEnvironment, sessions: sessionmaker[Session], s: Settings
) -> AsyncIterator[RunningWorkers]:
    queue = f"wt-{uuid.uuid4().hex[:8]}"
    sender = DevOutboxSender()
    ws = build_workers(
        env.client, task_queue=queue, session_factory=sessions, sender=sender, settings=s
    )
    async with ws[0], ws[1]:
        yield RunningWorkers(env.client, queue, sender)


@pytest.fixture
async def real(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session], demo_officers: list[str]
) -> AsyncIterator[RunningWorkers]:
    """Workers on the real calendar: Perpres 21/2023's hours, holidays and cuti bersama."""
    async for w in run_workers(ts_env, sessions, settings()):
        yield w


# --- moving the server's clock ---
async def now_of(env: WorkflowEnvironment) -> datetime:
    return (await env.get_current_time()).astimezone(UTC)


async def sleep_until(env: WorkflowEnvironment, at: datetime) -> None:
    """Advance the time-skipping server's clock to ``at``."""
    delta = at - await now_of(env)
    assert delta > timedelta(), f"{at} is already past"
    await env.sleep(delta)


def working(day: date) -> bool:
    return CAL.libur(day) is None


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not working(day):
        day += timedelta(days=1)
    return day


def first_day(after: datetime, ok: Callable[[date], bool], within: int = 800) -> date:
    """The first day after ``after``'s day (local, WIB) with ``ok``."""
    day = after.astimezone(WIB).date() + timedelta(days=1)
    for _ in range(within):
        if ok(day):
            return day
        day += timedelta(days=1)
    raise AssertionError(f"no such day within {within} days (does holidays know the years?)")


def at_wib(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), WIB)


def quiet_friday(day: date) -> bool:
    """A working Friday whose next two weeks' weekdays are all working days."""
    return day.weekday() == 4 and all(
        working(day + timedelta(days=i)) or (day + timedelta(days=i)).weekday() >= 5
        for i in range(15)
    )


# --- reading the read model ---
def task_row(sessions: sessionmaker[Session], number: str, step: str) -> Task:
    with sessions() as s:
        row = s.scalar(select(Task).where(Task.case_number == number, Task.step == step))
        assert row is not None, f"no task {step} for {number}"
        return row


def audit(sessions: sessionmaker[Session], number: str, event: str) -> list[AuditEvent]:
    with sessions() as s:
        return list(
            s.scalars(
                select(AuditEvent)
                .where(AuditEvent.case_number == number, AuditEvent.event == event)
                .order_by(AuditEvent.id)
            )
        )


async def wait_audit(sessions: sessionmaker[Session], number: str, event: str) -> AuditEvent:
    for _ in range(400):
        found = audit(sessions, number, event)
        if found:
            return found[0]
        await asyncio.sleep(0.025)
    raise AssertionError(f"{event} never written for {number}")


async def wait_task(sessions: sessionmaker[Session], number: str, step: str) -> Task:
    for _ in range(400):
        with sessions() as s:
            row = s.scalar(select(Task).where(Task.case_number == number, Task.step == step))
        if row is not None:
            return row
        await asyncio.sleep(0.025)
    raise AssertionError(f"task {step} of {number} never opened")


def near(at: datetime | None, expected: datetime) -> bool:
    """Within a second: the server's clock lands a few milliseconds past where it was slept to."""
    return at is not None and abs(utc(at) - expected) < timedelta(seconds=1)


def utc(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


# --- Malang: office hours, weekend, holidays ---
async def test_friday_1555_is_due_1610_and_breaches_and_escalates_inside_office_hours(
    ts_env: WorkflowEnvironment, real: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    friday = first_day(await now_of(ts_env), lambda d: d.weekday() == 4 and working(d))
    await sleep_until(ts_env, at_wib(friday, 15, 55))
    number = m.case_number()
    h = await m.start(real.client, real.task_queue, m.laporan(number))
    opened = await m.wait_step(h, "penerimaan")
    assert opened.task is not None and opened.task.due_at is not None
    assert near(opened.task.due_at, at_wib(friday, 16, 10))  # Friday runs to 16.30
    row = task_row(sessions, number, "penerimaan")
    assert row.clock == "kerja"
    await ts_env.sleep(timedelta(minutes=16))
    await m.wait_overdue(h)
    breach = await wait_audit(sessions, number, "sla_terlampaui")
    assert near(utc(breach.at), at_wib(friday, 16, 10))
    escalation = await wait_audit(sessions, number, "eskalasi")
    assert CAL.bekerja(utc(escalation.at)), escalation.at
    assert escalation.detail["terkirim"] == 1


async def test_opened_after_friday_closing_it_waits_the_weekend_and_escalates_on_monday(
    ts_env: WorkflowEnvironment, real: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    friday = first_day(
        await now_of(ts_env),
        lambda d: d.weekday() == 4 and working(d) and working(d + timedelta(days=3)),
    )
    await sleep_until(ts_env, at_wib(friday, 16, 45))
    number = m.case_number()
    h = await m.start(real.client, real.task_queue, m.laporan(number))
    opened = await m.wait_step(h, "penerimaan")
    monday = friday + timedelta(days=3)
    assert opened.task is not None and near(opened.task.due_at, at_wib(monday, 7, 45))
    # On the wall clock it would have breached at 17.00 and escalated on Friday evening:
    await ts_env.sleep(timedelta(hours=40))  # Sunday 08.45
    await asyncio.sleep(0.5)
    assert audit(sessions, number, "sla_terlampaui") == []
    assert audit(sessions, number, "eskalasi") == []
    status = await m.status(h)
    assert status is not None and not status.sla_breached
    await sleep_until(ts_env, at_wib(monday, 7, 46))
    breach = await wait_audit(sessions, number, "sla_terlampaui")
    assert near(utc(breach.at), at_wib(monday, 7, 45))
    escalation = await wait_audit(sessions, number, "eskalasi")
    assert CAL.bekerja(utc(escalation.at))
    assert escalation.detail["terkirim"] == 1  # the Kasubag's SMS, sent on Monday


async def test_a_cuti_bersama_day_is_not_counted(
    ts_env: WorkflowEnvironment, real: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    now = await now_of(ts_env)
    years = [now.year, now.year + 1]
    only_public = holidays.country_holidays("ID", years=years)  # PUBLIC, the package's default
    cuti = {d for d in libur_nasional(years) if d not in only_public}
    day = first_day(
        now,
        lambda d: d in cuti and d.weekday() < 4 and working(d - timedelta(days=1)),
    )
    eve = day - timedelta(days=1)  # a Monday to Wednesday: it closes at 16.00
    await sleep_until(ts_env, at_wib(eve, 15, 55))
    number = m.case_number()
    h = await m.start(real.client, real.task_queue, m.laporan(number))
    opened = await m.wait_step(h, "penerimaan")
    after = next_working_day(day)
    assert after > day and CAL.libur(day) is not None and "Cuti Bersama" in str(CAL.libur(day))
    assert opened.task is not None and near(opened.task.due_at, at_wib(after, 7, 40))


async def test_a_national_holiday_is_not_counted(
    ts_env: WorkflowEnvironment, real: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    now = await now_of(ts_env)
    public = set(holidays.country_holidays("ID", years=[now.year, now.year + 1]))
    day = first_day(
        now, lambda d: d in public and d.weekday() < 4 and working(d - timedelta(days=1))
    )
    eve = day - timedelta(days=1)
    await sleep_until(ts_env, at_wib(eve, 15, 55))
    number = m.case_number()
    h = await m.start(real.client, real.task_queue, m.laporan(number))
    opened = await m.wait_step(h, "penerimaan")
    assert opened.task is not None and near(
        opened.task.due_at, at_wib(next_working_day(day), 7, 40)
    )


async def test_friday_closing_at_1600_puts_the_issues_example_on_the_next_working_day(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session], demo_officers: list[str]
) -> None:
    """Malang's own hours (a setting of its agency): Friday ends at 16.00."""
    hours = dict(KalenderInstansi().jam_kerja)
    hours["jumat"] = ("07:30-11:30", "13:00-16:00")
    own = KalenderSettings(instansi={MALANG_AGENCY: KalenderInstansi(jam_kerja=hours)})
    friday = first_day(
        await now_of(ts_env),
        lambda d: d.weekday() == 4 and working(d) and working(d + timedelta(3)),
    )
    async for w in run_workers(ts_env, sessions, settings(kalender=own)):
        await sleep_until(ts_env, at_wib(friday, 15, 55))
        number = m.case_number()
        h = await m.start(w.client, w.task_queue, m.laporan(number))
        opened = await m.wait_step(h, "penerimaan")
        monday = friday + timedelta(days=3)
        assert opened.task is not None and near(opened.task.due_at, at_wib(monday, 7, 40))


# --- Trenggalek: "30 jam" and "1 hari" ---
async def test_trenggalek_proposal_filed_friday_1500(
    ts_env: WorkflowEnvironment, real: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    """On the wall clock step 1 ("30 jam") was due Saturday 21.00 and step 2 ("1 hari") Sunday
    21.00. In working time step 1 is due on Thursday 14.30; done on Thursday at 10.00, step 2 is
    due on Friday at 10.00 (2 + 3 hours on Thursday, 2.5 on Friday)."""
    friday = first_day(await now_of(ts_env), quiet_friday)
    thursday = friday + timedelta(days=6)
    await sleep_until(ts_env, at_wib(friday, 15))
    number = t.case_number()
    h = await t.start(real.client, real.task_queue, t.usulan(number))
    first = await t.wait_step(h, "pengumpulan_data")
    assert first.task is not None and near(first.task.due_at, at_wib(thursday, 14, 30))
    await sleep_until(ts_env, at_wib(thursday, 10))
    await t.write(h, "pengumpulan_data", "data")
    second = await t.wait_step(h, "analisis")
    assert second.task is not None and near(second.task.due_at, at_wib(friday + timedelta(7), 10))
    done = task_row(sessions, number, "pengumpulan_data")
    assert done.clock == "kerja"
    # Friday 1.5 h, Monday-Wednesday 3 x 7.5 h, Thursday 2.5 h: 26.5 working hours
    assert done.elapsed_seconds is not None
    assert abs(done.elapsed_seconds - 26.5 * 3600) < 2
    assert audit(sessions, number, "sla_terlampaui") == []


# --- the citizen's steps keep the wall clock ---
async def test_probolinggos_citizen_steps_run_on_the_calendar_at_night(
    ts_env: WorkflowEnvironment, real: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    saturday = first_day(await now_of(ts_env), lambda d: d.weekday() == 5)
    await sleep_until(ts_env, at_wib(saturday, 22))
    p.seed_register(sessions)
    h = await p.start(
        real.client, real.task_queue, sessions, StatusWarga.warga_kota, p.RESIDENT.phone
    )
    reg = p.reg_id(h)
    with sessions() as s:
        row = None
        for _ in range(400):
            row = s.scalar(select(Task).where(Task.workflow_id == h.id, Task.step == "kata_sandi"))
            if row is not None:
                break
            await asyncio.sleep(0.025)
            s.expire_all()
    assert row is not None, reg
    assert row.clock == "kalender"
    assert row.due_at is not None
    assert utc(row.due_at) - utc(row.opened_at) == timedelta(minutes=1)


async def test_magelangs_opd_step_runs_on_working_time(
    ts_env: WorkflowEnvironment, real: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    saturday = first_day(await now_of(ts_env), lambda d: d.weekday() == 5)
    await sleep_until(ts_env, at_wib(saturday, 9))
    inp = g.add_permohonan(sessions, g.add_akun(sessions, status="aktif"))
    await g.start_layanan(real.client, real.task_queue, inp)
    row = await wait_task(sessions, inp.case_number, "pelayanan_opd")
    assert row.clock == "kerja"
    assert row.unit == g.OPD_NAMA["disdukcapil"]  # the OPD the request belongs to
    monday = next_working_day(saturday)
    assert row.due_at is not None
    assert near(utc(row.due_at), at_wib(monday, 7, 31))  # 60 working seconds


# --- the named officer is told, once ---
async def test_the_named_officer_gets_one_message_with_the_case_link(
    ts_env: WorkflowEnvironment, real: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    day = first_day(await now_of(ts_env), working)
    await sleep_until(ts_env, at_wib(day, 8))
    number = m.case_number()
    h = await m.start(real.client, real.task_queue, m.laporan(number))
    await m.drive_to(h, "perintah")
    await h.signal(  # the pelaksana named is a seeded officer with a phone
        "perintah",
        Perintah(
            action_id=m.aid(), actor=m.KASUBAG, pelaksana="malang.pelaksana", instruksi="Siapkan"
        ),
    )
    await m.wait_step(h, "draf_tanggapan")
    # read back after steps closed (an unset Datetime would break this on the test server)
    attrs = (await h.describe()).typed_search_attributes
    assert attrs.get(SA_ROLE) == "pelaksana"

    def told() -> list[Notification]:
        with sessions() as s:
            return list(
                s.scalars(
                    select(Notification)
                    .where(Notification.case_number == number, Notification.purpose == "penugasan")
                    .order_by(Notification.id)
                )
            )

    for _ in range(400):
        if len(told()) >= 2:
            break
        await asyncio.sleep(0.025)
    await asyncio.sleep(0.3)  # and no third
    rows = told()
    by_step = {r.step: r for r in rows}
    assert set(by_step) == {"perintah", "draf_tanggapan"}  # the Kasubag, then the pelaksana
    assert len(rows) == 2
    kasubag = by_step["perintah"]
    assert number in kasubag.body
    assert kasubag.body.endswith(f"https://alur.malangkota.go.id/petugas/kasus/{number}")
    assert "Tugas baru untuk Anda" in kasubag.body


# --- the development time scale ---
async def test_the_time_scale_shows_a_breach_within_seconds_at_any_hour(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session], demo_officers: list[str]
) -> None:
    saturday = first_day(await now_of(ts_env), lambda d: d.weekday() == 5)
    async for w in run_workers(ts_env, sessions, settings(skala_waktu=60)):
        await sleep_until(ts_env, at_wib(saturday, 23))
        number = m.case_number()
        h = await m.start(w.client, w.task_queue, m.laporan(number))
        opened = await m.wait_step(h, "penerimaan")
        assert opened.task is not None and opened.task.due_at is not None
        assert opened.task.due_at - opened.task.opened_at == timedelta(seconds=15)
        await ts_env.sleep(timedelta(seconds=16))
        await m.wait_overdue(h)
        await wait_audit(sessions, number, "eskalasi")


# --- replay ---
async def test_a_history_recorded_with_working_time_replays(
    ts_env: WorkflowEnvironment, real: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    """A case run now (deadlines from the calendar activity, search attributes, the named
    officer's message, a breach) replays on the same code; the recorded histories from before
    the change replay in tests/test_*replay*.py."""
    friday = first_day(await now_of(ts_env), lambda d: d.weekday() == 4 and working(d))
    await sleep_until(ts_env, at_wib(friday, 16, 0))
    number = m.case_number()
    h = await m.start(real.client, real.task_queue, m.laporan(number))
    await m.wait_step(h, "penerimaan")
    await ts_env.sleep(timedelta(minutes=31))  # past 16.15 Friday
    await m.wait_overdue(h)
    await m.finish_from(h, "penerimaan")
    history = await h.fetch_history()
    markers = [e for e in history.events if e.HasField("marker_recorded_event_attributes")]
    assert markers, "the deadlines are recorded"
    replayer = Replayer(
        workflow_runner=WORKFLOW_RUNNER,
        workflows=list(WORKFLOWS),
        data_converter=data_converter(TEST_PAYLOAD_KEY),
    )
    await replayer.replay_workflow(history)


# --- what an officer reads in /tasks ---------------------------------------------------------
async def test_tasks_show_the_due_time_in_wib_and_the_working_time_left(
    ts_env: WorkflowEnvironment,
    real: RunningWorkers,
    sessions: sessionmaker[Session],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import httpx

    import api.routers.tasks as tasks_router
    from api.main import create_app
    from tests.conftest import ApiClient

    thursday = first_day(
        await now_of(ts_env),
        lambda d: d.weekday() == 3 and working(d) and working(d + timedelta(1)),
    )
    await sleep_until(ts_env, at_wib(thursday, 15, 55))
    number = m.case_number()
    h = await m.start(real.client, real.task_queue, m.laporan(number))
    await m.wait_step(h, "penerimaan")
    # The API's clock is the real one; read the inbox as at Thursday 15.58 on the server's.
    monkeypatch.setattr(tasks_router, "utcnow", lambda: at_wib(thursday, 15, 58).astimezone(UTC))
    app = create_app(
        settings(task_queue=real.task_queue, payload_key=TEST_PAYLOAD_KEY),
        sessions=sessions,
        temporal=real.client,
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ) as http:
        client = ApiClient(http, real)
        r = await http.get("/tasks", headers=await client.as_officer("malang.pengelola_tik"))
    assert r.status_code == 200, r.text
    (task,) = [x for x in r.json() if x["case_number"] == number]
    friday = thursday + timedelta(days=1)
    assert task["clock"] == "kerja"
    assert task["due_local"].startswith(f"{friday.isoformat()}T07:40:00")
    assert task["due_local"].endswith("+07:00")
    months = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus"]
    months += ["September", "Oktober", "November", "Desember"]
    assert (
        task["due_teks"]
        == f"Jumat, {friday.day} {months[friday.month - 1]} {friday.year} 07.40 WIB"
    )
    # 2 minutes on Thursday before 16.00, 10 on Friday from 07.30: the evening does not count
    assert task["sisa_teks"] == "sisa 12 menit waktu kerja"
    assert 12 * 60 <= task["sisa_detik"] < 12 * 60 + 1
    assert task["overdue"] is False


# --- what an operator filters on in the Temporal UI ----------------------------------------
async def _listed(env: WorkflowEnvironment, query: str) -> None:
    for _ in range(100):
        if [w async for w in env.client.list_workflows(query)]:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{query!r} listed nothing")


def rfc3339(at: datetime) -> str:
    return utc(at).strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_the_role_and_due_time_are_search_attributes_on_the_dev_server(
    dev_env: WorkflowEnvironment, sessions: sessionmaker[Session], demo_officers: list[str]
) -> None:
    from alur.temporal import SA_DUE_AT

    async for w in run_workers(dev_env, sessions, settings()):
        number = m.case_number()
        h = await m.start(w.client, w.task_queue, m.laporan(number))
        await m.wait_step(h, "penerimaan")
        row = await wait_task(sessions, number, "penerimaan")
        assert row.due_at is not None
        due = utc(row.due_at)
        attrs = (await h.describe()).typed_search_attributes
        assert attrs.get(SA_ROLE) == "pengelola_tik"
        assert near(attrs.get(SA_DUE_AT), due)
        later = rfc3339(due + timedelta(seconds=1))
        await _listed(
            dev_env,
            f"AlurCaseNumber = '{number}' AND AlurRole = 'pengelola_tik' AND AlurDueAt < '{later}'",
        )
        await m.forward(h)
        await m.wait_step(h, "disposisi")
        await _listed(dev_env, f"AlurCaseNumber = '{number}' AND AlurRole = 'kabag'")
        await m.dispose(h)
        await m.order(h)
        await m.draft(h)
        await m.approve(h)
        await m.deliver(h)
        await m.result_of(h)
        attrs = (await h.describe()).typed_search_attributes
        assert attrs.get(SA_ROLE) is None  # nobody must act any more
        await _listed(
            dev_env,
            f"AlurCaseNumber = '{number}' AND AlurRole IS NULL AND ExecutionStatus = 'Completed'",
        )
        # no personal data: only role codes and a time
        assert {a.key.name for a in attrs if a.key.name.startswith("Alur")} <= {
            "AlurSop",
            "AlurCaseNumber",
            "AlurStep",
            "AlurStatus",
            "AlurAgency",
            "AlurSlaBreached",
            "AlurDueAt",  # the last step's, kept
        }
