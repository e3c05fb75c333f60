"""Trenggalek's proposals: its tunable limits, the nested settings ``Settings.trenggalek``
(environment ``ALUR_TRENGGALEK__<FIELD>``, e.g. in a ``.env`` file)."""

from __future__ import annotations

from pydantic import BaseModel


class TrenggalekSettings(BaseModel):
    """Trenggalek's proposals: each default is what the SOP and docs/trenggalek.md describe."""
