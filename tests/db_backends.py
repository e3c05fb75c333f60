"""The two databases Alur's data layer is tested on: SQLite (a file per test) and PostgreSQL
(a fresh database per test on the server named by ALUR_TEST_POSTGRES_URL).

Without that variable the PostgreSQL cases skip and say why; with ALUR_REQUIRE_POSTGRES=1 (as
.ci/run sets it) a missing or unreachable server fails the run instead of skipping.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker


def _require() -> bool:
    return os.environ.get("ALUR_REQUIRE_POSTGRES") == "1"


@contextmanager
def postgres_database() -> Iterator[str]:
    """A new, empty PostgreSQL database; dropped afterwards."""
    admin_url = os.environ.get("ALUR_TEST_POSTGRES_URL")
    if not admin_url:
        if _require():
            pytest.fail("ALUR_REQUIRE_POSTGRES=1 but ALUR_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL tests need ALUR_TEST_POSTGRES_URL (none set on this machine)")
    name = f"alur_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as err:
        admin.dispose()
        if _require():
            pytest.fail(f"PostgreSQL at {make_url(admin_url).host} unreachable: {err}")
        pytest.skip(f"PostgreSQL unreachable: {err}")
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def database(backend: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the backend, as a URL."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'alur.db'}"
    else:
        with postgres_database() as url:
            yield url


@contextmanager
def seeded_database(backend: str, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """A database of the backend migrated to head with the demo officers seeded, as a session
    factory; its engine is disposed afterwards. What most data-layer test files start from."""
    from alur.seed import seed_officers
    from db.migrate import upgrade
    from db.session import make_engine, make_session_factory, transaction

    with database(backend, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with transaction(factory) as s:
            seed_officers(s)
        try:
            yield factory
        finally:
            engine.dispose()
