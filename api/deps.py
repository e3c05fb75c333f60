"""The API's dependencies: settings, a database session, the Temporal client, the current officer.

The app keeps what it built at start-up on ``app.state`` (see api/main.py), so tests can hand it
their own database and Temporal client.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Annotated, Concatenate, ParamSpec, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from alur.settings import Settings
from api.errors import NotAuthenticated, Unavailable
from api.principals import officer_subject
from db.models import Officer
from workflows.case.models import Actor


def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


P = ParamSpec("P")
T = TypeVar("T")


def get_session(request: Request) -> Iterator[Session]:
    """A session per request, for plain ``def`` routes (FastAPI runs them in its thread pool);
    routes that write commit it themselves."""
    with request.app.state.sessions() as session:
        yield session


def get_sessions(request: Request) -> sessionmaker[Session]:
    """The session factory, for ``async`` routes that also wait on Temporal: they run their
    database work through ``run_db`` so no connection is held (and no event loop blocked) while
    a workflow answers."""
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


async def run_db(
    sessions: sessionmaker[Session],
    fn: Callable[Concatenate[Session, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """Run ``fn(session, ...)`` in a short session on the thread pool and return its result."""

    def work() -> T:
        with sessions() as session:
            return fn(session, *args, **kwargs)

    return await run_in_threadpool(work)


def get_temporal(request: Request) -> Client:
    client: Client | None = request.app.state.temporal
    if client is None:
        raise Unavailable("Layanan alur kerja belum siap, coba lagi sebentar lagi")
    return client


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
SessionDep = Annotated[Session, Depends(get_session)]
SessionsDep = Annotated[sessionmaker[Session], Depends(get_sessions)]
TemporalClientDep = Annotated[Client, Depends(get_temporal)]


@dataclass(frozen=True)
class Services:
    """What a route that starts or drives a case works with: the session factory (see
    ``get_sessions``), the Temporal client and the settings, as one dependency."""

    sessions: sessionmaker[Session]
    temporal: Client
    settings: Settings


def get_services(
    sessions: SessionsDep, temporal: TemporalClientDep, settings: SettingsDep
) -> Services:
    return Services(sessions=sessions, temporal=temporal, settings=settings)


ServicesDep = Annotated[Services, Depends(get_services)]


def get_current_officer(
    sessions: SessionsDep, username: Annotated[str, Depends(officer_subject)]
) -> Officer:
    """The officer whose token came with the request; 401 without a valid one (api.principals).
    A plain ``def`` with its own short session: FastAPI runs it in the thread pool and no
    connection stays checked out for the rest of the request."""
    with sessions() as session:
        return active_officer(session, username)


def active_officer(session: Session, username: str) -> Officer:
    """The officer ``username`` names; 401 when there is none or the account is not active (a
    valid token of a deactivated officer opens nothing)."""
    officer = session.scalar(select(Officer).where(Officer.username == username))
    if officer is None or not officer.active:
        raise NotAuthenticated("Akun tidak aktif")
    return officer


CurrentOfficer = Annotated[Officer, Depends(get_current_officer)]
OfficerUsername = Annotated[str, Depends(officer_subject)]
"""The username of a valid officer token, the account not read yet: for a route that reads it
in its own first session (an officer's action, ``api.cases.routes``) instead of one more."""


def actor_of(officer: Officer) -> Actor:
    """The officer as the workflow sees an actor."""
    return Actor(username=officer.username, role=officer.role, agency=officer.agency)
