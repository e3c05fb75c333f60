"""web sessions: each officer login held on the server, so a logout ends the cookie everywhere

Revision ID: 20261201_0012
Revises: 20261201_0011
Create Date: 2026-12-01 15:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "20261201_0012"
down_revision: str | None = "20261201_0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sid_hash", sa.String(length=64), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sessions")),
        sa.UniqueConstraint("sid_hash", name=op.f("uq_web_sessions_sid_hash")),
    )


def downgrade() -> None:
    op.drop_table("web_sessions")
