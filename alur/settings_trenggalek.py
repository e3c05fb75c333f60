"""Trenggalek's proposals: its tunable limits, the nested settings ``Settings.trenggalek``
(environment ``ALUR_TRENGGALEK__<FIELD>``, e.g. in a ``.env`` file).

The steps' time standards come from the SOP (``sop/trenggalek.py``) and are not settings.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, PositiveInt


class TrenggalekSettings(BaseModel):
    """Trenggalek's proposals: each default is what the SOP and docs/trenggalek.md describe."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_rounds_per_run: PositiveInt = 10
    """Revise rounds a proposal's workflow runs before it continues as new, so its history stays
    short however long the review takes. 10 rounds is a few hundred events, far below Temporal's
    limits, and a review rarely needs more. Given to each new proposal when it starts."""
    kode_unit_agenda: str = Field(default="APTIKA", pattern=r"^[A-Za-z0-9.\-]{1,20}$")
    """The unit's code in the agenda number ``{nnnnn}/{kode}/{year}``. ``APTIKA``: the Bidang
    Aplikasi Informatika that keeps the agenda book. Letters, digits, dots and dashes (no ``/``)."""
    alamat_kop: str = Field(
        default="Kabupaten Trenggalek, Provinsi Jawa Timur · trenggalekkab.go.id",
        min_length=1,
        max_length=300,
    )
    """The address line under the agency's name in the kop of its printed records (the trail).
    The default names only the place and the regency's website; a deployment sets the office's
    street address, postcode and telephone here (``ALUR_TRENGGALEK__ALAMAT_KOP``)."""
    tempat_surat: str = Field(default="Trenggalek", min_length=1, max_length=80)
    """The place in a printed record's place-and-date line ("Trenggalek, 1 Desember 2026")."""
