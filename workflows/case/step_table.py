"""An SOP's officer steps, declared once: the step table.

Each row names the catalogue's step (kode), the action the officer sends (its request body and its
signal model), who may act (the catalogue's pelaksana, or a chain of roles; a named assignee; the
case's unit), the checks the API makes before it signals, the task's title, and whether the step
can close the case. The workflow takes its signals and task titles from the table, the API builds
its action routes and case view from it, and the task list and the web forms read it; a test holds
every table against its catalogue.

The table is data; the order of the steps, their branches and loops stay in the SOP's ``run()``.
Everything here is pure (no I/O), so the workflow sandbox can import it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from sop.models import Sop
from workflows.case.models import OfficerAction, OpenTask

Rule = Callable[[Any, OpenTask], str | None]
"""A step's own rule on an action, given the open task: the reason to refuse it, or None. The
workflow applies it (its word is final) and the API applies it first, as a 422."""


@dataclass(frozen=True)
class NamedOfficer:
    """A body field that names an officer (the Kasubag of a disposisi): the API checks that the
    officer exists, is active and holds ``role`` in the acting officer's agency."""

    field: str
    role: str


@dataclass(frozen=True)
class OfficerStep:
    """One human step of an SOP, as the workflow, the API and the forms see it."""

    kode: str
    """The catalogue's step code: the signal's name and the route's last segment."""
    body: type[BaseModel]
    """What the officer sends (the route's request body, the form's fields)."""
    action: type[OfficerAction]
    """The signal: the body with the action's id and actor."""
    title: str
    """The task's title in Indonesian, a ``str.format`` template over the workflow's fields."""
    roles: tuple[str, ...] = ()
    """Roles that take the step in turn (a review chain); empty: the catalogue's pelaksana."""
    assignee: str | None = None
    """Where the named assignee comes from, in words (``None``: anyone of the role)."""
    by_unit: bool = False
    """Only officers of the case's unit may act (a MAGESTY OPD)."""
    names: tuple[NamedOfficer, ...] = ()
    rule: Rule | None = None
    closes: bool = False
    """The step can close the case (a rejection, the last step)."""
    accepted: str = "Aksi {kode} diterima; kasus berlanjut ke langkah berikutnya"
    """What the API answers when the action reached the case."""


@dataclass(frozen=True)
class StepTable:
    """All officer steps of one SOP, in the catalogue's order."""

    sop: Sop
    steps: tuple[OfficerStep, ...]
    by_kode: Mapping[str, OfficerStep] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_kode", {s.kode: s for s in self.steps})

    def step(self, kode: str) -> OfficerStep:
        """The row of step ``kode``; a ``KeyError`` names the SOP."""
        try:
            return self.by_kode[kode]
        except KeyError:
            raise KeyError(f"SOP {self.sop.kode} has no officer step {kode!r}") from None

    def roles(self, kode: str) -> tuple[str, ...]:
        """Who takes step ``kode``: its chain, or the catalogue's pelaksana."""
        row = self.step(kode)
        return row.roles or (self.sop.step(kode).pelaksana,)

    def title(self, kode: str, **fields: Any) -> str:
        """The task title of step ``kode`` for this case (at most 300 characters, as stored)."""
        return self.step(kode).title.format(**fields)[:300]

    def action(self, kode: str, data: Mapping[str, Any]) -> OfficerAction:
        """An action of step ``kode`` from its JSON (continue-as-new carries the inbox so)."""
        return self.step(kode).action.model_validate(data)
