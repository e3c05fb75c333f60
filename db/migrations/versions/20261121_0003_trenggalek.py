"""trenggalek tables

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trenggalek_usulan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("nomor_agenda", sa.String(length=40), nullable=True),
        sa.Column("judul", sa.String(length=200), nullable=False),
        sa.Column("pengusul", sa.String(length=64), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_trenggalek_usulan_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trenggalek_usulan")),
        sa.UniqueConstraint("case_id", name=op.f("uq_trenggalek_usulan_case_id")),
        sa.UniqueConstraint("case_number", name=op.f("uq_trenggalek_usulan_case_number")),
        sa.UniqueConstraint("nomor_agenda", name=op.f("uq_trenggalek_usulan_nomor_agenda")),
    )
    op.create_table(
        "trenggalek_versi_naskah",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version_key", sa.String(length=200), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("author_role", sa.String(length=64), nullable=False),
        sa.Column("teks", sa.Text(), nullable=False),
        sa.Column("catatan", sa.Text(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trenggalek_versi_naskah")),
        sa.UniqueConstraint("version_key", name=op.f("uq_trenggalek_versi_naskah_version_key")),
    )
    with op.batch_alter_table("trenggalek_versi_naskah", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trenggalek_versi_naskah_case_number"), ["case_number"], unique=False
        )
    op.create_table(
        "trenggalek_aplikasi_publik",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("nama_aplikasi", sa.String(length=200), nullable=False),
        sa.Column("ringkasan", sa.Text(), nullable=False),
        sa.Column("tautan", sa.String(length=500), nullable=True),
        sa.Column("media_komunikasi", sa.String(length=500), nullable=True),
        sa.Column("cara_penyediaan", sa.String(length=20), nullable=False),
        sa.Column("disetujui_pada", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("diterbitkan_pada", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trenggalek_aplikasi_publik")),
        sa.UniqueConstraint("case_number", name=op.f("uq_trenggalek_aplikasi_publik_case_number")),
    )


def downgrade() -> None:
    op.drop_table("trenggalek_aplikasi_publik")
    with op.batch_alter_table("trenggalek_versi_naskah", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trenggalek_versi_naskah_case_number"))
    op.drop_table("trenggalek_versi_naskah")
    op.drop_table("trenggalek_usulan")
