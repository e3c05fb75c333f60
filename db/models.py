"""Alur's tables: officers, cases and their contacts, tasks, the audit trail, the notification log.

Temporal holds a case in progress; these tables are the read model that must be listed, joined,
reported or outlive a workflow. Workflows write them only through activities, idempotently: every
row an activity writes has a unique key derived from the workflow id, step and round.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from db.base import Base, utcnow


class Officer(Base):
    """A government officer (pegawai) who acts on tasks: scoped to one agency and one role."""

    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    agency: Mapped[str] = mapped_column(String(64), index=True)
    unit: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    nip: Mapped[str | None] = mapped_column(String(21))
    """Nomor Induk Pegawai as printed ("19710609 199201 1 002"): under the name where one signs."""

    __table_args__ = (Index("ix_officers_agency_role", "agency", "role"),)


class Case(Base):
    """One case (kasus) of an SOP: the read model of a workflow, with its public outcome."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40), unique=True)
    workflow_id: Mapped[str] = mapped_column(String(120), unique=True)
    sop: Mapped[str] = mapped_column(String(64), index=True)
    agency: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    """What the citizen wrote: officers read it here; the public view never shows it."""
    status: Mapped[str] = mapped_column(String(40), index=True)
    current_step: Mapped[str | None] = mapped_column(String(64))
    sla_breached: Mapped[bool] = mapped_column(default=False)
    closing_reason: Mapped[str | None] = mapped_column(Text)
    public_response: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    contact: Mapped[CaseContact | None] = relationship(
        back_populates="case", lazy="raise", cascade="all, delete-orphan"
    )


class CaseContact(Base):
    """How to reach the citizen of a case: kept out of Temporal, read by the delivery activity."""

    __tablename__ = "case_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(200))
    reply_channel: Mapped[str | None] = mapped_column(String(20))

    case: Mapped[Case] = relationship(back_populates="contact", lazy="raise")


class Task(Base):
    """A human step waiting for an officer: one row per step and round, with its SLA deadline."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_key: Mapped[str] = mapped_column(String(200), unique=True)
    workflow_id: Mapped[str] = mapped_column(String(120), index=True)
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    sop: Mapped[str] = mapped_column(String(64))
    agency: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(64))
    round: Mapped[int] = mapped_column(default=1)
    role: Mapped[str] = mapped_column(String(64))
    assignee: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(20), default="open")
    overdue: Mapped[bool] = mapped_column(default=False)
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    completed_by: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str | None] = mapped_column(String(64))
    acting_action_id: Mapped[str | None] = mapped_column(String(100))
    """The action the API is sending for this task: claimed atomically before the signal, so the
    second of two simultaneous actions is refused; released when the workflow refuses it."""
    acting_by: Mapped[str | None] = mapped_column(String(64))
    acting_until: Mapped[datetime | None]
    """A claim the workflow never takes up (the signal was lost with the process) expires."""
    unit: Mapped[str | None] = mapped_column(String(200))
    """The unit the case belongs to (a MAGESTY OPD) where the SOP's roles exist in several units."""
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    """Who took the task from the role's queue (a claim) or was handed it (a delegation)."""
    claimed_at: Mapped[datetime | None]
    clock: Mapped[str | None] = mapped_column(String(10))
    """The time standard's clock: ``kerja`` (the agency's working time) or ``kalender``."""
    elapsed_seconds: Mapped[float | None]
    """Opened to completed, counted in the step's clock: what the SLA report ranks."""
    waiting_seconds: Mapped[float | None]
    """Opened to claimed, in the step's clock: time waiting to be taken (the rest was worked)."""

    __table_args__ = (
        Index("ix_tasks_inbox", "agency", "role", "status"),
        Index("ix_tasks_sop_opened", "sop", "opened_at"),
    )


class AuditEvent(Base):
    """One line of a case's audit trail: a step entered, done or breached; an action accepted or
    refused, with the actor and the reason. Never updated, never deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_key: Mapped[str] = mapped_column(String(200), unique=True)
    workflow_id: Mapped[str] = mapped_column(String(120), index=True)
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    step: Mapped[str | None] = mapped_column(String(64))
    round: Mapped[int | None]
    event: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str | None] = mapped_column(String(64))
    actor_role: Mapped[str | None] = mapped_column(String(64))
    action_id: Mapped[str | None] = mapped_column(String(100), index=True)
    """The officer action's id (its Idempotency-Key) on accepted and refused actions."""
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]


class Notification(Base):
    """One message sent (or refused) to a citizen or officer, with its delivery status.

    In development the dev notifier stops here (the outbox); with Twilio ``provider_id`` is the
    message SID that the delivery-status webhook updates.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_key: Mapped[str] = mapped_column(String(200))
    attempt: Mapped[int] = mapped_column(default=1)
    workflow_id: Mapped[str | None] = mapped_column(String(120), index=True)
    case_number: Mapped[str | None] = mapped_column(String(40), index=True)
    step: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    recipient: Mapped[str] = mapped_column(String(40))
    recipient_masked: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[str | None] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[int | None]
    error_message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("notification_key", "attempt", name="uq_notifications_key_attempt"),
    )


class PopulationRecord(Base):
    """The local copy of the population register (SIAK), loaded from a CSV export.

    Registration checks a NIK against it; only the outcome of a check and what an account needs are
    kept elsewhere (UU 27/2022), never a copy of the record.
    """

    __tablename__ = "population_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    nik: Mapped[str] = mapped_column(String(16), unique=True)
    no_kk: Mapped[str | None] = mapped_column(String(16))
    nama: Mapped[str] = mapped_column(String(200))
    tempat_lahir: Mapped[str] = mapped_column(String(100))
    tanggal_lahir: Mapped[date]
    jenis_kelamin: Mapped[str] = mapped_column(String(1))
    alamat: Mapped[str] = mapped_column(String(300))
    kelurahan: Mapped[str] = mapped_column(String(100))
    kecamatan: Mapped[str] = mapped_column(String(100))
    kode_wilayah: Mapped[str] = mapped_column(String(6), index=True)
    loaded_at: Mapped[datetime] = mapped_column(default=utcnow)


# Each SOP's own tables live in their own module; importing them here puts them on Base.metadata
# wherever the shared tables are (Alembic, tests, the app).
import db.idempotency  # noqa: E402,F401
import db.login_throttle  # noqa: E402,F401
import db.magelang.models  # noqa: E402,F401
import db.probolinggo.models  # noqa: E402,F401
import db.trenggalek.models  # noqa: E402,F401
import db.web_sessions  # noqa: E402,F401
