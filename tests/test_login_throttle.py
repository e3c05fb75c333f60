"""One brute-force throttle for the three logins (officers' ``/auth/login``, MAGESTY's
``/magelang/login``, View Probolinggo's ``/probolinggo/login``), through the real API: wrong
passwords, then 429 with ``Retry-After``; the right password refused while the account waits;
every failure and lock recorded without the password; parallel guesses checking no more passwords
than sequential ones; a spray over many accounts from one address held by the address's count
(and many citizens' successes behind one address never counted); a second API over the same
database sharing the lock; the mechanism itself on SQLite and PostgreSQL; its settings."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from alur.security import hash_password
from alur.settings import Settings
from api import login_throttle
from api.errors import NotAuthenticated, TooManyRequests
from api.magelang import akun as magelang_akun
from api.main import create_app
from api.probolinggo import akun as probolinggo_akun
from api.routers import auth as officer_auth
from db.base import utcnow
from db.login_throttle import LoginEvent, LoginThrottle
from db.migrate import upgrade
from db.models import Officer
from db.session import make_engine, make_session_factory, transaction
from tests.conftest import TEST_PAYLOAD_KEY, ApiClient, RunningWorkers
from tests.db_backends import database
from tests.probolinggo_helpers import PASSWORD as PROBOLINGGO_PASSWORD
from tests.probolinggo_helpers import RESIDENT
from tests.test_magelang_api import _person, bearer, codes, register
from tests.test_probolinggo_api import _add_account

DEMO_PASSWORD = "alur-demo-2026"
WRONG = "Tebakan-Salah-77"
LIMITS = Settings(_env_file=None).login

Poster = Callable[[httpx.AsyncClient, str, str], Awaitable[httpx.Response]]


# --- the three logins -------------------------------------------------------------------------
async def _officer(http: httpx.AsyncClient, who: str, password: str) -> httpx.Response:
    return await http.post("/auth/login", data={"username": who, "password": password})


async def _magesty(http: httpx.AsyncClient, who: str, password: str) -> httpx.Response:
    return await http.post("/magelang/login", json={"akun": who, "password": password})


async def _probolinggo(http: httpx.AsyncClient, who: str, password: str) -> httpx.Response:
    return await http.post("/probolinggo/login", json={"telepon": who, "kata_sandi": password})


@dataclass
class Login:
    """One login: how to post it, who logs in, their right password, and what a wrong one says."""

    name: str
    post: Poster
    who: str
    password: str
    wrong_code: str
    module: Any
    """The route's module, whose ``verify_password`` the parallel test counts."""
    personal: tuple[str, ...] = ()
    """What must not be in the throttle's tables (emails, numbers)."""


async def _activated_magesty(api: ApiClient) -> dict[str, str]:
    person = _person()
    reg = await register(api, person)
    [kode] = await codes(api, reg["akun_id"])
    r = await api.http.post(
        "/magelang/akun/aktivasi", json={"kode": kode}, headers=bearer(reg["token_pendaftaran"])
    )
    assert r.status_code == 200, r.text
    return person


async def _login_of(
    name: str, api: ApiClient, sessions: sessionmaker[Session], officers: list[str]
) -> Login:
    if name == "petugas":
        return Login(name, _officer, officers[0], DEMO_PASSWORD, "bad_credentials", officer_auth)
    if name == "magesty":
        person = await _activated_magesty(api)
        return Login(
            name,
            _magesty,
            person["email"],
            person["password"],
            "bad_credentials",
            magelang_akun,
            personal=(person["email"], person["whatsapp"]),
        )
    _add_account(sessions)
    return Login(
        name,
        _probolinggo,
        RESIDENT.phone,
        PROBOLINGGO_PASSWORD,
        "login_gagal",
        probolinggo_akun,
        personal=(RESIDENT.phone, RESIDENT.phone[3:]),
    )


LOGINS = ["petugas", "magesty", "probolinggo"]


