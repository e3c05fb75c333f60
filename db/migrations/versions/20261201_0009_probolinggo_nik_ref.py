"""probolinggo nik ref: an account keeps its NIK as a keyed hash (for the one-account check) and a
masked form (for display), no longer in clear

Existing accounts are converted with the deployment's ``ALUR_PERSONAL_REF_KEY``, which the API
and the worker use for the same hash.

Revision ID: 20261201_0009
Revises: 20261201_0008
Create Date: 2026-12-01 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "20261201_0009"
down_revision: str | None = "20261201_0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    from activities.probolinggo.refs import nik_ref, ref_key
    from alur.masking import mask_nik
    from alur.settings import get_settings

    with op.batch_alter_table("probolinggo_accounts") as batch:
        batch.add_column(sa.Column("nik_ref", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("nik_tersamar", sa.String(length=16), nullable=True))
    key = ref_key(get_settings().personal_ref_key.get_secret_value())
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, nik FROM probolinggo_accounts")).all()
    for account_id, nik in rows:
        conn.execute(
            sa.text(
                "UPDATE probolinggo_accounts SET nik_ref = :r, nik_tersamar = :m WHERE id = :i"
            ),
            {"r": nik_ref(key, nik), "m": mask_nik(nik), "i": account_id},
        )
    with op.batch_alter_table("probolinggo_accounts") as batch:
        batch.alter_column("nik_ref", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("nik_tersamar", existing_type=sa.String(length=16), nullable=False)
        batch.create_unique_constraint(op.f("uq_probolinggo_accounts_nik_ref"), ["nik_ref"])
        batch.drop_constraint(op.f("uq_probolinggo_accounts_nik"), type_="unique")
        batch.drop_column("nik")


def downgrade() -> None:
    # The NIK cannot be read back from its hash: the column returns, holding the masked form.
    with op.batch_alter_table("probolinggo_accounts") as batch:
        batch.add_column(sa.Column("nik", sa.String(length=16), nullable=True))
    op.execute("UPDATE probolinggo_accounts SET nik = nik_tersamar")
    with op.batch_alter_table("probolinggo_accounts") as batch:
        batch.drop_constraint(op.f("uq_probolinggo_accounts_nik_ref"), type_="unique")
        batch.drop_column("nik_tersamar")
        batch.drop_column("nik_ref")
