"""The officers' web sessions held on the server (``web_sessions``), on SQLite and PostgreSQL: after
logout a copy of the cookie opens nothing and sends no form, while the officer's other browser
goes on; a session whose row has expired is refused even while its signed cookie is still valid;
renewal moves the row with the cookie; the table keeps a hash of the session id, never the id;
and the daily retention run deletes sessions closed more than a day ago, keeping live ones."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.retention import RetensiInput, RetentionActivities
from alur.security import issue_token, read_token
from alur.settings import Settings
from api.main import create_app
from api.web.session import COOKIE, TYP
from db.base import utcnow
from db.models import Task
from db.session import transaction
from db.web_sessions import WebSession
from tests.conftest import TEST_PAYLOAD_KEY
from tests.db_backends import seeded_database
from tests.web_helpers import KABAG, TIK, browser, csrf_of, log_in, text_of

SETTINGS = Settings(environment="test", payload_key=SecretStr(TEST_PAYLOAD_KEY))
SECRET = SETTINGS.jwt_secret.get_secret_value()
INBOX = "/petugas/tugas"
TO_LOGIN = "/petugas/masuk?lanjut=/petugas/tugas"


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with seeded_database(request.param, tmp_path) as factory:
        yield factory


@pytest.fixture
def app(sessions: sessionmaker[Session]) -> FastAPI:
    return create_app(SETTINGS, sessions=sessions)


@pytest.fixture
async def tik(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A browser with the TIK officer logged in."""
    async with browser(app) as client:
        r = await log_in(client, TIK)
        assert r.status_code == 200 and r.url.path == INBOX
        yield client


def _task(sessions: sessionmaker[Session]) -> int:
    """An open task of the TIK officer's role queue, unclaimed: its id."""
    now = utcnow()
    with transaction(sessions) as s:
        task = Task(
            task_key="malang-MLG-SESI-1/penerimaan/1",
            workflow_id="malang-MLG-SESI-1",
            case_number="MLG-SESI-1",
            sop="malang-pengelolaan-tik",
            agency="malang-bagpem",
            step="penerimaan",
            role="pengelola_tik",
            title="Terima pengaduan MLG-SESI-1",
            opened_at=now,
            due_at=now + timedelta(minutes=30),
        )
        s.add(task)
        s.flush()
        return task.id


def _claimed_by(sessions: sessionmaker[Session], task_id: int) -> str | None:
    with sessions() as s:
        return s.scalars(select(Task.claimed_by).where(Task.id == task_id)).one()


def _rows(sessions: sessionmaker[Session]) -> list[WebSession]:
    with sessions() as s:
        return list(s.scalars(select(WebSession).order_by(WebSession.id)))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


async def _inbox(client: httpx.AsyncClient) -> httpx.Response:
    return await client.get(INBOX, follow_redirects=False)


async def _log_out(client: httpx.AsyncClient) -> None:
    page = await client.get(INBOX)
    r = await client.post("/petugas/keluar", data={"csrf": csrf_of(page.text)})
    assert r.status_code == 200 and r.url.path == "/petugas/masuk"
    assert COOKIE not in client.cookies


