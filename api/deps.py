"""The API's dependencies: settings, a database session, the Temporal client, the current officer.

The app keeps what it built at start-up on ``app.state`` (see api/main.py), so tests can hand it
their own database and Temporal client.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.client import Client

from alur.security import read_token
from alur.settings import Settings
from api.errors import NotAuthenticated, Unavailable
from db.models import Officer
from workflows.models import Actor

_bearer = OAuth2PasswordBearer(tokenUrl="/auth/login", auto_error=False)


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """A session per request; routes that write commit it themselves."""
    with request.app.state.sessions() as session:
        yield session


def get_temporal(request: Request) -> Client:
    client: Client | None = request.app.state.temporal
    if client is None:
        raise Unavailable("Layanan alur kerja belum siap, coba lagi sebentar lagi")
    return client


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
TemporalClientDep = Annotated[Client, Depends(get_temporal)]


def get_current_officer(
    session: SessionDep, settings: SettingsDep, token: Annotated[str | None, Depends(_bearer)]
) -> Officer:
    """The officer whose token came with the request; 401 without a valid one."""
    if not token:
        raise NotAuthenticated("Silakan masuk (login) terlebih dahulu")
    try:
        claims = read_token(token, settings.jwt_secret.get_secret_value())
    except jwt.ExpiredSignatureError as err:
        raise NotAuthenticated("Sesi telah berakhir, silakan masuk kembali") from err
    except jwt.InvalidTokenError as err:
        raise NotAuthenticated("Token tidak valid") from err
    if claims.get("typ") != "officer":
        raise NotAuthenticated("Token ini bukan token pejabat")
    officer = session.scalar(select(Officer).where(Officer.username == claims["sub"]))
    if officer is None or not officer.active:
        raise NotAuthenticated("Akun tidak aktif")
    return officer


CurrentOfficer = Annotated[Officer, Depends(get_current_officer)]


def actor_of(officer: Officer) -> Actor:
    """The officer as the workflow sees an actor."""
    return Actor(username=officer.username, role=officer.role, agency=officer.agency)
