"""The officers' web session on its own (no Temporal needed): a tampered, expired or foreign cookie
and a deactivated account all go back to the login page; a session in its second half is
renewed; the cookie is Secure in production; the login page sends nobody to another site.
(Logout and the server-side session rows: tests/test_web_sessions_server.py.)"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import Response
from pydantic import SecretStr
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from alur.security import issue_token
from alur.seed import seed_officers
from alur.settings import Settings
from api.main import create_app
from api.web.masuk import safe_next
from api.web.session import COOKIE, TYP, sid_hash, start_session
from db.base import utcnow
from db.migrate import upgrade
from db.models import Officer
from db.session import make_engine, make_session_factory, transaction
from db.web_sessions import WebSession
from tests.conftest import TEST_PAYLOAD_KEY

KABAG = "malang.kabag"
SETTINGS = Settings(environment="test", payload_key=SecretStr(TEST_PAYLOAD_KEY))
SECRET = SETTINGS.jwt_secret.get_secret_value()


@pytest.fixture
def officers(tmp_path: Path) -> sessionmaker[Session]:
    url = f"sqlite:///{tmp_path / 'alur.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with transaction(factory) as s:
        seed_officers(s)
    return factory


@pytest.fixture
async def client(officers: sessionmaker[Session]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(SETTINGS, sessions=officers)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


def _session(officers: sessionmaker[Session], ttl: timedelta, *, sub: str = KABAG) -> str:
    """An open session of ``sub`` on the server for ``ttl``: its id."""
    sid = secrets.token_urlsafe(32)
    with transaction(officers) as s:
        s.add(WebSession(sid_hash=sid_hash(sid), username=sub, expires_at=utcnow() + ttl))
    return sid


def _cookie(
    ttl: timedelta, *, sid: str, typ: str = TYP, secret: str = SECRET, sub: str = KABAG
) -> str:
    token, _ = issue_token(
        subject=sub, claims={"typ": typ, "sid": sid, "csrf": "x" * 43}, secret=secret, ttl=ttl
    )
    return token


async def _inbox(client: httpx.AsyncClient, cookie: str) -> httpx.Response:
    client.cookies.set(COOKIE, cookie)
    return await client.get("/petugas/tugas", follow_redirects=False)


async def test_a_valid_session_opens_the_inbox(
    client: httpx.AsyncClient, officers: sessionmaker[Session]
) -> None:
    sid = _session(officers, timedelta(minutes=50))
    r = await _inbox(client, _cookie(timedelta(minutes=50), sid=sid))
    assert r.status_code == 200 and "Kabag Pemerintahan (demo)" in r.text
    assert "set-cookie" not in r.headers  # in its first half: not renewed


BAD_COOKIES: dict[str, Callable[[str], str]] = {
    "expired": lambda sid: _cookie(timedelta(minutes=-1), sid=sid),
    "not ours": lambda sid: _cookie(timedelta(minutes=50), sid=sid, secret="another-secret-" * 4),
    "a bearer token": lambda sid: _cookie(timedelta(minutes=50), sid=sid, typ="officer"),
    "tampered": lambda sid: _cookie(timedelta(minutes=50), sid=sid)[:-3] + "abc",
    "not a token": lambda sid: "not-a-token",
}


@pytest.mark.parametrize("bad", list(BAD_COOKIES))
async def test_a_bad_cookie_goes_to_the_login_page(
    client: httpx.AsyncClient, officers: sessionmaker[Session], bad: str
) -> None:
    """Each cookie names an open session on the server: what refuses it is its own flaw."""
    sid = _session(officers, timedelta(minutes=50))
    r = await _inbox(client, BAD_COOKIES[bad](sid))
    assert r.status_code == 303
    assert r.headers["location"] == "/petugas/masuk?lanjut=/petugas/tugas"


async def test_a_deactivated_officer_is_out_at_once(
    client: httpx.AsyncClient, officers: sessionmaker[Session]
) -> None:
    cookie = _cookie(timedelta(minutes=50), sid=_session(officers, timedelta(minutes=50)))
    assert (await _inbox(client, cookie)).status_code == 200
    with transaction(officers) as s:
        s.execute(update(Officer).where(Officer.username == KABAG).values(active=False))
    assert (await _inbox(client, cookie)).status_code == 303


async def test_a_session_in_its_second_half_is_renewed(
    client: httpx.AsyncClient, officers: sessionmaker[Session]
) -> None:
    sid = _session(officers, timedelta(minutes=10))
    r = await _inbox(client, _cookie(timedelta(minutes=10), sid=sid))
    assert r.status_code == 200
    renewed = r.headers["set-cookie"]
    assert renewed.startswith(f"{COOKIE}=") and "Max-Age=3600" in renewed
    assert "HttpOnly" in renewed and "SameSite=lax" in renewed and "Secure" not in renewed
    # the renewed session keeps its CSRF token: the page's forms still work
    assert re.search(r'name="csrf" value="x{43}"', r.text)


def test_the_cookie_is_secure_in_production(officers: sessionmaker[Session]) -> None:
    response = Response()
    officer = Officer(username=KABAG, role="kabag", agency="malang-bagpem")
    with officers() as s:
        start_session(response, officer, Settings(environment="production"), s)
    assert "Secure" in response.headers["set-cookie"]


@pytest.mark.parametrize(
    ("asked", "goes"),
    [
        ("/petugas/kasus/MLG-1", "/petugas/kasus/MLG-1"),
        ("https://contoh.id/", "/petugas/tugas"),
        ("//contoh.id/petugas", "/petugas/tugas"),
        ("/\\contoh.id", "/petugas/tugas"),
        ("", "/petugas/tugas"),
    ],
)
def test_login_goes_on_to_this_site_only(asked: str, goes: str) -> None:
    assert safe_next(asked) == goes
