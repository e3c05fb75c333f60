"""tasks: the unit, who took the task and when, the time standard's clock and the durations the
SLA report ranks (counted in that clock)

Revision ID: 20261201_0010
Revises: 20261201_0009
Create Date: 2026-12-01 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "20261201_0010"
down_revision: str | None = "20261201_0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("unit", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("claimed_at", db.base.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("clock", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("elapsed_seconds", sa.Float(), nullable=True))
        batch.add_column(sa.Column("waiting_seconds", sa.Float(), nullable=True))
        batch.create_index("ix_tasks_sop_opened", ["sop", "opened_at"])


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_index("ix_tasks_sop_opened")
        batch.drop_column("waiting_seconds")
        batch.drop_column("elapsed_seconds")
        batch.drop_column("clock")
        batch.drop_column("claimed_at")
        batch.drop_column("claimed_by")
        batch.drop_column("unit")
