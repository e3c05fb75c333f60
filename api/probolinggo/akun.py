"""View Probolinggo step 10: log in with the registered phone number and password, and read one's
own account.

Failed logins slow down, then lock, by the throttle every login shares (``api/login_throttle.py``,
keyed by the number's HMAC ref and the client address's): from the 3rd failure in a row the number
refuses every login for a while that doubles with each failure (30 s, 60 s), and from the 5th for
15 minutes (the defaults of ``ALUR_LOGIN__SLOW_AFTER`` … ``LOCK_FOR``, which the older names
``ALUR_PROBOLINGGO__SLOW_AFTER`` … still set); a refused login answers 429 with ``Retry-After``
and does not even check the password. A success clears the count. An unknown number is counted,
costs the same time as a wrong password and gets the same answers, so logins do not reveal who has
an account. The account's ``failed_logins`` and ``locked_until`` columns are no longer used.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select, update

from alur.masking import mask_phone
from alur.phones import normalize_mobile
from alur.security import issue_token, verify_password
from api import login_throttle
from api.deps import SessionDep, SettingsDep
from api.errors import NotAuthenticated, responses
from api.principals import WARGA_PROBOLINGGO, TokenRead, warga_probolinggo_subject
from db.base import utcnow
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


@router.post("/login", response_model=TokenRead, responses=responses(401, 422, 429))
def login(
    body: LoginBody, request: Request, session: SessionDep, settings: SettingsDep
) -> TokenRead:
    """Step 10: phone number and password → a token of type ``warga_probolinggo``."""
    wrong = NotAuthenticated("Nomor HP atau kata sandi salah", code="login_gagal")
    try:
        phone = normalize_mobile(body.telepon)
    except ValueError:
        phone = body.telepon.strip()
    # counted (and refused while the number or the address waits) before any lookup, so an
    # unknown number is throttled exactly as a known one and the answers reveal no account
    attempt = login_throttle.admit(
        session,
        settings,
        account_key=login_throttle.probolinggo_key(settings, phone),
        address=login_throttle.client_address(request),
    )
    account = session.scalar(select(ProbolinggoAccount).where(ProbolinggoAccount.phone == phone))
    ok = verify_password(account.password_hash if account else None, body.kata_sandi)
    if account is None or not ok:
        attempt.failed(wrong)
    attempt.succeeded()
    session.execute(
        update(ProbolinggoAccount)
        .where(ProbolinggoAccount.id == account.id)
        .values(last_login_at=utcnow())
    )
    session.commit()
    token, expires = issue_token(
        subject=str(account.id),
        claims={"typ": TOKEN_TYPE},
        secret=settings.jwt_secret.get_secret_value(),
        ttl=timedelta(minutes=settings.jwt_ttl_minutes),
    )
    return TokenRead(access_token=token, expires_at=expires)


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
        nik=account.nik_tersamar,
        status_warga=account.status_warga,
        siak_terverifikasi=account.siak_terverifikasi,
        tanggal_lahir=account.tanggal_lahir,
        dibuat=account.created_at,
    )
