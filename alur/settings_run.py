"""How ``make run`` keeps the stack up: the nested settings ``Settings.run``
(environment ``ALUR_RUN__<FIELD>``).

The defaults suit a developer's machine; tests shorten them so a crash loop gives up in seconds.
Durations take seconds (``0.5``) or ISO 8601 (``PT1M``).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Self

from pydantic import BaseModel, ConfigDict, PositiveInt, model_validator

from alur.settings_probolinggo import PositiveDuration


class RunSettings(BaseModel):
    """The supervisor's restart policy (``alur/run.py``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    restart_delay: PositiveDuration = timedelta(seconds=1)
    """The wait before the first restart of a process that exited; it doubles with each further
    exit inside ``restart_window``. 1 s: a crash from a passing fault (a lost connection) is
    retried at once, without spinning on a fault that stays."""
    restart_delay_max: PositiveDuration = timedelta(seconds=30)
    """The longest wait between two restarts."""
    max_restarts: PositiveInt = 5
    """Exits of one process within ``restart_window`` that make the supervisor give up: it stops
    everything and exits non-zero, so whoever started it (a terminal, systemd) sees the failure."""
    restart_window: PositiveDuration = timedelta(minutes=2)
    """How far back exits count. 2 minutes: 5 exits in it (with the doubling waits, about 15 s of
    them) is a fault that restarting does not cure."""
    stop_timeout: PositiveDuration = timedelta(seconds=10)
    """How long a process may take to stop after being asked before it is killed."""

    @model_validator(mode="after")
    def _delay_within_max(self) -> Self:
        if self.restart_delay > self.restart_delay_max:
            raise ValueError("restart_delay must not be greater than restart_delay_max")
        return self
