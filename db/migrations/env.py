"""Alembic environment: migrates the database named by ALUR_DATABASE_URL (or an explicit URL that
``db.migrate.upgrade`` passes in the config's attributes)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

import db.models  # noqa: F401  (registers the tables on Base.metadata)
from alur.settings import get_settings
from db.base import Base
from db.session import make_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.attributes.get("url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