def _events(sessions: sessionmaker[Session]) -> list[LoginEvent]:
    with sessions() as s:
        return list(s.scalars(select(LoginEvent).order_by(LoginEvent.id)))


def _stored_text(sessions: sessionmaker[Session]) -> str:
    """Every value of both tables, as text."""
    with sessions() as s:
        rows: list[Any] = [*s.scalars(select(LoginEvent)), *s.scalars(select(LoginThrottle))]
    return " ".join(str(vars(r)) for r in rows)


def _wait_out(sessions: sessionmaker[Session]) -> None:
    """The waits pass (the throttle's clock is the API's wall clock)."""
    with transaction(sessions) as s:
        s.execute(update(LoginThrottle).values(locked_until=None))


def _staff(sessions: sessionmaker[Session], n: int) -> list[str]:
    """``n`` more officers (password ``alur-demo-2026``): the users behind one shared address."""
    hashed = hash_password(DEMO_PASSWORD)
    names = [f"malang.staf{i}" for i in range(n)]
    with transaction(sessions) as s:
        for name in names:
            s.add(
                Officer(
                    username=name,
                    full_name="Staf (uji)",
                    password_hash=hashed,
                    agency="malang",
                    unit="Bagian Umum",
                    role="pelaksana",
                )
            )
    return names


