"""Records the histories the replay test runs: ``python -m tests.record_history``.

Re-record only when a change to the Malang workflow is meant to be incompatible (and then put the
change behind ``workflow.patched`` instead, if cases are running in production). The histories are
encrypted with the tests' payload key, as production histories are with theirs.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import timedelta
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from activities.dev_outbox import DevOutboxSender
from alur.temporal import data_converter, register_search_attributes, test_server_path
from db.migrate import upgrade
from db.session import make_engine, make_session_factory
from tests import malang_helpers as m
from tests.conftest import TEST_PAYLOAD_KEY
from worker import build_workers

HISTORIES = Path(__file__).resolve().parent / "histories"


async def record() -> None:
    """A case with a breach at disposisi, one revise round and a refused action, to completion."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_path(),
        data_converter=data_converter(TEST_PAYLOAD_KEY),
    )
    await register_search_attributes(env.client, "default")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/alur.db"
        upgrade(url)
        engine = make_engine(url)
        workers = build_workers(
            env.client,
            task_queue="record",
            session_factory=make_session_factory(engine),
            sender=DevOutboxSender(),
        )
        async with workers[0], workers[1]:
            handle = await m.start(env.client, "record", m.laporan("MLG-REPLAY-1"))
            await m.wait_step(handle, "penerimaan")
            await m.forward(handle)
            await m.wait_step(handle, "disposisi")
            await env.sleep(timedelta(minutes=16))
            await m.order(handle)  # refused: the case is at disposisi
            await m.dispose(handle)
            await m.order(handle)
            await m.wait_step(handle, "draf_tanggapan")
            await m.draft(handle, "Draf pertama")
            await m.review(handle, approve=False, notes="Lengkapi tanggal perbaikan")
            await m.wait_step(handle, "draf_tanggapan", round=2)
            await m.draft(handle, "Lampu diperbaiki Rabu")
            await m.review(handle, approve=True)
            await m.wait_step(handle, "penyampaian")
            await m.deliver(handle)
            await handle.result()
            history = await handle.fetch_history()
        engine.dispose()
    (HISTORIES / "malang_revise_and_breach.json").write_text(history.to_json())
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record())
