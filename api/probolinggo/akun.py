"""View Probolinggo step 10: log in with the registered phone number and password, and read one's
own account.

Failed logins slow down, then lock: from the 3rd failure in a row the account refuses every login
for a while that doubles with each failure (30 s, 60 s), and from the 5th for 15 minutes (these
are the defaults of the settings ``ALUR_PROBOLINGGO__SLOW_AFTER``, ``SLOW_BASE``, ``LOCK_AFTER``,
``LOCK_FOR``; ``BUSY_WAIT`` is what a login waits while another is checked); a refused
login answers 429 with ``Retry-After`` and does not even check the password, so guessing gets at
most a handful of tries per quarter hour. A success clears the count. An unknown number costs the
same time as a wrong password and gets the same answer, so logins do not reveal who has an account.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta
from typing import Annotated, NoReturn

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field
from sqlalchemy import case, literal, or_, select, update
from sqlalchemy.orm import Session

from alur.masking import mask_nik, mask_phone
from alur.phones import normalize_mobile
from alur.security import issue_token, verify_password
from alur.settings_probolinggo import ProbolinggoSettings
from api.deps import SessionDep, SettingsDep
from api.errors import NotAuthenticated, TooManyRequests, responses
from api.principals import WARGA_PROBOLINGGO, TokenRead, warga_probolinggo_subject
from db.base import UTCDateTime, utcnow
from db.probolinggo.models import ProbolinggoAccount

router = APIRouter()

TOKEN_TYPE = WARGA_PROBOLINGGO.typ
"""The ``typ`` claim of a citizen's token: officers' routes refuse it, these refuse officers'."""


class LoginBody(BaseModel):
    """The registered phone number and password."""

    telepon: str = Field(max_length=30)
    kata_sandi: str = Field(min_length=1, max_length=256)


class AkunRead(BaseModel):
    """One's own account, NIK and number masked as everywhere else."""

    nama: str
    telepon: str
    nik: str
    status_warga: str
    siak_terverifikasi: bool
    tanggal_lahir: date
    dibuat: datetime


def lock_for(failures: int, limits: ProbolinggoSettings) -> timedelta | None:
    """How long an account waits after ``failures`` failed logins in a row."""
    if failures >= limits.lock_after:
        return limits.lock_for
    if failures >= limits.slow_after:
        return limits.slow_base * int(2 ** (failures - limits.slow_after))
    return None


@router.post("/login", response_model=TokenRead, responses=responses(401, 422, 429))
def login(body: LoginBody, session: SessionDep, settings: SettingsDep) -> TokenRead:
    """Step 10: phone number and password → a token of type ``warga_probolinggo``."""
    wrong = NotAuthenticated("Nomor HP atau kata sandi salah", code="login_gagal")
    try:
        phone = normalize_mobile(body.telepon)
    except ValueError:
        verify_password(None, body.kata_sandi)
        raise wrong from None
    account = session.scalar(select(ProbolinggoAccount).where(ProbolinggoAccount.phone == phone))
    now = utcnow()
    if account is None:
        verify_password(None, body.kata_sandi)
        raise wrong
    if account.locked_until is not None and account.locked_until > now:
        _locked(account.locked_until - now)
    limits = settings.probolinggo
    counted = ProbolinggoAccount.failed_logins + 1
    # One conditional statement counts the attempt and, from ``slow_after`` on, locks the account
    # while this password is checked; an attempt whose statement changed no row was refused by a
    # lock (set by a parallel attempt) and checks no password. Below ``slow_after`` at most that
    # many attempts run together, so parallel guesses get no more tries than sequential ones.
    failures = session.execute(
        update(ProbolinggoAccount)
        .where(
            ProbolinggoAccount.id == account.id,
            or_(ProbolinggoAccount.locked_until.is_(None), ProbolinggoAccount.locked_until <= now),
        )
        .values(
            failed_logins=counted,
            locked_until=case(
                (counted >= limits.slow_after, literal(now + limits.busy_wait, UTCDateTime())),
                else_=ProbolinggoAccount.locked_until,
            ),
        )
        .returning(ProbolinggoAccount.failed_logins)
    ).scalar_one_or_none()
    session.commit()
    if failures is None:
        _locked(limits.busy_wait)
    if not verify_password(account.password_hash, body.kata_sandi):
        wait = lock_for(failures, limits)
        if wait is not None:
            _lock(session, account.id, utcnow(), wait, failed=True)
        raise wrong
    session.execute(
        update(ProbolinggoAccount)
        .where(ProbolinggoAccount.id == account.id)
        .values(failed_logins=0, locked_until=None, last_login_at=now)
    )
    session.commit()
    token, expires = issue_token(
        subject=str(account.id),
        claims={"typ": TOKEN_TYPE},
        secret=settings.jwt_secret.get_secret_value(),
        ttl=timedelta(minutes=settings.jwt_ttl_minutes),
    )
    return TokenRead(access_token=token, expires_at=expires)


def _lock(
    session: Session, account_id: int, now: datetime, wait: timedelta, *, failed: bool = False
) -> NoReturn:
    session.execute(
        update(ProbolinggoAccount)
        .where(ProbolinggoAccount.id == account_id)
        .values(locked_until=now + wait)
    )
    session.commit()
    _locked(wait, failed=failed)


def _locked(wait: timedelta, *, failed: bool = False) -> NoReturn:
    seconds = max(1, math.ceil(wait.total_seconds()))
    prefix = "Nomor HP atau kata sandi salah. " if failed else ""
    raise TooManyRequests(
        f"{prefix}Terlalu banyak percobaan masuk; coba lagi dalam {seconds} detik",
        code="akun_terkunci",
        retry_after=seconds,
    )


def current_citizen(
    session: SessionDep, account_id: Annotated[int, Depends(warga_probolinggo_subject)]
) -> ProbolinggoAccount:
    """The account whose ``warga_probolinggo`` token came with the request; 401 otherwise."""
    account = session.get(ProbolinggoAccount, account_id)
    if account is None:
        raise NotAuthenticated("Akun tidak ditemukan")
    return account


CurrentWargaProbolinggo = Annotated[ProbolinggoAccount, Depends(current_citizen)]


@router.get("/akun", response_model=AkunRead, responses=responses(401))
def my_account(account: CurrentWargaProbolinggo) -> AkunRead:
    """The logged-in citizen's own account."""
    return AkunRead(
        nama=account.nama,
        telepon=mask_phone(account.phone),
        nik=mask_nik(account.nik),
        status_warga=account.status_warga,
        siak_terverifikasi=account.siak_terverifikasi,
        tanggal_lahir=account.tanggal_lahir,
        dibuat=account.created_at,
    )
