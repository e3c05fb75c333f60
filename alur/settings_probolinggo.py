"""View Probolinggo registration: its tunable limits, the nested settings ``Settings.probolinggo``
(environment ``ALUR_PROBOLINGGO__<FIELD>``, e.g. in a ``.env`` file)."""

from __future__ import annotations

from pydantic import BaseModel


class ProbolinggoSettings(BaseModel):
    """View Probolinggo registration: each default is what docs/probolinggo.md describes."""
