"""Models every SOP workflow shares with the API: who acted, what a human
step's task looks like, and the status a workflow answers to its ``status`` query.

They travel through Temporal as JSON (pydantic data converter), encrypted by the payload codec.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

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


class OpenTask(BaseModel):
    """The human step a case waits on now."""

    step: str
    round: int
    role: str
    assignee: str | None
    opened_at: datetime
    due_at: datetime | None
    overdue: bool
    key: str | None = None
    """The task's key in the read model: the row the API claims before it acts."""


ENDED = frozenset({"selesai", "ditutup", "ditolak", "kedaluwarsa", "dibatalkan"})
"""The statuses of a case that has ended, in any SOP: no next step, no next task."""


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


class Lanjutan(BaseModel):
    """The kernel's part of the state carried across continue-as-new (no personal data): the round,
    whether a step breached, the action ids already taken and the actions not yet taken."""

    round: int
    sla_breached: bool
    seen: list[str]
    inbox: list[tuple[str, dict[str, object]]]


class HasilKasus(BaseModel):
    """How an officer case ended: its final status, the rounds it took, whether a step breached;
    an SOP's result adds what its case produced."""

    case_number: str
    status: str
    rounds: int
    sla_breached: bool


L = TypeVar("L", bound=Lanjutan)


class KasusMasuk(BaseModel, Generic[L]):
    """The kernel's part of an officer case's input: its number, and for a revise loop that
    continues-as-new, the rounds per run and the state the previous run carried (``L``, the
    SOP's ``Lanjutan``). An SOP's input adds what came in."""

    case_number: str
    max_rounds_per_run: int = Field(default=20, ge=1)
    """Revise rounds per run before continue-as-new keeps the history short."""
    lanjutan: L | None = None
