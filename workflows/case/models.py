"""Models every SOP workflow shares with the API: who acted, the case's reference, what a human
step's task looks like, and the status a workflow answers to its ``status`` query.

They travel through Temporal as JSON (pydantic data converter), encrypted by the payload codec.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class Actor(BaseModel):
    """The officer who sent an action, as the API's token proved it."""

    username: str
    role: str
    agency: str


class OfficerAction(BaseModel):
    """Base of every officer action signal: a unique id (so a retried request acts once) and actor.

    Subclasses add the step's own fields; ``audit_detail`` is what the audit trail keeps of it.
    """

    action_id: str = Field(min_length=1, max_length=100)
    actor: Actor

    def audit_detail(self) -> dict[str, Any]:
        """The action's fields for the audit trail (everything but the envelope)."""
        return self.model_dump(mode="json", exclude={"action_id", "actor"})


class CaseRef(BaseModel):
    """Identifies a case in every activity call; carries no personal data."""

    workflow_id: str
    case_number: str
    sop: str
    agency: str


class OpenTask(BaseModel):
    """The human step a case waits on now."""

    step: str
    round: int
    role: str
    assignee: str | None
    opened_at: datetime
    due_at: datetime | None
    overdue: bool


class CaseStatus(BaseModel):
    """What the ``status`` query answers: enough for the API to check an action first."""

    case_number: str
    sop: str
    agency: str
    status: str
    current_step: str | None
    task: OpenTask | None
    sla_breached: bool
    round: int = 1
