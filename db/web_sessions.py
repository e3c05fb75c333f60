"""The officers' web sessions (``/petugas/``), held on the server so a logout ends them.

The session cookie is signed, but a signature alone cannot be taken back: a copy of the cookie
(stolen, or a saved request of another tab) would work until it expires. So each login is a row
here, the cookie names it (its ``sid``), and a cookie counts only while its row is open: not ended
(logout) and not expired. Only a SHA-256 hash of the session id is kept (a copy of the table opens
no session) and the officer's username, nothing else about the person or the browser; the daily
retention run (``activities/retention.py``) deletes rows ended or expired a day ago.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class WebSession(Base):
    """One login of an officer's browser: open until logout or expiry."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    """SHA-256 (hex) of the random session id the cookie carries; the id itself is not kept."""
    username: Mapped[str] = mapped_column(String(64))
    """The officer's username (an officer's username is not a citizen's personal data)."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    """The cookie's expiry: moved on when a page in the session's second half renews it."""
    ended_at: Mapped[datetime | None]
    """When the officer logged out; the row refuses its cookie from then on."""
