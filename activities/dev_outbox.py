"""The development sender: nothing leaves the machine; the notification log is the outbox.

Every message the notification activities send is written to the ``notifications`` table before
and after sending, so in development this sender only has to say "delivered"; the dev-only endpoint
``GET /dev/outbox`` reads the table (that is how a developer reads an OTP or a response locally).
"""

from __future__ import annotations

import uuid

from activities.senders import Outgoing, SentMessage


class DevOutboxSender:
    """A ``Sender`` that accepts every message at once."""

    name = "dev"

    def send(self, message: Outgoing) -> SentMessage:
        return SentMessage(
            provider=self.name, provider_id=f"DEV{uuid.uuid4().hex}", status="delivered"
        )
