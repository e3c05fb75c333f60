"""MAGESTY (Kota Magelang): its tunable limits, the nested settings ``Settings.magelang``
(environment ``ALUR_MAGELANG__<FIELD>``, e.g. in a ``.env`` file)."""

from __future__ import annotations

from pydantic import BaseModel


class MagelangSettings(BaseModel):
    """MAGESTY (Kota Magelang): each default is what the SOP and docs/magelang.md describe."""
