"""Erasing what a closed case no longer needs: the citizen's contact and the numbers the
notification log holds (UU 27/2022: personal data kept no longer than its purpose needs).

A Temporal Schedule (``alur/schedules.py``) runs ``RetensiDataPribadiWorkflow`` every day; its one
activity erases, for every case closed before the cutoff, the contact row's name, phone and email,
and the recipient of every message of such a case (and of messages of no case, older than the
cutoff: officers' escalations); the masked form stays, so the log still says a message went to
"0812****7890". Each case whose contact is erased gets a ``kontak_dihapus`` line in its trail,
keyed by the case, so a retried run writes it once.

The same run deletes the officers' web sessions (``web_sessions``: a session id's hash and a
username) ended or expired more than ``SESI_DISIMPAN`` ago: a closed session is kept only as long
as someone may look into a logout that seemed not to take.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity

from db.base import utcnow
from db.models import AuditEvent, Case, CaseContact, Notification
from db.session import transaction
from db.web_sessions import WebSession

SESI_DISIMPAN = timedelta(days=1)
"""How long an ended or expired officer web session's row stays before the run deletes it."""


class RetensiInput(BaseModel):
    """Erase what cases closed before ``sebelum`` still hold of people."""

    sebelum: datetime
    hari: int
    """The retention period the cutoff came from, for the trail."""


class HasilRetensi(BaseModel):
    """How much was erased."""

    kontak: int
    pesan: int
    sesi: int = 0
    """Officers' web sessions deleted (ended or expired more than ``SESI_DISIMPAN`` ago)."""


class RetentionActivities:
    """The erasure, bound to the worker's database."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    @activity.defn
    def hapus_data_kedaluwarsa(self, inp: RetensiInput) -> HasilRetensi:
        """Erase the contacts and message recipients of cases closed before the cutoff, and delete
        the web sessions ended or expired more than ``SESI_DISIMPAN`` ago."""
        with transaction(self._sessions) as s:
            closed = select(Case.id).where(
                Case.closed_at.is_not(None), Case.closed_at < inp.sebelum
            )
            contacts = s.execute(
                select(CaseContact.id, Case.case_number, Case.workflow_id)
                .join(Case, Case.id == CaseContact.case_id)
                .where(
                    CaseContact.case_id.in_(closed),
                    or_(
                        CaseContact.name.is_not(None),
                        CaseContact.phone.is_not(None),
                        CaseContact.email.is_not(None),
                    ),
                )
            ).all()
            now = utcnow()
            for contact_id, number, workflow_id in contacts:
                s.execute(
                    update(CaseContact)
                    .where(CaseContact.id == contact_id)
                    .values(name=None, phone=None, email=None)
                )
                key = f"{workflow_id}/retensi/kontak_dihapus"
                if s.scalar(select(AuditEvent.id).where(AuditEvent.event_key == key)) is None:
                    s.add(
                        AuditEvent(
                            event_key=key,
                            workflow_id=workflow_id,
                            case_number=number,
                            event="kontak_dihapus",
                            actor=None,
                            detail={"alasan": f"retensi {inp.hari} hari setelah kasus ditutup"},
                            at=now,
                        )
                    )
            closed_numbers = select(Case.case_number).where(Case.id.in_(closed))
            erased = s.execute(
                update(Notification)
                .where(
                    Notification.recipient != "",
                    or_(
                        Notification.case_number.in_(closed_numbers),
                        and_(
                            Notification.case_number.is_(None),
                            Notification.created_at < inp.sebelum,
                        ),
                    ),
                )
                .values(recipient="", updated_at=now)
                .execution_options(synchronize_session=False)
            )
            closed_before = now - SESI_DISIMPAN
            sessions = s.execute(
                delete(WebSession)
                .where(
                    or_(WebSession.ended_at < closed_before, WebSession.expires_at < closed_before)
                )
                .execution_options(synchronize_session=False)
            )
        return HasilRetensi(
            kontak=len(contacts),
            pesan=erased.rowcount or 0,  # type: ignore[attr-defined]
            sesi=sessions.rowcount or 0,  # type: ignore[attr-defined]
        )
