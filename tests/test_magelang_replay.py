"""Replays MAGESTY workflow histories: recorded ones (``tests/histories/magelang_*.json``, made by
``python -m tests.test_magelang_replay``) and ones made in the test. A change to the workflows that
would take a running account or request down a different path (non-determinism) fails here.

Re-record only when a change is meant to be incompatible (and then put it behind
``workflow.patched`` instead, if accounts or requests are running in production). The histories are
encrypted with the tests' payload key, as production histories are with theirs."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.dev_outbox import DevOutboxSender
from alur import temporal
from alur.seed import seed_officers
from alur.seed_magelang import seed_magelang
from alur.temporal import data_converter, register_search_attributes
from db.migrate import upgrade
from db.session import make_engine, make_session_factory, transaction
from tests import magelang_helpers as mg
from tests.conftest import TEST_PAYLOAD_KEY, RunningWorkers
from tests.malang_helpers import poll
from tests.probolinggo_helpers import by_encryption
from worker import build_workers
from workflows.magelang.akun import MagestyAkunWorkflow
from workflows.magelang.layanan import MagestyLayananWorkflow
from workflows.magelang.models import AktivasiInput, JawabanSurvei, KirimUlangInput
from workflows.runner import WORKFLOW_RUNNER

HISTORIES = Path(__file__).resolve().parent / "histories"
AKUN = "magelang_akun_resend_activate.json"
LAYANAN = "magelang_layanan_late_served_rated.json"
NILAI = [4, 3, 4, 4, 3, 4, 4, 3, 4]  # IKM 91.67, A

Drive = Callable[[WorkflowEnvironment, str, sessionmaker[Session]], Awaitable[str]]


async def drive_akun(env: WorkflowEnvironment, queue: str, sessions: sessionmaker[Session]) -> str:
    """An account registered, a wrong code typed, a new code asked for after the 60 s cooldown,
    activated with it; returns the history as JSON."""
    akun_id = mg.add_akun(sessions)
    handle = await mg.start_akun(env.client, queue, akun_id)
    assert (await handle.execute_update(MagestyAkunWorkflow.tunggu_kode)).kode == "terkirim"
    [first] = await mg.wait_codes(sessions, akun_id, 1)
    wrong = mg.digest(akun_id, "000000" if first != "000000" else "111111")
    answer = await handle.execute_update(
        MagestyAkunWorkflow.aktivasi, AktivasiInput(kode_digest=wrong)
    )
    assert (answer.hasil, answer.sisa_percobaan) == ("salah", 4)
    await env.sleep(timedelta(seconds=61))
    resent = await handle.execute_update(
        MagestyAkunWorkflow.kirim_ulang, KirimUlangInput(permintaan_id=mg.aid())
    )
    assert resent.terkirim
    new = await mg.wait_new_code(sessions, akun_id, sends=2)
    right = await handle.execute_update(
        MagestyAkunWorkflow.aktivasi, AktivasiInput(kode_digest=mg.digest(akun_id, new))
    )
    assert right.hasil == "benar"
    assert (await handle.result()).status == "aktif"
    return (await handle.fetch_history()).to_json()


async def drive_layanan(
    env: WorkflowEnvironment, queue: str, sessions: sessionmaker[Session]
) -> str:
    """A request whose OPD step breaches its 60 s standard (the Kepala OPD is told), is then
    served, and whose survey is answered; returns the history as JSON."""
    with transaction(sessions) as s:
        seed_officers(s)
        seed_magelang(s)  # the Kepala OPD the breach escalates to
    akun_id = mg.add_akun(sessions, status="aktif")
    inp = mg.add_permohonan(sessions, akun_id)
    handle = await mg.start_layanan(env.client, queue, inp)
    await mg.wait_step(handle, "pelayanan_opd")
    await env.sleep(timedelta(seconds=61))
    late = await poll(
        lambda: mg.status(handle),
        lambda s: s is not None and s.task is not None and s.task.overdue,
        "breach",
    )
    assert late is not None and late.sla_breached
    await handle.signal("pelayanan_opd", mg.layani())
    await mg.wait_step(handle, "survei_kepuasan")
    answer = await handle.execute_update(
        MagestyLayananWorkflow.survei, JawabanSurvei(permintaan_id=mg.aid(), nilai=NILAI)
    )
    assert answer.ikm == "91.67"
    result = await handle.result()
    assert (result.keputusan, result.survei, result.sla_breached) == ("selesai", "terjawab", True)
    return (await handle.fetch_history()).to_json()


async def _replay(history: WorkflowHistory) -> None:
    replayer = Replayer(
        workflow_runner=WORKFLOW_RUNNER,
        workflows=[MagestyAkunWorkflow, MagestyLayananWorkflow],
        data_converter=data_converter(TEST_PAYLOAD_KEY),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


def _updates(history: WorkflowHistory) -> list[tuple[str, datetime]]:
    """The accepted updates, by name, with when they were accepted."""
    return [
        (
            e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name,
            e.event_time.ToDatetime(),
        )
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]


def _signals(history: WorkflowHistory) -> list[str]:
    return [
        e.workflow_execution_signaled_event_attributes.signal_name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    ]


def _count(history: WorkflowHistory, kind: EventType.ValueType) -> int:
    return sum(e.event_type == kind for e in history.events)


def _check_common(history: WorkflowHistory, workflow_type: str) -> None:
    """The history is the whole run of the expected workflow, and nothing in it is in clear."""
    first, last = history.events[0], history.events[-1]
    assert first.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
    assert first.workflow_execution_started_event_attributes.workflow_type.name == workflow_type
    assert last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
    sealed, clear = by_encryption(history)
    assert sealed and not clear, clear


def check_akun(history: WorkflowHistory) -> None:
    _check_common(history, "MagestyAkun")
    updates = _updates(history)
    assert [name for name, _ in updates] == ["tunggu_kode", "aktivasi", "kirim_ulang", "aktivasi"]
    started = history.events[0].event_time.ToDatetime()
    assert updates[2][1] - started >= timedelta(seconds=60)  # the resend waited out its cooldown
    assert _count(history, EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED) == 4


def check_layanan(history: WorkflowHistory) -> None:
    _check_common(history, "MagestyLayanan")
    assert _signals(history) == ["pelayanan_opd"]
    updates = _updates(history)
    assert [name for name, _ in updates] == ["survei"]
    assert _count(history, EventType.EVENT_TYPE_TIMER_FIRED) >= 1  # the OPD step's 60 s SLA
    signalled = next(
        e.event_time.ToDatetime()
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    )
    assert signalled - history.events[0].event_time.ToDatetime() > timedelta(seconds=60)


CHECKS = {AKUN: check_akun, LAYANAN: check_layanan}


@pytest.mark.parametrize("name", list(CHECKS))
async def test_recorded_magelang_history_replays(name: str) -> None:
    history = WorkflowHistory.from_json("magelang-replay", (HISTORIES / name).read_text())
    CHECKS[name](history)
    await _replay(history)


@pytest.mark.parametrize(
    ("drive", "check"),
    [(drive_akun, check_akun), (drive_layanan, check_layanan)],
    ids=["akun", "layanan"],
)
async def test_fresh_magelang_history_replays(
    ts_env: WorkflowEnvironment,
    workers: RunningWorkers,
    sessions: sessionmaker[Session],
    drive: Drive,
    check: Callable[[WorkflowHistory], None],
) -> None:
    history = WorkflowHistory.from_json(
        "magelang-fresh", await drive(ts_env, workers.task_queue, sessions)
    )
    check(history)
    await _replay(history)


@asynccontextmanager
async def _recording(
    queue: str,
) -> AsyncIterator[tuple[WorkflowEnvironment, sessionmaker[Session]]]:
    """A time-skipping server and Alur's workers over a throwaway SQLite database."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal.test_server_path(),
        data_converter=data_converter(TEST_PAYLOAD_KEY),
    )
    await register_search_attributes(env.client, "default")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/alur.db"
            upgrade(url)
            engine = make_engine(url)
            sessions = make_session_factory(engine)
            ws = build_workers(
                env.client, task_queue=queue, session_factory=sessions, sender=DevOutboxSender()
            )
            async with ws[0], ws[1]:
                yield env, sessions
            engine.dispose()
    finally:
        await env.shutdown()


async def _record() -> None:
    for name, drive in ((AKUN, drive_akun), (LAYANAN, drive_layanan)):
        async with _recording("record-magelang") as (env, sessions):
            text = await drive(env, "record-magelang", sessions)
        (HISTORIES / name).write_text(text)


if __name__ == "__main__":
    asyncio.run(_record())
