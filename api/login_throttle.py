"""One brute-force throttle for every login: officers' (``/auth/login``), MAGESTY citizens'
(``/magelang/login``) and View Probolinggo citizens' (``/probolinggo/login``).

Each attempt is counted against two keys in the database (so every API replica shares them): the
account's (``petugas:<username>``, ``magesty:<ref>``, ``probolinggo:<ref>``) and the client
address's (``alamat:<ref>``), the refs being HMACs keyed by ``ALUR_PERSONAL_REF_KEY``, never the
email, number or address in clear. The limits are ``Settings.login`` (``ALUR_LOGIN__<FIELD>``):

- an account: from ``slow_after`` (3) failures in a row each attempt must wait, 30 s doubling
  (``slow_base``), and from ``lock_after`` (5) the account is locked for ``lock_for`` (15 min); a
  success clears its count;
- an address: the same from ``alamat_slow_after`` (30) and ``alamat_lock_after`` (35) failures of
  any accounts within ``alamat_window`` (15 min), against a spray of passwords over many
  accounts; the threshold is high because many citizens share one address behind a carrier's NAT.
  A success neither counts nor clears the address's count.

While a key waits, every login of it answers 429 (``Retry-After``, ``detail.tunggu_detik``)
without checking the password, the right one included. An attempt is counted before its password
is checked, by one conditional ``UPDATE … WHERE locked_until IS NULL OR locked_until <= now …
RETURNING`` per key, which from the threshold on also locks the key for ``busy_wait`` while this
password is checked: an attempt whose statement changed no row was refused by a wait (another
attempt's) and checks no password, so parallel guesses get no more checks than sequential ones.

Every failure (``gagal``), wait or lock (``terkunci``) and refusal during one
(``ditolak_saat_terkunci``) is a row of ``login_events``: the key, the time, the address's ref;
never the password tried.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NoReturn

from fastapi import Request
from sqlalchemy import ColumnElement, case, literal, null, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alur.settings import LoginSettings, Settings
from api.errors import AlurError, TooManyRequests
from db.base import UTCDateTime, utcnow
from db.login_throttle import LoginEvent, LoginThrottle

REF_KEY_CONTEXT = b"alur/login/ref-key/v1"
"""Domain separator: the refs of the throttle's keys are unrelated to the other HMAC refs made
from the same ``ALUR_PERSONAL_REF_KEY`` (View Probolinggo's, MAGESTY's)."""

GAGAL, TERKUNCI, DITOLAK = "gagal", "terkunci", "ditolak_saat_terkunci"
"""The events of ``login_events``."""

_MAX_NAME = 100
"""An officer's username longer than this (no real one is) is keyed by its ref, to fit the key."""


def ref(settings: Settings, kind: str, value: str) -> str:
    """The HMAC (hex) of a personal value: an email, a phone number, a client address."""
    key = hmac.new(
        settings.personal_ref_key.get_secret_value().encode(), REF_KEY_CONTEXT, hashlib.sha256
    ).digest()
    return hmac.new(key, f"{kind}|{value}".encode(), hashlib.sha256).hexdigest()


def officer_key(settings: Settings, username: str) -> str:
    """An officer's key: the username itself (an officer's, not a citizen's personal data)."""
    if len(username) > _MAX_NAME:
        return f"petugas:#{ref(settings, 'petugas', username)}"
    return f"petugas:{username}"


def magesty_key(settings: Settings, who: str) -> str:
    """A MAGESTY account's key: the ref of the email or WhatsApp number it logs in with."""
    return f"magesty:{ref(settings, 'magesty', who)}"


def probolinggo_key(settings: Settings, phone: str) -> str:
    """A View Probolinggo account's key: the ref of its phone number (E.164)."""
    return f"probolinggo:{ref(settings, 'phone', phone)}"


def client_address(request: Request) -> str:
    """The client's address as the server saw it (as ``api.probolinggo.langkah.address``: behind
    a proxy run uvicorn with ``--proxy-headers`` so this is the citizen's, not the proxy's)."""
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class _Rule:
    """When one key waits: ``slow_after``/``lock_after`` failures, counted within ``window``
    (an address's) or in a row until a success (an account's)."""

    slow_after: int
    lock_after: int
    window: timedelta | None
    what: str
    """``akun`` or ``alamat``: which the 429 names."""

    def wait(self, failures: int, limits: LoginSettings) -> timedelta | None:
        if failures >= self.lock_after:
            return limits.lock_for
        if failures >= self.slow_after:
            doubled: timedelta = limits.slow_base * 2 ** (failures - self.slow_after)
            return min(doubled, limits.lock_for)
        return None


def _rules(limits: LoginSettings) -> tuple[_Rule, _Rule]:
    account = _Rule(limits.slow_after, limits.lock_after, None, "akun")
    address = _Rule(
        limits.alamat_slow_after, limits.alamat_lock_after, limits.alamat_window, "alamat"
    )
    return account, address


def _seconds(wait: timedelta) -> int:
    return max(1, math.ceil(wait.total_seconds()))


def _too_many(rule: _Rule, wait: timedelta, prefix: str = "") -> TooManyRequests:
    seconds = _seconds(wait)
    if rule.what == "akun":
        message, code = "Terlalu banyak percobaan masuk", "akun_terkunci"
    else:
        message, code = "Terlalu banyak percobaan masuk dari jaringan ini", "alamat_terkunci"
    return TooManyRequests(
        f"{prefix}{message}; coba lagi dalam {seconds} detik", code=code, retry_after=seconds
    )