def _forget(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        s.execute(delete(LoginThrottle))
        s.execute(delete(LoginEvent))


@asynccontextmanager
async def _client_at(
    workers: RunningWorkers, sessions: sessionmaker[Session], host: str, **settings: Any
) -> AsyncIterator[httpx.AsyncClient]:
    """Another API instance over the same database (a second replica), its requests coming
    from ``host``."""
    app = create_app(
        Settings(
            environment="test",
            task_queue=workers.task_queue,
            payload_key=TEST_PAYLOAD_KEY,
            public_base_url="http://testserver",
            **settings,
        ),
        sessions=sessions,
        temporal=workers.client,
    )
    transport = httpx.ASGITransport(app=app, client=(host, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


# --- one account: waits, lock, the right password refused, events -----------------------------
@pytest.mark.parametrize("name", LOGINS)
async def test_wrong_passwords_make_the_account_wait_and_the_right_one_waits_too(
    api: ApiClient, sessions: sessionmaker[Session], demo_officers: list[str], name: str
) -> None:
    login = await _login_of(name, api, sessions, demo_officers)
    for _ in range(LIMITS.slow_after - 1):
        r = await login.post(api.http, login.who, WRONG)
        assert (r.status_code, r.json()["error"]["code"]) == (401, login.wrong_code), r.text
    r = await login.post(api.http, login.who, WRONG)
    assert r.status_code == 429 and r.headers["Retry-After"] == "30", r.text
    error = r.json()["error"]
    assert (error["code"], error["detail"]) == ("akun_terkunci", {"tunggu_detik": 30})
    assert error["message"].endswith(
        "salah. Terlalu banyak percobaan masuk; coba lagi dalam 30 detik"
    )
    # as in the security issue: many more wrong passwords at once, then the right one
    for _ in range(27):
        assert (await login.post(api.http, login.who, WRONG)).status_code == 429
    r = await login.post(api.http, login.who, login.password)
    assert r.status_code == 429 and r.json()["error"]["code"] == "akun_terkunci", r.text
    assert 1 <= int(r.headers["Retry-After"]) <= 30
    assert r.json()["error"]["detail"]["tunggu_detik"] == int(r.headers["Retry-After"])
    assert "coba lagi dalam" in r.json()["error"]["message"]

    _wait_out(sessions)
    r = await login.post(api.http, login.who, WRONG)
    assert r.status_code == 429 and r.headers["Retry-After"] == "60"
    _wait_out(sessions)
    r = await login.post(api.http, login.who, WRONG)
    assert r.status_code == 429 and r.headers["Retry-After"] == str(15 * 60)
    r = await login.post(api.http, login.who, login.password)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 15 * 60 - 10

    events = _events(sessions)
    account = {e.key for e in events if e.event == "gagal"}
    assert len(account) == 1
    [key] = account
    assert [e.event for e in events if e.key == key] == [
        "gagal",
        "gagal",
        "gagal",
        "terkunci",
        *["ditolak_saat_terkunci"] * 28,
        "gagal",
        "terkunci",
        "gagal",
        "terkunci",
        "ditolak_saat_terkunci",
    ]
    assert key.startswith(f"{name}:")
    assert len({e.address_ref for e in events}) == 1
    locks = [e for e in events if e.event == "terkunci"]
    assert [round((e.locked_until - e.at).total_seconds()) for e in locks if e.locked_until] == [
        30,
        60,
        15 * 60,
    ]
    stored = _stored_text(sessions)
    assert WRONG not in stored and login.password not in stored
    assert "127.0.0.1" not in stored
    for value in login.personal:
        assert value not in stored
    if name == "petugas":
        assert key == f"petugas:{login.who}"  # an officer's username may stay readable

    _wait_out(sessions)
    r = await login.post(api.http, login.who, login.password)
    assert r.status_code == 200, r.text
    with sessions() as s:
        row = s.get(LoginThrottle, key)
    assert row is not None and (row.failures, row.locked_until) == (0, None)
    r = await login.post(api.http, login.who, WRONG)
    assert r.status_code == 401, "a success clears the count: two typos are free again"


async def test_a_second_api_replica_sees_the_same_lock(
    api: ApiClient,
    workers: RunningWorkers,
    sessions: sessionmaker[Session],
    demo_officers: list[str],
) -> None:
    who = demo_officers[0]
    for _ in range(LIMITS.slow_after):
        await _officer(api.http, who, WRONG)
    async with _client_at(workers, sessions, "127.0.0.1") as replica:
        r = await _officer(replica, who, DEMO_PASSWORD)
    assert r.status_code == 429 and r.json()["error"]["code"] == "akun_terkunci"


# --- parallel guesses -------------------------------------------------------------------------
@pytest.mark.parametrize("name", LOGINS)
async def test_forty_parallel_wrong_passwords_check_at_most_slow_after_passwords(
    api: ApiClient,
    sessions: sessionmaker[Session],
    demo_officers: list[str],
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    login = await _login_of(name, api, sessions, demo_officers)
    checked: list[str] = []
    verify = login.module.verify_password

    def counting(hashed: str | None, password: str) -> bool:
        checked.append(password)
        return bool(verify(hashed, password))

    monkeypatch.setattr(login.module, "verify_password", counting)
    for run in range(5):
        _forget(sessions)
        checked.clear()
        codes = [
            r.status_code
            for r in await asyncio.gather(
                *[login.post(api.http, login.who, f"{WRONG}-{run}-{i}") for i in range(40)]
            )
        ]
        assert len(checked) <= LIMITS.slow_after, (run, checked)
        assert set(codes) <= {401, 429} and codes.count(401) <= LIMITS.slow_after - 1, codes
        events = _events(sessions)
        assert sum(e.event == "gagal" for e in events) == len(checked)
        assert sum(e.event == "ditolak_saat_terkunci" for e in events) == 40 - len(checked)
        r = await login.post(api.http, login.who, login.password)
        assert r.status_code == 429, (run, r.text)


# --- one address, many accounts ---------------------------------------------------------------
async def test_a_spray_over_many_accounts_from_one_address_makes_the_address_wait(
    api: ApiClient,
    workers: RunningWorkers,
    sessions: sessionmaker[Session],
    demo_officers: list[str],
) -> None:
    _add_account(sessions)
    staff = _staff(sessions, 12)
    spray: list[tuple[Poster, str]] = [
        *[(_officer, f"tebakan.{i}") for i in range(10)],
        *[(_officer, who) for who in staff[:10]],
        *[(_magesty, f"orang{i}@contoh.id") for i in range(5)],
        *[(_probolinggo, f"+6281299900{i:03d}") for i in range(5)],
    ]
    assert len(spray) == LIMITS.alamat_slow_after
    async with _client_at(workers, sessions, "10.20.30.40") as sprayer:
        answers = [await post(sprayer, who, WRONG) for post, who in spray]
        assert [r.status_code for r in answers[:-1]] == [401] * (len(spray) - 1)
        r = answers[-1]
        assert r.status_code == 429 and r.headers["Retry-After"] == "30", r.text
        assert r.json()["error"]["code"] == "alamat_terkunci"
        assert "dari jaringan ini" in r.json()["error"]["message"]
        # every account is refused from this address now, a right password too
        r = await _officer(sprayer, staff[11], DEMO_PASSWORD)
        assert r.status_code == 429 and r.json()["error"]["code"] == "alamat_terkunci"
        r = await _probolinggo(sprayer, RESIDENT.phone, PROBOLINGGO_PASSWORD)
        assert r.status_code == 429 and r.json()["error"]["code"] == "alamat_terkunci"
    # the accounts themselves are not locked: from elsewhere they log in
    async with _client_at(workers, sessions, "10.99.0.1") as elsewhere:
        r = await _officer(elsewhere, staff[11], DEMO_PASSWORD)
        assert r.status_code == 200, r.text
        r = await _probolinggo(elsewhere, RESIDENT.phone, PROBOLINGGO_PASSWORD)
        assert r.status_code == 200, r.text
    events = _events(sessions)
    address_keys = {e.key for e in events if e.key.startswith("alamat:")}
    assert len(address_keys) == 1 and "10.20.30.40" not in _stored_text(sessions)
    assert [e.event for e in events if e.key in address_keys] == [
        "terkunci",
        "ditolak_saat_terkunci",
        "ditolak_saat_terkunci",
    ]


async def test_many_citizens_behind_one_address_are_not_counted_for_their_successes(
    api: ApiClient,
    workers: RunningWorkers,
    sessions: sessionmaker[Session],
    demo_officers: list[str],
) -> None:
    """Carrier-grade NAT: one public address, many people. Successes do not count; a typo each
    (well under the address's threshold) does not make the address wait."""
    staff = _staff(sessions, LIMITS.alamat_slow_after + 10)
    async with _client_at(workers, sessions, "100.64.0.7") as shared:
        for who in staff:
            assert (await _officer(shared, who, DEMO_PASSWORD)).status_code == 200
        for who in staff[: LIMITS.alamat_slow_after - 1]:
            assert (await _officer(shared, who, WRONG)).status_code == 401
            assert (await _officer(shared, who, DEMO_PASSWORD)).status_code == 200


# --- the mechanism on both databases ----------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def backend_sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[sessionmaker[Session]]:
    with database(request.param, tmp_path) as url:
        upgrade(url)
        engine = (
            make_engine(url, pool_size=20, max_overflow=20)
            if "postgresql" in url
            else make_engine(url)
        )
        try:
            yield make_session_factory(engine)
        finally:
            engine.dispose()


SETTINGS = Settings(_env_file=None, environment="test")
WRONG_ERROR = NotAuthenticated("Nama pengguna atau kata sandi salah", code="bad_credentials")


def _try(sessions: sessionmaker[Session], key: str, address: str, right: bool) -> str:
    """One login through the mechanism, its check taking as long as argon2 does."""
    with sessions() as s:
        try:
            attempt = login_throttle.admit(s, SETTINGS, account_key=key, address=address)
        except TooManyRequests:
            return "refused"
        time.sleep(0.05)
        if right:
            attempt.succeeded()
            return "ok"
        try:
            attempt.failed(WRONG_ERROR)
        except TooManyRequests:
            return "checked, wait"
        except NotAuthenticated:
            return "checked"
    raise AssertionError("unreachable")


def test_parallel_attempts_on_both_databases_check_no_more_than_sequential_ones(
    backend_sessions: sessionmaker[Session],
) -> None:
    for run in range(5):
        key = f"petugas:paralel.{run}"
        start = threading.Barrier(30)

        results: list[str] = []

        def one(
            address: str, key: str = key, start: threading.Barrier = start, out: list[str] = results
        ) -> None:
            start.wait()
            out.append(_try(backend_sessions, key, address, right=False))

        threads = [threading.Thread(target=one, args=(f"10.0.{run}.{i}",)) for i in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        checked = [r for r in results if r.startswith("checked")]
        assert 1 <= len(checked) <= LIMITS.slow_after, results
        assert results.count("refused") == 30 - len(checked)
        assert _try(backend_sessions, key, "10.1.1.1", right=True) == "refused"
        with backend_sessions() as s:
            events = s.scalars(select(LoginEvent).where(LoginEvent.key == key)).all()
        assert sum(e.event == "gagal" for e in events) == len(checked)


def test_the_count_the_lock_and_the_address_window_on_both_databases(
    backend_sessions: sessionmaker[Session],
) -> None:
    key = "petugas:berurutan"
    got = [_try(backend_sessions, key, "10.2.0.1", right=False) for _ in range(LIMITS.slow_after)]
    assert got == ["checked"] * (LIMITS.slow_after - 1) + ["checked, wait"]
    assert _try(backend_sessions, key, "10.2.0.1", right=True) == "refused"
    with transaction(backend_sessions) as s:
        s.execute(update(LoginThrottle).values(locked_until=None))
    assert _try(backend_sessions, key, "10.2.0.1", right=True) == "ok"
    with backend_sessions() as s:
        row = s.get(LoginThrottle, key)
        assert row is not None and row.failures == 0
    # an address: failures of different accounts add up, within the window
    address = "10.3.0.1"
    for i in range(LIMITS.alamat_slow_after - 1):
        assert _try(backend_sessions, f"petugas:orang.{i}", address, right=False) == "checked"
    with transaction(backend_sessions) as s:  # the window passes: the address starts again
        s.execute(
            update(LoginThrottle)
            .where(LoginThrottle.key.like("alamat:%"))
            .values(since=utcnow() - LIMITS.alamat_window - timedelta(seconds=1))
        )
    assert _try(backend_sessions, "petugas:orang.x", address, right=False) == "checked"
    with backend_sessions() as s:
        [row] = s.scalars(
            select(LoginThrottle).where(
                LoginThrottle.key == f"alamat:{login_throttle.ref(SETTINGS, 'client', address)}"
            )
        )
        assert row.failures == 1


# --- settings ---------------------------------------------------------------------------------
def test_the_limits_are_one_shared_group_and_the_old_names_still_set_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    default = Settings(_env_file=None)
    assert (default.login.slow_after, default.login.lock_after) == (3, 5)
    assert (default.login.slow_base, default.login.lock_for) == (
        timedelta(seconds=30),
        timedelta(minutes=15),
    )
    assert (default.login.alamat_slow_after, default.login.alamat_lock_after) == (30, 35)
    monkeypatch.setenv("ALUR_PROBOLINGGO__SLOW_AFTER", "2")
    monkeypatch.setenv("ALUR_LOGIN__LOCK_FOR", "PT30M")
    s = Settings(_env_file=None)
    assert (s.login.slow_after, s.login.lock_for) == (2, timedelta(minutes=30))
    assert (s.probolinggo.slow_after, s.probolinggo.lock_for) == (2, timedelta(minutes=30))
    monkeypatch.setenv("ALUR_LOGIN__SLOW_AFTER", "4")
    s = Settings(_env_file=None)
    assert s.login.slow_after == s.probolinggo.slow_after == 4
    monkeypatch.setenv("ALUR_LOGIN__ALAMAT_SLOW_AFTER", "50")
    with pytest.raises(ValueError, match="alamat_slow_after .50. must not be greater"):
        Settings(_env_file=None)
