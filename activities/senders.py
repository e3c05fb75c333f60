"""The one interface every message sender implements, and the errors it raises.

Notification activities talk to a ``Sender``; worker.py picks Twilio in production or the dev outbox
in development (settings.use_twilio). Senders know nothing of Temporal: the activity turns
``PermanentSendError`` into a non-retryable ``ApplicationError`` and lets
``TemporarySendError`` retry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

Channel = Literal["sms", "whatsapp"]


@dataclass(frozen=True)
class Outgoing:
    """One text message to send: where to (E.164), over which channel, and what the provider
    needs besides (the delivery-status webhook, how long an undelivered OTP stays worth sending)."""

    channel: Channel
    to: str
    body: str
    status_callback: str | None = None
    validity_seconds: int | None = None


@dataclass(frozen=True)
class SentMessage:
    """What the provider answered: its message id and first status (queued, accepted, sent)."""

    provider: str
    provider_id: str
    status: str


class SendError(Exception):
    """A message could not be sent; ``code`` is the provider's error code when it gave one."""

    def __init__(self, message: str, *, code: int | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


class PermanentSendError(SendError):
    """Retrying cannot fix it (invalid number, recipient opted out, country not allowed)."""


class TemporarySendError(SendError):
    """Worth retrying with backoff (rate limited, provider 5xx, network)."""


class Sender(Protocol):
    """Sends one text message to an E.164 number over SMS or WhatsApp."""

    name: str

    def send(self, message: Outgoing) -> SentMessage:
        """Send the message; raise ``PermanentSendError`` or ``TemporarySendError`` on failure."""
        ...
