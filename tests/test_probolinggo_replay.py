"""Replays View Probolinggo registration histories: a recorded one
(``tests/histories/probolinggo_*.json``, made by ``python -m tests.test_probolinggo_replay``) and
one made in the test. A change to the workflow that would take a running registration down a
different path (non-determinism) fails here.

Re-record only when a change is meant to be incompatible (and then put it behind
``workflow.patched`` instead, if registrations are running in production). The history is encrypted
with the tests' payload key, as production histories are with theirs."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.dev_outbox import DevOutboxSender
from alur import temporal
from alur.temporal import data_converter, register_search_attributes
from db.migrate import upgrade
from db.session import make_engine, make_session_factory
from tests import probolinggo_helpers as p
from tests.conftest import TEST_PAYLOAD_KEY, RunningWorkers
from worker import build_workers
from workflows.probolinggo.models import Isian, StatusWarga
from workflows.probolinggo.workflow import ProbolinggoRegistrasiWorkflow
from workflows.runner import WORKFLOW_RUNNER

HISTORIES = Path(__file__).resolve().parent / "histories"
RECORDED = HISTORIES / "probolinggo_resident_wrong_otp_resend.json"
W = ProbolinggoRegistrasiWorkflow


async def drive(env: WorkflowEnvironment, queue: str, sessions: sessionmaker[Session]) -> str:
    """A resident (row 1 of the sample register) sets a password, types a wrong OTP, asks for a
    new one after the 30 s cooldown, types it, then the NIK and identity; returns the history."""
    p.seed_register(sessions)
    person = p.RESIDENT
    handle = await p.start(env.client, queue, sessions, StatusWarga.warga_kota, person.phone)
    assert (await p.set_password(handle)).hasil == "terkirim"
    first = p.latest_code(sessions, p.reg_id(handle))
    wrong = await p.enter_otp(handle, sessions, p.wrong_code(first))
    assert (wrong.hasil, wrong.sisa_percobaan) == ("salah", 4)
    await env.sleep(timedelta(seconds=31))
    assert (await handle.execute_update(W.kirim_ulang_otp, Isian())).hasil == "terkirim"
    assert (await p.enter_otp(handle, sessions)).hasil == "diterima"  # the latest code
    assert (await p.enter_nik(handle, sessions, person.nik)).hasil == "diterima"
    answer = await p.enter_identity(handle, sessions, **person.identity())
    assert answer.hasil == "diterima"
    assert (await handle.result()).status == "selesai"
    return (await handle.fetch_history()).to_json()


async def _replay(history: WorkflowHistory) -> None:
    replayer = Replayer(
        workflow_runner=WORKFLOW_RUNNER,
        workflows=[W],
        data_converter=data_converter(TEST_PAYLOAD_KEY),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


def check(history: WorkflowHistory) -> None:
    """The whole run of a registration along the expected path, with nothing in clear."""
    first, last = history.events[0], history.events[-1]
    assert first.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
    assert first.workflow_execution_started_event_attributes.workflow_type.name == (
        "ProbolinggoRegistrasi"
    )
    assert last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED
    accepted = [
        e
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
    ]
    names = [
        e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name
        for e in accepted
    ]
    assert names == ["kata_sandi", "otp", "kirim_ulang_otp", "otp", "nik", "identitas"]
    password_at, resend_at = accepted[0].event_time, accepted[2].event_time
    assert resend_at.ToDatetime() - password_at.ToDatetime() >= timedelta(seconds=30)  # cooldown
    completed = [
        e
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED
    ]
    assert len(completed) == len(names)
    sealed, clear = p.by_encryption(history)
    assert sealed and not clear, clear


async def test_recorded_probolinggo_history_replays() -> None:
    history = WorkflowHistory.from_json("probolinggo-replay", RECORDED.read_text())
    check(history)
    await _replay(history)


async def test_fresh_probolinggo_history_replays(
    ts_env: WorkflowEnvironment, workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    history = WorkflowHistory.from_json(
        "probolinggo-fresh", await drive(ts_env, workers.task_queue, sessions)
    )
    check(history)
    await _replay(history)


async def _record() -> None:
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
                env.client,
                task_queue="record-probolinggo",
                session_factory=sessions,
                sender=DevOutboxSender(),
            )
            async with ws[0], ws[1]:
                text = await drive(env, "record-probolinggo", sessions)
            engine.dispose()
    finally:
        await env.shutdown()
    RECORDED.write_text(text)


if __name__ == "__main__":
    asyncio.run(_record())
