"""task claims: the action the API is sending for an open task, so a second simultaneous action
on the same step is refused before it is signalled

Revision ID: 20261201_0006
Revises: 20261201_0005
Create Date: 2026-12-01 10:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "20261201_0006"
down_revision: str | None = "20261201_0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("acting_action_id", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("acting_by", sa.String(length=64), nullable=True))
        batch.add_column(
            sa.Column("acting_until", db.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("acting_until")
        batch.drop_column("acting_by")
        batch.drop_column("acting_action_id")
