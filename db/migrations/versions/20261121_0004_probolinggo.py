"""probolinggo tables: View Probolinggo registration drafts, the OTP send log and its per-reference
locks, citizen accounts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 12:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "probolinggo_registrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.String(length=40), nullable=False),
        sa.Column("status_warga", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("end_reason", sa.String(length=64), nullable=True),
        sa.Column("phone_ref", sa.String(length=64), nullable=False),
        sa.Column("client_ref", sa.String(length=64), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("otp_hash", sa.String(length=64), nullable=True),
        sa.Column("nik", sa.String(length=16), nullable=True),
        sa.Column("nama", sa.String(length=200), nullable=True),
        sa.Column("tempat_lahir", sa.String(length=100), nullable=True),
        sa.Column("tanggal_lahir", sa.Date(), nullable=True),
        sa.Column("jenis_kelamin", sa.String(length=1), nullable=True),
        sa.Column("alamat", sa.String(length=300), nullable=True),
        sa.Column("locked_step", sa.String(length=20), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ended_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("erased_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_probolinggo_registrations")),
        sa.UniqueConstraint(
            "registration_id", name=op.f("uq_probolinggo_registrations_registration_id")
        ),
    )
    with op.batch_alter_table("probolinggo_registrations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_probolinggo_registrations_phone_ref"), ["phone_ref"], unique=False
        )

    op.create_table(
        "probolinggo_otp_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("send_key", sa.String(length=200), nullable=False),
        sa.Column("registration_id", sa.String(length=40), nullable=False),
        sa.Column("phone_ref", sa.String(length=64), nullable=False),
        sa.Column("client_ref", sa.String(length=64), nullable=True),
        sa.Column("sent_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_probolinggo_otp_sends")),
        sa.UniqueConstraint("send_key", name=op.f("uq_probolinggo_otp_sends_send_key")),
    )
    with op.batch_alter_table("probolinggo_otp_sends", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_probolinggo_otp_sends_registration_id"),
            ["registration_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_probolinggo_otp_sends_phone", ["phone_ref", "sent_at"], unique=False
        )
        batch_op.create_index(
            "ix_probolinggo_otp_sends_client", ["client_ref", "sent_at"], unique=False
        )

    op.create_table(
        "probolinggo_otp_limits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ref", sa.String(length=80), nullable=False),
        sa.Column("sends", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_probolinggo_otp_limits")),
        sa.UniqueConstraint("ref", name=op.f("uq_probolinggo_otp_limits_ref")),
    )

    op.create_table(
        "probolinggo_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("registration_id", sa.String(length=40), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("nama", sa.String(length=200), nullable=False),
        sa.Column("tempat_lahir", sa.String(length=100), nullable=False),
        sa.Column("tanggal_lahir", sa.Date(), nullable=False),
        sa.Column("jenis_kelamin", sa.String(length=1), nullable=False),
        sa.Column("alamat", sa.String(length=300), nullable=False),
        sa.Column("status_warga", sa.String(length=20), nullable=False),
        sa.Column("siak_terverifikasi", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("locked_until", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_probolinggo_accounts")),
        sa.UniqueConstraint("nik", name=op.f("uq_probolinggo_accounts_nik")),
        sa.UniqueConstraint("phone", name=op.f("uq_probolinggo_accounts_phone")),
        sa.UniqueConstraint(
            "registration_id", name=op.f("uq_probolinggo_accounts_registration_id")
        ),
    )


def downgrade() -> None:
    op.drop_table("probolinggo_accounts")
    op.drop_table("probolinggo_otp_limits")
    with op.batch_alter_table("probolinggo_otp_sends", schema=None) as batch_op:
        batch_op.drop_index("ix_probolinggo_otp_sends_client")
        batch_op.drop_index("ix_probolinggo_otp_sends_phone")
        batch_op.drop_index(batch_op.f("ix_probolinggo_otp_sends_registration_id"))
    op.drop_table("probolinggo_otp_sends")
    with op.batch_alter_table("probolinggo_registrations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_probolinggo_registrations_phone_ref"))
    op.drop_table("probolinggo_registrations")
