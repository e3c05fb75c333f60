"""login throttle: failed logins per account and per client address, and every failure and lock

Revision ID: 20261201_0008
Revises: 20261201_0007
Create Date: 2026-12-01 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "20261201_0008"
down_revision: str | None = "20261201_0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "login_throttle",
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("since", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("locked_until", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_login_throttle")),
    )
    op.create_table(
        "login_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("event", sa.String(length=30), nullable=False),
        sa.Column("address_ref", sa.String(length=64), nullable=False),
        sa.Column("locked_until", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_events")),
    )
    op.create_index("ix_login_events_key_at", "login_events", ["key", "at"], unique=False)
    op.create_index(
        "ix_login_events_address_ref_at", "login_events", ["address_ref", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_login_events_address_ref_at", table_name="login_events")
    op.drop_index("ix_login_events_key_at", table_name="login_events")
    op.drop_table("login_events")
    op.drop_table("login_throttle")