async def test_after_logout_a_copy_of_the_cookie_opens_nothing_and_sends_no_form(
    app: FastAPI, tik: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    task_id = _task(sessions)
    page = await tik.get(INBOX)
    csrf = csrf_of(page.text)
    old = tik.cookies[COOKIE]
    async with browser(app) as copy:  # the cookie copied elsewhere (or another tab's request)
        copy.cookies.set(COOKIE, old)
        assert (await _inbox(copy)).status_code == 200  # the copy works while the session does

        await _log_out(tik)

        r = await _inbox(copy)
        assert (r.status_code, r.headers["location"]) == (303, TO_LOGIN)
        r = await copy.post(
            f"/petugas/tugas/{task_id}/klaim", data={"csrf": csrf}, follow_redirects=False
        )
        assert (r.status_code, r.headers["location"]) == (303, TO_LOGIN)
        assert _claimed_by(sessions, task_id) is None
        r = await copy.post("/petugas/keluar", data={"csrf": csrf}, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, TO_LOGIN)
    # the browser that logged out is out too
    r = await _inbox(tik)
    assert (r.status_code, r.headers["location"]) == (303, TO_LOGIN)
    [row] = _rows(sessions)
    assert row.username == TIK and row.ended_at is not None


async def test_another_browser_of_the_officer_stays_in_after_one_logs_out(
    app: FastAPI, tik: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    task_id = _task(sessions)
    async with browser(app) as other:
        r = await log_in(other, TIK)
        assert r.status_code == 200 and r.url.path == INBOX

        await _log_out(tik)

        page = await _inbox(other)
        assert page.status_code == 200 and "Pengelola TIK" in text_of(page.text)
        r = await other.post(f"/petugas/tugas/{task_id}/klaim", data={"csrf": csrf_of(page.text)})
        assert r.status_code == 200
        assert "Tugas sudah Anda klaim" in text_of(r.text)
        assert _claimed_by(sessions, task_id) == TIK
    ended = [row.ended_at is not None for row in _rows(sessions)]
    assert ended == [True, False]


async def test_a_session_whose_row_expired_is_refused_while_its_cookie_is_still_valid(
    tik: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    assert (await _inbox(tik)).status_code == 200
    with transaction(sessions) as s:
        s.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    claims = read_token(tik.cookies[COOKIE], SECRET)  # signed and unexpired: still a good JWT
    assert datetime.fromtimestamp(float(claims["exp"]), UTC) > utcnow() + timedelta(minutes=50)

    r = await _inbox(tik)
    assert (r.status_code, r.headers["location"]) == (303, TO_LOGIN)


async def test_renewal_moves_the_rows_expiry_with_the_cookies(
    tik: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    claims = read_token(tik.cookies[COOKIE], SECRET)
    with transaction(sessions) as s:  # the session is 50 minutes old: in its second half
        s.execute(update(WebSession).values(expires_at=utcnow() + timedelta(minutes=10)))
    before = utcnow()

    r = await _inbox(tik)

    assert r.status_code == 200 and r.headers["set-cookie"].startswith(f"{COOKIE}=")
    renewed = read_token(tik.cookies[COOKIE], SECRET)
    assert (renewed["sid"], renewed["csrf"]) == (claims["sid"], claims["csrf"])
    [row] = _rows(sessions)
    assert row.expires_at - before > timedelta(minutes=59)
    cookie_expires = datetime.fromtimestamp(float(renewed["exp"]), UTC)
    assert abs(row.expires_at - cookie_expires) < timedelta(seconds=1)
    assert csrf_of(r.text) == claims["csrf"]  # the page's forms still work


async def test_the_table_keeps_a_hash_of_the_session_id_and_the_username_only(
    tik: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    sid = read_token(tik.cookies[COOKIE], SECRET)["sid"]
    [row] = _rows(sessions)
    assert row.sid_hash == _sha256(sid)
    stored = [row.sid_hash, row.username, row.created_at, row.expires_at, row.ended_at]
    assert sid not in [str(v) for v in stored]
    assert row.username == TIK and row.ended_at is None


def _forged(sid: str | None, *, sub: str = TIK) -> str:
    claims = {"typ": TYP, "csrf": "x" * 43} | ({"sid": sid} if sid else {})
    token, _ = issue_token(subject=sub, claims=claims, secret=SECRET, ttl=timedelta(minutes=50))
    return token


async def test_a_signed_cookie_without_an_open_session_of_its_officer_is_refused(
    app: FastAPI, tik: httpx.AsyncClient
) -> None:
    """A cookie of before server-side sessions (no ``sid``), one naming no session, and one
    naming another officer's session: all signed with the right secret, all refused."""
    sid = read_token(tik.cookies[COOKIE], SECRET)["sid"]
    async with browser(app) as forger:
        for cookie in (_forged(None), _forged("no-such-session"), _forged(sid, sub=KABAG)):
            forger.cookies.set(COOKIE, cookie)
            r = await _inbox(forger)
            assert (r.status_code, r.headers["location"]) == (303, TO_LOGIN)
        forger.cookies.set(COOKIE, _forged(sid))  # the same session under its own officer
        assert (await _inbox(forger)).status_code == 200


async def test_the_retention_run_deletes_sessions_closed_a_day_ago_and_keeps_live_ones(
    tik: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    now = utcnow()
    rows = {  # name: (expires_at, ended_at)
        "logged out 2 days ago": (now - timedelta(days=1, hours=23), now - timedelta(days=2)),
        "expired 2 days ago": (now - timedelta(days=2), None),
        "logged out an hour ago": (now + timedelta(minutes=10), now - timedelta(hours=1)),
        "expired an hour ago": (now - timedelta(hours=1), None),
    }
    with transaction(sessions) as s:
        for name, (expires, ended) in rows.items():
            s.add(
                WebSession(
                    sid_hash=_sha256(name),
                    username=KABAG,
                    created_at=expires - timedelta(hours=1),
                    expires_at=expires,
                    ended_at=ended,
                )
            )
    acts = RetentionActivities(sessions)
    cutoff = RetensiInput(sebelum=now - timedelta(days=90), hari=90)

    result = ActivityEnvironment().run(acts.hapus_data_kedaluwarsa, cutoff)
    again = ActivityEnvironment().run(acts.hapus_data_kedaluwarsa, cutoff)

    assert (result.sesi, again.sesi) == (2, 0)
    live = read_token(tik.cookies[COOKIE], SECRET)["sid"]
    kept = {row.sid_hash for row in _rows(sessions)}
    assert kept == {_sha256(n) for n in ("logged out an hour ago", "expired an hour ago", live)}
    assert (await _inbox(tik)).status_code == 200  # the live session goes on
