"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 20:09:38.214723
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import db.base

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_key", sa.String(length=200), nullable=False),
        sa.Column("workflow_id", sa.String(length=120), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("round", sa.Integer(), nullable=True),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("actor_role", sa.String(length=64), nullable=True),
        sa.Column("action_id", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
        sa.UniqueConstraint("event_key", name=op.f("uq_audit_events_event_key")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_action_id"), ["action_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_audit_events_case_number"), ["case_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_events_workflow_id"), ["workflow_id"], unique=False
        )

    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("workflow_id", sa.String(length=120), nullable=False),
        sa.Column("sop", sa.String(length=64), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=False),
        sa.Column("current_step", sa.String(length=64), nullable=True),
        sa.Column("sla_breached", sa.Boolean(), nullable=False),
        sa.Column("closing_reason", sa.Text(), nullable=True),
        sa.Column("public_response", sa.Text(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closed_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("case_number", name=op.f("uq_cases_case_number")),
        sa.UniqueConstraint("workflow_id", name=op.f("uq_cases_workflow_id")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_agency"), ["agency"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_sop"), ["sop"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_status"), ["status"], unique=False)

    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notification_key", sa.String(length=200), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("workflow_id", sa.String(length=120), nullable=True),
        sa.Column("case_number", sa.String(length=40), nullable=True),
        sa.Column("step", sa.String(length=64), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("recipient_masked", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_id", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("error_code", sa.Integer(), nullable=True),
        sa.Column("error_message", sa.Text(), nullable=True),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("notification_key", "attempt", name="uq_notifications_key_attempt"),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_case_number"), ["case_number"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_provider_id"), ["provider_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_notifications_workflow_id"), ["workflow_id"], unique=False
        )

    op.create_table(
        "officers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("unit", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officers")),
        sa.UniqueConstraint("username", name=op.f("uq_officers_username")),
    )
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_officers_agency"), ["agency"], unique=False)
        batch_op.create_index("ix_officers_agency_role", ["agency", "role"], unique=False)

    op.create_table(
        "population_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nik", sa.String(length=16), nullable=False),
        sa.Column("no_kk", sa.String(length=16), nullable=True),
        sa.Column("nama", sa.String(length=200), nullable=False),
        sa.Column("tempat_lahir", sa.String(length=100), nullable=False),
        sa.Column("tanggal_lahir", sa.Date(), nullable=False),
        sa.Column("jenis_kelamin", sa.String(length=1), nullable=False),
        sa.Column("alamat", sa.String(length=300), nullable=False),
        sa.Column("kelurahan", sa.String(length=100), nullable=False),
        sa.Column("kecamatan", sa.String(length=100), nullable=False),
        sa.Column("kode_wilayah", sa.String(length=6), nullable=False),
        sa.Column("loaded_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_population_records")),
        sa.UniqueConstraint("nik", name=op.f("uq_population_records_nik")),
    )
    with op.batch_alter_table("population_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_population_records_kode_wilayah"), ["kode_wilayah"], unique=False
        )

    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_key", sa.String(length=200), nullable=False),
        sa.Column("workflow_id", sa.String(length=120), nullable=False),
        sa.Column("case_number", sa.String(length=40), nullable=False),
        sa.Column("sop", sa.String(length=64), nullable=False),
        sa.Column("agency", sa.String(length=64), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=64), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("opened_at", db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_at", db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("completed_by", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("task_key", name=op.f("uq_tasks_task_key")),
    )
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tasks_case_number"), ["case_number"], unique=False)
        batch_op.create_index("ix_tasks_inbox", ["agency", "role", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_tasks_workflow_id"), ["workflow_id"], unique=False)

    op.create_table(
        "case_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("email", sa.String(length=200), nullable=True),
        sa.Column("reply_channel", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases.id"],
            name=op.f("fk_case_contacts_case_id_cases"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_contacts")),
        sa.UniqueConstraint("case_id", name=op.f("uq_case_contacts_case_id")),
    )


def downgrade() -> None:

    op.drop_table("case_contacts")
    with op.batch_alter_table("tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tasks_workflow_id"))
        batch_op.drop_index("ix_tasks_inbox")
        batch_op.drop_index(batch_op.f("ix_tasks_case_number"))

    op.drop_table("tasks")
    with op.batch_alter_table("population_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_population_records_kode_wilayah"))

    op.drop_table("population_records")
    with op.batch_alter_table("officers", schema=None) as batch_op:
        batch_op.drop_index("ix_officers_agency_role")
        batch_op.drop_index(batch_op.f("ix_officers_agency"))

    op.drop_table("officers")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notifications_workflow_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_provider_id"))
        batch_op.drop_index(batch_op.f("ix_notifications_case_number"))

    op.drop_table("notifications")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_status"))
        batch_op.drop_index(batch_op.f("ix_cases_sop"))
        batch_op.drop_index(batch_op.f("ix_cases_agency"))

    op.drop_table("cases")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_workflow_id"))
        batch_op.drop_index(batch_op.f("ix_audit_events_case_number"))
        batch_op.drop_index(batch_op.f("ix_audit_events_action_id"))

    op.drop_table("audit_events")
