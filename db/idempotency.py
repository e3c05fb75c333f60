"""The Idempotency-Keys the API has seen: a key binds to its first use.

A client retries a request it is unsure about with the same ``Idempotency-Key``; the API answers the
retry with the first answer and does nothing again. A key is bound to who sent it (the principal),
what it was sent to (the route) and what was sent (the body): the same key for anything else is
refused, never answered with another request's result. Only a fingerprint of route and body is
kept, and the answer's body (case numbers and statuses), never the request's personal data.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class IdempotencyRecord(Base):
    """One key's use: reserved while its request runs, then holding the answer it got."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    principal: Mapped[str] = mapped_column(String(120))
    """Who sent the key: an officer's username, a citizen account, ``publik`` for anonymous."""
    key: Mapped[str] = mapped_column(String(100))
    route: Mapped[str] = mapped_column(String(300))
    """The method and path the key was first used on (for operators; the fingerprint binds it)."""
    fingerprint: Mapped[str] = mapped_column(String(64))
    """SHA-256 (hex) of the route and the canonical JSON of the validated body."""
    status_code: Mapped[int | None]
    """The first answer's HTTP status; NULL while the first request is still running."""
    response: Mapped[dict[str, Any] | None]
    """The first answer's body (no personal data: case numbers, statuses)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    """When the key was reserved (or a stale reservation taken over)."""

    __table_args__ = (
        UniqueConstraint("principal", "key", name="uq_idempotency_keys_principal_key"),
    )
