"""What every SOP's bench flow shares: the timing of one case, the error that stops the bench, and
the polling pace (the same for the API and the direct phases, so their ratio stays fair).

A flow module (``bench/<sop>_flow.py``) gives an ``ApiFlow`` and a ``DirectFlow``, each with
``async prepare()`` (logins, reference data: not measured) and ``async case() -> CaseTiming``.
"""

from __future__ import annotations

from dataclasses import dataclass

RETRY_SLEEP_S = 0.005
"""Pause before asking again whether a case has reached a step (both phases alike)."""
STEP_TIMEOUT_S = 30.0
"""How long one case may take to reach one step before the bench gives up."""


class BenchError(RuntimeError):
    """Something other than "not yet": the bench stops and says what."""


@dataclass(frozen=True)
class CaseTiming:
    """One case: seconds from filing to its workflow's result, and how often it had to wait."""

    seconds: float
    waits: int
