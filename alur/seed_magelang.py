"""Demo data for MAGESTY (placeholder until the Magelang issue builds its service catalogue)."""

from __future__ import annotations

from sqlalchemy.orm import Session


def seed_magelang(session: Session) -> int:
    """Add what is missing of the MAGESTY demo data; returns rows added."""
    del session
    return 0
