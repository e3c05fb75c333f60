"""``GET /tasks?limit=&offset=``: an inbox of thousands (the scale bench's 10,000 open cases) is
read a page at a time, in the inbox's order (oldest deadline first), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from alur.settings import Settings
from api.main import create_app
from db.base import utcnow
from db.models import Task
from db.session import transaction
from tests.conftest import TEST_PAYLOAD_KEY
from tests.db_backends import seeded_database

TIK = "malang.pengelola_tik"


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with seeded_database(request.param, tmp_path) as factory:
        yield factory


@pytest.fixture
async def http(sessions: sessionmaker[Session]) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(environment="test", payload_key=SecretStr(TEST_PAYLOAD_KEY))
    app = create_app(settings, sessions=sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        r = await client.post("/auth/login", data={"username": TIK, "password": "alur-demo-2026"})
        assert r.status_code == 200, r.text
        client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
        yield client


def _open_tasks(sessions: sessionmaker[Session], count: int) -> list[str]:
    """``count`` open penerimaan tasks, the last filed due first; their case numbers, due order."""
    now = utcnow()
    numbers = [f"MLG-PAGE-{n:03d}" for n in range(count)]
    with transaction(sessions) as s:
        for n, number in enumerate(numbers):
            s.add(
                Task(
                    task_key=f"malang-{number}/penerimaan/1",
                    workflow_id=f"malang-{number}",
                    case_number=number,
                    sop="malang-pengelolaan-tik",
                    agency="malang-bagpem",
                    step="penerimaan",
                    role="pengelola_tik",
                    title=f"Terima laporan {number}",
                    opened_at=now,
                    due_at=now + timedelta(minutes=60 - n),
                )
            )
    return list(reversed(numbers))


async def test_the_inbox_is_read_a_page_at_a_time_in_deadline_order(
    http: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    in_order = _open_tasks(sessions, 7)

    async def page(**params: int) -> list[str]:
        r = await http.get("/tasks", params=params)
        assert r.status_code == 200, r.text
        return [t["case_number"] for t in r.json()]

    assert await page(limit=7) == in_order
    assert await page(limit=3) == in_order[:3]
    assert await page(limit=3, offset=3) == in_order[3:6]
    assert await page(limit=3, offset=6) == in_order[6:]
    assert await page(limit=3, offset=9) == []


async def test_the_inbox_answers_a_page_of_50_and_links_the_next_one(
    http: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    in_order = _open_tasks(sessions, 60)
    first = await http.get("/tasks")
    assert first.status_code == 200, first.text
    assert [t["case_number"] for t in first.json()] == in_order[:50]
    following = first.links["next"]["url"]
    assert httpx.URL(following).params == httpx.QueryParams(limit=50, offset=50)
    rest = await http.get(following)
    assert [t["case_number"] for t in rest.json()] == in_order[50:]
    assert "link" not in rest.headers  # the last page links nothing further
    exact = await http.get("/tasks", params={"limit": 60})
    assert len(exact.json()) == 60 and "link" not in exact.headers


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 501},
        {"offset": -1},
        {"offset": 1_000_000_001},
        # past a 64-bit integer: SQLite's driver raised OverflowError, a 500 (the fuzzer's find)
        {"limit": 188, "offset": 18634225276919992025088},
    ],
)
async def test_a_page_out_of_bounds_is_refused_in_indonesian(
    http: httpx.AsyncClient, params: dict[str, int]
) -> None:
    r = await http.get("/tasks", params=params)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_request"
    assert error["message"].startswith("Data tidak valid: ")
