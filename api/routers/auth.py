"""Officer login: username and password (argon2) for a bearer token (JWT) naming role and agency."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import BaseModel
from sqlalchemy import select

from alur.security import issue_token, verify_password
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


@router.post("/login", response_model=TokenRead, responses=responses(401, 422))
def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    settings: SettingsDep,
) -> TokenRead:
    """Log in as an officer (form fields ``username`` and ``password``)."""
    officer = session.scalar(select(Officer).where(Officer.username == form.username))
    ok = verify_password(officer.password_hash if officer else None, form.password)
    if officer is None or not ok or not officer.active:
        raise NotAuthenticated("Nama pengguna atau kata sandi salah", code="bad_credentials")
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
