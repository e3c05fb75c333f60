"""Development only: the outbox of every message the dev notifier "sent" (never in production)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from api.deps import SessionDep
from db.models import Notification

router = APIRouter(prefix="/dev", tags=["dev"])


class OutboxMessage(BaseModel):
    """One message as the dev notifier logged it."""

    id: int
    created_at: datetime
    case_number: str | None
    step: str | None
    purpose: str
    channel: str
    recipient: str
    body: str
    status: str
    attempt: int


@router.get("/outbox", response_model=list[OutboxMessage])
def outbox(
    session: SessionDep,
    case_number: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[OutboxMessage]:
    """The latest messages, newest first; filter by case number."""
    query = select(Notification).order_by(Notification.id.desc()).limit(limit)
    if case_number:
        query = query.where(Notification.case_number == case_number)
    return [OutboxMessage.model_validate(n, from_attributes=True) for n in session.scalars(query)]
