"""The login throttle's tables: one row per key (an account or a client address) counting its
failed logins, and every failure and lock as an event (``api/login_throttle.py`` writes both).

Keys name what they count: ``petugas:<username>`` (an officer's username is not a citizen's
personal data), ``magesty:<ref>``, ``probolinggo:<ref>`` and ``alamat:<ref>``, where a ref is an
HMAC (keyed by ``ALUR_PERSONAL_REF_KEY``) of the email or phone number, or of the client address:
neither table holds a citizen's email, number or address in clear, nor any password tried.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class LoginThrottle(Base):
    """One key's failed logins: counted before the password is checked, cleared by a success."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    """Failed logins in a row (an account) or within the window (an address), this one included
    while its password is being checked."""
    since: Mapped[datetime | None]
    """The first failure of the count (an address's window starts there)."""
    locked_until: Mapped[datetime | None]
    """Until when every login of the key is refused without checking the password."""
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class LoginEvent(Base):
    """A failed login, a lock, or a login refused during a lock: who, when, from where, what."""

    __tablename__ = "login_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120))
    """Whose: the account's key, or the address's for a lock of the address."""
    event: Mapped[str] = mapped_column(String(30))
    """``gagal`` (wrong password or unknown account), ``terkunci`` (the key must wait), or
    ``ditolak_saat_terkunci`` (refused during a wait, no password checked)."""
    address_ref: Mapped[str] = mapped_column(String(64))
    """HMAC of the client address the attempt came from."""
    locked_until: Mapped[datetime | None]
    """For ``terkunci`` and ``ditolak_saat_terkunci``: until when the key waits."""
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_login_events_key_at", "key", "at"),
        Index("ix_login_events_address_ref_at", "address_ref", "at"),
    )