def _ensure_rows(session: Session, keys: list[str], now: datetime) -> None:
    """A row for each key (a new key starts at 0 failures); parallel first attempts add one."""
    rows = [{"key": k, "failures": 0, "updated_at": now} for k in keys]
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(postgresql.insert(LoginThrottle).values(rows).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(LoginThrottle).values(rows).on_conflict_do_nothing())
    else:  # pragma: no cover - Alur runs on SQLite and PostgreSQL
        for row in rows:
            if session.get(LoginThrottle, row["key"]) is None:
                try:
                    with session.begin_nested():
                        session.add(LoginThrottle(**row))
                except IntegrityError:
                    pass
    session.commit()


def _count(
    session: Session, key: str, rule: _Rule, now: datetime, limits: LoginSettings
) -> int | None:
    """Count one attempt of ``key`` unless it waits; the new count, or None when it waits."""
    t = LoginThrottle
    at_now = literal(now, UTCDateTime())
    fresh: ColumnElement[bool]
    counted: ColumnElement[int]
    if rule.window is None:
        fresh = t.since.is_(None)
        counted = t.failures + 1
    else:
        fresh = or_(t.since.is_(None), t.since <= literal(now - rule.window, UTCDateTime()))
        counted = case((fresh, 1), else_=t.failures + 1)
    return session.execute(
        update(t)
        .where(t.key == key, or_(t.locked_until.is_(None), t.locked_until <= at_now))
        .values(
            failures=counted,
            since=case((fresh, at_now), else_=t.since),
            locked_until=case(
                (counted >= rule.slow_after, literal(now + limits.busy_wait, UTCDateTime())),
                else_=t.locked_until,
            ),
            updated_at=at_now,
        )
        .returning(t.failures)
    ).scalar_one_or_none()


def _event(
    session: Session, key: str, event: str, address_ref: str, at: datetime, until: datetime | None
) -> None:
    session.add(
        LoginEvent(key=key, event=event, address_ref=address_ref, at=at, locked_until=until)
    )


@dataclass
class Attempt:
    """A login admitted to check its password: tell it how the check went."""

    session: Session
    limits: LoginSettings
    account_key: str
    address_key: str
    address_ref: str
    counted: list[tuple[str, _Rule, int]]
    """Each key with its rule and its count, this attempt included."""
    started: datetime

    def failed(self, wrong: AlurError) -> NoReturn:
        """The password was wrong (or the account unknown): ``wrong`` (401), or 429 when this
        failure makes the account or the address wait."""
        now = utcnow()
        _event(self.session, self.account_key, GAGAL, self.address_ref, now, None)
        waits: list[tuple[_Rule, timedelta]] = []
        for key, rule, failures in self.counted:
            wait = rule.wait(failures, self.limits)
            if wait is None:
                continue
            self.session.execute(
                update(LoginThrottle)
                .where(LoginThrottle.key == key)
                .values(locked_until=now + wait, updated_at=now)
            )
            _event(self.session, key, TERKUNCI, self.address_ref, now, now + wait)
            waits.append((rule, wait))
        self.session.commit()
        if not waits:
            raise wrong
        # the account's wait is named when it has one (the owner's concern); the longest applies
        rule = waits[0][0]
        raise _too_many(rule, max(w for _, w in waits), prefix=f"{wrong.message}. ")

    def succeeded(self) -> None:
        """The password was right: the account's count is cleared; the address's attempt is
        uncounted (and its wait while this was checked lifted)."""
        t = LoginThrottle
        now = utcnow()
        self.session.execute(
            update(t)
            .where(t.key == self.account_key)
            .values(failures=0, since=None, locked_until=None, updated_at=now)
        )
        busy_until = literal(self.started + self.limits.busy_wait, UTCDateTime())
        self.session.execute(
            update(t)
            .where(t.key == self.address_key)
            .values(
                failures=case((t.failures > 0, t.failures - 1), else_=0),
                locked_until=case((t.locked_until <= busy_until, null()), else_=t.locked_until),
                updated_at=now,
            )
        )
        self.session.commit()


def admit(session: Session, settings: Settings, *, account_key: str, address: str) -> Attempt:
    """Count a login of ``account_key`` from ``address`` before its password is checked; 429
    (recorded as ``ditolak_saat_terkunci``) when the account or the address waits."""
    limits = settings.login
    account_rule, address_rule = _rules(limits)
    address_ref = ref(settings, "client", address)
    address_key = f"alamat:{address_ref}"
    now = utcnow()
    _ensure_rows(session, [account_key, address_key], now)
    counted: list[tuple[str, _Rule, int]] = []
    # the account first, then the address, in one transaction: every attempt takes the rows in
    # that order (no deadlock), and a refusal by the second rolls back the first's count
    for key, rule in ((account_key, account_rule), (address_key, address_rule)):
        failures = _count(session, key, rule, now, limits)
        if failures is None:
            session.rollback()
            until = session.scalar(
                select(LoginThrottle.locked_until).where(LoginThrottle.key == key)
            )
            _event(session, key, DITOLAK, address_ref, now, until)
            session.commit()
            left = until - now if until is not None and until > now else limits.busy_wait
            raise _too_many(rule, left)
        counted.append((key, rule, failures))
    session.commit()
    return Attempt(session, limits, account_key, address_key, address_ref, counted, now)
