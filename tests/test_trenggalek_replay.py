"""Replays Trenggalek workflow histories: a recorded one (``tests/histories/trenggalek_*.json``,
made by ``python -m tests.test_trenggalek_replay``) and one made in the test. A change to the
workflow that would take a running proposal down a different path (non-determinism) fails here."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.dev_outbox import DevOutboxSender
from alur import temporal
from alur.temporal import data_converter, register_search_attributes
from db.migrate import upgrade
from db.session import make_engine, make_session_factory
from tests import trenggalek_helpers as t
from tests.conftest import TEST_PAYLOAD_KEY, RunningWorkers
from worker import build_workers
from workflows.runner import WORKFLOW_RUNNER
from workflows.trenggalek.workflow import TrenggalekPemanfaatanAplikasiWorkflow

HISTORIES = Path(__file__).resolve().parent / "histories"
RECORDED = sorted(HISTORIES.glob("trenggalek_*.json"))


async def drive(env: WorkflowEnvironment, queue: str) -> str:
    """A proposal with a breach at the Kepala Bidang's level, a refused decision, one revision sent
    back to analisis, approval through a vendor; returns its history as JSON."""
    h = await t.start(env.client, queue, t.usulan(t.case_number()))
    await t.write_from(h, "pengumpulan_data", 1)
    await t.climb(h, to="kepala_bidang")
    await env.sleep(timedelta(minutes=16))
    await t.wait_overdue(h)
    await t.review(h, "kepala_bidang", "setuju", "Setuju")  # refused: not the Kepala Dinas
    await t.review(h, "kepala_bidang", "revisi", "Tambah biaya", kembali_ke="analisis")
    await t.write_from(h, "analisis", 2)
    await t.approve(h, round=2)
    await t.provide(h, "penyedia")
    await t.prepare(h)
    await h.result()
    return (await h.fetch_history()).to_json()


async def _replay(history_json: str) -> None:
    history = WorkflowHistory.from_json("trenggalek-replay", history_json)
    replayer = Replayer(
        workflow_runner=WORKFLOW_RUNNER,
        workflows=[TrenggalekPemanfaatanAplikasiWorkflow],
        data_converter=data_converter(TEST_PAYLOAD_KEY),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


@pytest.mark.parametrize("path", RECORDED, ids=lambda p: p.stem)
async def test_recorded_trenggalek_history_replays(path: Path) -> None:
    await _replay(path.read_text())


async def test_fresh_trenggalek_history_replays(
    ts_env: WorkflowEnvironment, workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    await _replay(await drive(ts_env, workers.task_queue))


def test_there_is_a_recorded_history() -> None:
    assert RECORDED, "no recorded Trenggalek history under tests/histories/"


async def _record() -> None:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=temporal.test_server_path(),
        data_converter=data_converter(TEST_PAYLOAD_KEY),
    )
    await register_search_attributes(env.client, "default")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/alur.db"
        upgrade(url)
        engine = make_engine(url)
        ws = build_workers(
            env.client,
            task_queue="record-trenggalek",
            session_factory=make_session_factory(engine),
            sender=DevOutboxSender(),
        )
        async with ws[0], ws[1]:
            text = await drive(env, "record-trenggalek")
        engine.dispose()
    await env.shutdown()
    (HISTORIES / "trenggalek_revise_breach_penyedia.json").write_text(text)


if __name__ == "__main__":
    asyncio.run(_record())
