"""magesty saran: the survey's free text kept in the database, out of the workflow's history

Revision ID: 20261201_0007
Revises: 20261201_0006
Create Date: 2026-12-01 10:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "20261201_0007"
down_revision: str | None = "20261201_0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "magesty_saran",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("permintaan_id", sa.String(length=100), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("saran", sa.Text(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_magesty_saran")),
        sa.UniqueConstraint("permintaan_id", name=op.f("uq_magesty_saran_permintaan_id")),
    )
    op.create_index(
        op.f("ix_magesty_saran_case_number"), "magesty_saran", ["case_number"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_magesty_saran_case_number"), table_name="magesty_saran")
    op.drop_table("magesty_saran")
