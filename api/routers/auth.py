"""Officer login: username and password (argon2) for a bearer token (JWT) naming role and agency.

Throttled as every login is (``api/login_throttle.py``, key ``petugas:<username>`` and the client
address's): from the 3rd failure in a row the username waits, from the 5th it is locked for 15
minutes (429 with ``Retry-After``), the right password included."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy import select

from alur.security import issue_token, verify_password
from api import login_throttle
from api.deps import CurrentOfficer, SessionDep, SettingsDep
from api.errors import NotAuthenticated, responses
from api.principals import TokenRead
from db.models import Officer

router = APIRouter(prefix="/auth", tags=["auth"])


class OfficerRead(BaseModel):
    """Who is logged in."""

    username: str
    full_name: str
    agency: str
    unit: str
    role: str


@router.post("/login", response_model=TokenRead, responses=responses(401, 422, 429))
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> TokenRead:
    """Log in as an officer (form fields ``username`` and ``password``); 429 while the username
    or the client address waits after failed logins."""
    attempt = login_throttle.admit(
        session,
        settings,
        account_key=login_throttle.officer_key(settings, form.username),
        address=login_throttle.client_address(request),
    )
    officer = session.scalar(select(Officer).where(Officer.username == form.username))
    ok = verify_password(officer.password_hash if officer else None, form.password)
    if officer is None or not ok or not officer.active:
        attempt.failed(
            NotAuthenticated("Nama pengguna atau kata sandi salah", code="bad_credentials")
        )
    attempt.succeeded()
    token, expires = issue_token(
        subject=officer.username,
        claims={"typ": "officer", "role": officer.role, "agency": officer.agency},
        secret=settings.jwt_secret.get_secret_value(),
        ttl=timedelta(minutes=settings.jwt_ttl_minutes),
    )
    return TokenRead(access_token=token, expires_at=expires)


@router.get("/me", response_model=OfficerRead, responses=responses(401))
def me(officer: CurrentOfficer) -> OfficerRead:
    """The logged-in officer."""
    return OfficerRead.model_validate(officer, from_attributes=True)
