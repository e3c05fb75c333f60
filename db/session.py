"""Engines and sessions: one engine per database URL, sessions that commit at the boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

POOL_SIZE = 16
"""Connections an engine keeps open: as many as the worker's activity threads (``worker.py``), so
a busy worker does not open and close a connection per activity (on SQLite each connect also
runs the pragmas below, ``journal_mode`` taking the file's lock)."""
MAX_OVERFLOW = 16
"""Connections opened beyond ``POOL_SIZE`` under a burst (the API's thread pool is larger) and
closed again when returned. Two processes at most 64 together, inside PostgreSQL's default 100."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url``; SQLite gets a busy timeout, foreign keys and WAL so the worker and the
    API can share one file."""
    if not url.endswith(":memory:") and url not in ("sqlite://", "sqlite:///"):
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", MAX_OVERFLOW)
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded objects readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: committed if the block ends, rolled back if it raises."""
    with factory() as session, session.begin():
        yield session
