"""Notification activities: a message to a case's citizen or to the officers of a role.

They run on their own task queue, whose rate limit matches the SMS provider's sending rate. Inputs
carry no phone numbers (only the case number or role), so none enters a workflow's history: the
activity looks the recipient up in the database. Every attempt is logged with its key and attempt
number: Twilio has no idempotency key, so a retry after a timeout could send twice, and the log
makes that visible; a key already sent is not sent again.
"""

from __future__ import annotations

import logging

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.senders import Channel, Outgoing, PermanentSendError, Sender, TemporarySendError
from alur.case_ref import CaseRef
from alur.masking import mask_phone
from db.base import utcnow
from db.models import Case, CaseContact, Notification, Officer
from db.session import transaction

log = logging.getLogger(__name__)

_DONE = ("queued", "accepted", "sending", "sent", "delivered", "read")


class NotifyCitizenInput(BaseModel):
    """Tell the citizen of a case something, if they left a number."""

    case: CaseRef
    key: str
    step: str | None
    purpose: str
    body: str


class NotifyOfficersInput(BaseModel):
    """Tell every active officer of a role in an agency something (an SLA escalation)."""

    case: CaseRef
    key: str
    step: str | None
    purpose: str
    role: str
    body: str
    unit: str | None = None
    """Only the role's officers of this unit (an OPD, say): a late step is escalated to its own
    unit's head, not to every head of that role in the agency. ``None``: the whole agency."""
    username: str | None = None
    """Only this officer of the role (the one a task is addressed to)."""
    tautan: str | None = None
    """A path of the officers' web app (``/petugas/kasus/<nomor>``), sent after the body with the
    deployment's base URL."""


class NotifyResult(BaseModel):
    """How many messages went out; ``skipped`` says why none did."""

    sent: int
    skipped: str | None = None


class NotificationActivities:
    """Sends through a ``Sender`` (Twilio or the dev outbox) and logs every attempt."""

    def __init__(
        self,
        sender: Sender,
        session_factory: sessionmaker[Session],
        status_callback: str | None,
        base_url: str = "",
    ) -> None:
        """``base_url``: where officers open the app (``Settings.public_base_url``), put before a
        message's ``tautan``; empty leaves the link relative."""
        self._base_url = base_url.rstrip("/")
        self._sender = sender
        self._sessions = session_factory
        self._status_callback = status_callback

    @activity.defn
    def notify_citizen(self, inp: NotifyCitizenInput) -> NotifyResult:
        """Send to the case's contact over the channel the citizen chose (SMS or WhatsApp)."""
        with self._sessions() as s:
            contact = s.scalar(
                select(CaseContact)
                .join(Case, Case.id == CaseContact.case_id)
                .where(Case.case_number == inp.case.case_number)
            )
        if contact is None or not contact.phone:
            return NotifyResult(sent=0, skipped="tanpa_kontak")
        channel: Channel = "whatsapp" if contact.reply_channel == "whatsapp" else "sms"
        self.send_logged(inp.case, inp.key, inp.step, inp.purpose, channel, contact.phone, inp.body)
        return NotifyResult(sent=1)

    @activity.defn
    def notify_officers(self, inp: NotifyOfficersInput) -> NotifyResult:
        """Send to each active officer of the role who has a phone; an invalid number of one
        officer does not stop the others."""
        query = select(Officer).where(
            Officer.agency == inp.case.agency,
            Officer.role == inp.role,
            Officer.active.is_(True),
            Officer.phone.is_not(None),
        )
        if inp.unit is not None:
            query = query.where(Officer.unit == inp.unit)
        if inp.username is not None:
            query = query.where(Officer.username == inp.username)
        body = f"{inp.body} {self._base_url}{inp.tautan}" if inp.tautan else inp.body
        with self._sessions() as s:
            officers = s.scalars(query).all()
        if not officers:
            return NotifyResult(sent=0, skipped="tidak_ada_pejabat")
        sent = 0
        for officer in officers:
            key = f"{inp.key}/{officer.username}"
            try:
                self.send_logged(
                    inp.case, key, inp.step, inp.purpose, "sms", officer.phone or "", body
                )
                sent += 1
            except ApplicationError as err:
                if not err.non_retryable:
                    raise
                log.warning("escalation to %s not sent: %s", officer.username, err.message)
        return NotifyResult(sent=sent)

    def send_logged(
        self,
        case: CaseRef,
        key: str,
        step: str | None,
        purpose: str,
        channel: Channel,
        to: str,
        body: str,
        *,
        logged_body: str | None = None,
        validity_seconds: int | None = None,
    ) -> None:
        """Send one message and log the attempt (``logged_body``: what the log keeps, when the
        message holds a code that must not be stored); a key already sent is not sent again. Every
        SOP's messages go through here, so each attempt is in the one notification log."""
        if self.already_sent(key):
            return
        attempt = activity.info().attempt
        with transaction(self._sessions) as s:
            row = s.scalar(
                select(Notification).where(
                    Notification.notification_key == key, Notification.attempt == attempt
                )
            )
            if row is None:
                row = Notification(notification_key=key, attempt=attempt)
                s.add(row)
            row.workflow_id = case.workflow_id
            row.case_number = case.case_number
            row.step = step
            row.purpose = purpose
            row.channel = channel
            row.recipient = to
            row.recipient_masked = mask_phone(to)
            row.body = body if logged_body is None else logged_body
            row.provider = self._sender.name
            row.status = "sending"
        try:
            sent = self._sender.send(
                Outgoing(channel, to, body, self._status_callback, validity_seconds)
            )
        except PermanentSendError as err:
            self._finish(key, attempt, status="failed", code=err.code, error=err.message)
            raise ApplicationError(
                err.message, type="InvalidRecipient", non_retryable=True
            ) from err
        except TemporarySendError as err:
            self._finish(key, attempt, status="retrying", code=err.code, error=err.message)
            raise ApplicationError(err.message, type="TemporarySendError") from err
        self._finish(key, attempt, status=sent.status, provider_id=sent.provider_id)
        log.info(
            "sent %s %s to %s for %s (attempt %d)",
            channel,
            purpose,
            mask_phone(to),
            case.case_number,
            attempt,
        )

    @property
    def sender_name(self) -> str:
        """The sender's name (``dev`` for the development outbox)."""
        return self._sender.name

    def already_sent(self, key: str) -> bool:
        """Whether the message of ``key`` has gone out (a retry after the send)."""
        with self._sessions() as s:
            found = s.scalar(
                select(Notification.id).where(
                    Notification.notification_key == key, Notification.status.in_(_DONE)
                )
            )
        return found is not None

    def _finish(
        self,
        key: str,
        attempt: int,
        *,
        status: str,
        provider_id: str | None = None,
        code: int | None = None,
        error: str | None = None,
    ) -> None:
        with transaction(self._sessions) as s:
            row = s.scalar(
                select(Notification).where(
                    Notification.notification_key == key, Notification.attempt == attempt
                )
            )
            if row is None:
                return
            row.status = status
            row.provider_id = provider_id or row.provider_id
            row.error_code = code
            row.error_message = error
            row.updated_at = utcnow()
