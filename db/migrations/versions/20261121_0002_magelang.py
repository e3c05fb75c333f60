"""magelang tables: MAGESTY's OPD service catalogue, OPD officers, citizen accounts, service
requests, satisfaction surveys and the daily statistics report

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "magesty_akun",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nama", sa.String(length=200), nullable=True),
        sa.Column("whatsapp", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("status", sa.String(length=30), nullable=False),
        sa.Column("workflow_id", sa.String(length=120), nullable=False),
        sa.Column("kode_hash", sa.String(length=64), nullable=True),
        sa.Column("kode_kedaluwarsa", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("activated_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_magesty_akun")),
        sa.UniqueConstraint("email", name=op.f("uq_magesty_akun_email")),
        sa.UniqueConstraint("whatsapp", name=op.f("uq_magesty_akun_whatsapp")),
        sa.UniqueConstraint("workflow_id", name=op.f("uq_magesty_akun_workflow_id")),
    )
    with op.batch_alter_table("magesty_akun", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_magesty_akun_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_magesty_akun_status"), ["status"], unique=False)

    op.create_table(
        "magesty_laporan_statistik",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tanggal", sa.Date(), nullable=False),
        sa.Column("dibuat_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("isi", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_magesty_laporan_statistik")),
        sa.UniqueConstraint("tanggal", name=op.f("uq_magesty_laporan_statistik_tanggal")),
    )
    op.create_table(
        "magesty_opd",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kode", sa.String(length=40), nullable=False),
        sa.Column("nama", sa.String(length=200), nullable=False),
        sa.Column("singkatan", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_magesty_opd")),
        sa.UniqueConstraint("kode", name=op.f("uq_magesty_opd_kode")),
    )
    op.create_table(
        "magesty_survei",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("layanan_kode", sa.String(length=60), nullable=False),
        sa.Column("opd_kode", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("nilai", sa.JSON(), nullable=True),
        sa.Column("ikm", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("saran", sa.Text(), nullable=True),
        sa.Column("dibuka_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ditutup_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_magesty_survei")),
        sa.UniqueConstraint("case_number", name=op.f("uq_magesty_survei_case_number")),
    )
    with op.batch_alter_table("magesty_survei", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_magesty_survei_layanan_kode"), ["layanan_kode"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_magesty_survei_opd_kode"), ["opd_kode"], unique=False)

    op.create_table(
        "magesty_layanan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kode", sa.String(length=60), nullable=False),
        sa.Column("opd_kode", sa.String(length=40), nullable=False),
        sa.Column("nama", sa.String(length=200), nullable=False),
        sa.Column("deskripsi", sa.Text(), nullable=False),
        sa.Column("isian", sa.JSON(), nullable=False),
        sa.Column("aktif", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["opd_kode"], ["magesty_opd.kode"], name=op.f("fk_magesty_layanan_opd_kode_magesty_opd")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_magesty_layanan")),
        sa.UniqueConstraint("kode", name=op.f("uq_magesty_layanan_kode")),
    )
    with op.batch_alter_table("magesty_layanan", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_magesty_layanan_opd_kode"), ["opd_kode"], unique=False)

    op.create_table(
        "magesty_permohonan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("akun_id", sa.Integer(), nullable=False),
        sa.Column("layanan_kode", sa.String(length=60), nullable=False),
        sa.Column("opd_kode", sa.String(length=40), nullable=False),
        sa.Column("isian", sa.JSON(), nullable=False),
        sa.Column("keputusan", sa.String(length=20), nullable=True),
        sa.Column("hasil", sa.Text(), nullable=True),
        sa.Column("dokumen_ref", sa.String(length=300), nullable=True),
        sa.Column("alasan_penolakan", sa.Text(), nullable=True),
        sa.Column("dilayani_oleh", sa.String(length=64), nullable=True),
        sa.Column("dilayani_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["akun_id"],
            ["magesty_akun.id"],
            name=op.f("fk_magesty_permohonan_akun_id_magesty_akun"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_magesty_permohonan")),
        sa.UniqueConstraint("case_number", name=op.f("uq_magesty_permohonan_case_number")),
    )
    with op.batch_alter_table("magesty_permohonan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_magesty_permohonan_akun_id"), ["akun_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_magesty_permohonan_layanan_kode"), ["layanan_kode"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_magesty_permohonan_opd_kode"), ["opd_kode"], unique=False
        )

    op.create_table(
        "magesty_petugas_opd",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("opd_kode", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["opd_kode"],
            ["magesty_opd.kode"],
            name=op.f("fk_magesty_petugas_opd_opd_kode_magesty_opd"),
        ),
        sa.ForeignKeyConstraint(
            ["username"],
            ["officers.username"],
            name=op.f("fk_magesty_petugas_opd_username_officers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_magesty_petugas_opd")),
        sa.UniqueConstraint("username", name=op.f("uq_magesty_petugas_opd_username")),
    )
    with op.batch_alter_table("magesty_petugas_opd", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_magesty_petugas_opd_opd_kode"), ["opd_kode"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("magesty_petugas_opd", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_magesty_petugas_opd_opd_kode"))

    op.drop_table("magesty_petugas_opd")
    with op.batch_alter_table("magesty_permohonan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_magesty_permohonan_opd_kode"))
        batch_op.drop_index(batch_op.f("ix_magesty_permohonan_layanan_kode"))
        batch_op.drop_index(batch_op.f("ix_magesty_permohonan_akun_id"))

    op.drop_table("magesty_permohonan")
    with op.batch_alter_table("magesty_layanan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_magesty_layanan_opd_kode"))

    op.drop_table("magesty_layanan")
    with op.batch_alter_table("magesty_survei", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_magesty_survei_opd_kode"))
        batch_op.drop_index(batch_op.f("ix_magesty_survei_layanan_kode"))

    op.drop_table("magesty_survei")
    op.drop_table("magesty_opd")
    op.drop_table("magesty_laporan_statistik")
    with op.batch_alter_table("magesty_akun", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_magesty_akun_status"))
        batch_op.drop_index(batch_op.f("ix_magesty_akun_created_at"))

    op.drop_table("magesty_akun")
