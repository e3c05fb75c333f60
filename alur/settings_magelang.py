"""MAGESTY (Kota Magelang): its tunable limits, the nested settings ``Settings.magelang``
(environment ``ALUR_MAGELANG__<FIELD>``, e.g. in a ``.env`` file).

Durations take seconds (``300``) or ISO 8601 (``PT5M``); the time of day takes ``HH:MM``. What the
SOP itself fixes (step 2's 30 seconds from registration to activation, the 10 s bound of one send
attempt inside it) stays a constant of the workflow: it is the standard measured, not a knob.
"""

from __future__ import annotations

from datetime import time, timedelta

from pydantic import BaseModel, ConfigDict, Field, NonNegativeInt, PositiveInt, model_validator


class MagelangSettings(BaseModel):
    """MAGESTY (Kota Magelang): each default is what the SOP and docs/magelang.md describe."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kode_berlaku: timedelta = Field(default=timedelta(minutes=5), gt=timedelta(0))
    """How long an activation code is valid after it is sent. 5 minutes: long enough to switch
    to WhatsApp and type six digits, short enough that a leaked code is soon worthless."""
    maks_percobaan: PositiveInt = 5
    """Wrong codes allowed per code before it is locked (then only a resend helps). 5 forgives
    typos; a six-digit code cannot be guessed in 5 tries."""
    jeda_kirim_ulang: timedelta = Field(default=timedelta(seconds=60), ge=timedelta(0))
    """Cooldown between two sends of a code. 60 s: WhatsApp delivers well within it, and it keeps
    one number from being flooded."""
    maks_kirim_ulang: NonNegativeInt = 3
    """Resends allowed after the first code (0: none). 3 covers a lost message or two; each send
    costs a paid WhatsApp message."""
    akun_kedaluwarsa: timedelta = Field(default=timedelta(hours=24), gt=timedelta(0))
    """A never-activated account is closed and its personal data erased after this. 24 hours:
    a citizen who registered today may still activate tomorrow morning; nothing is kept longer."""
    token_daftar_ttl: timedelta = Field(default=timedelta(hours=24), gt=timedelta(0))
    """How long the registration token (needed to activate and to ask for a resend) lives. 24
    hours, the account's own expiry: the token outlives no account it could act on."""
    token_warga_ttl: timedelta = Field(default=timedelta(days=30), gt=timedelta(0))
    """How long a citizen's MAGESTY login lasts. 30 days: a phone app stays logged in."""
    statistik_jam: time = time(0, 5)
    """Time of day (WIB, UTC+7, no daylight saving) the daily statistics report runs, on the day
    that just ended. 00:05: just after midnight, so the report covers the whole day."""
    pembaca_statistik: frozenset[str] = Field(
        default=frozenset({"satker", "kepala_bidang", "kepala_dinas"}), min_length=1
    )
    """Roles (of the MAGESTY agency) that read the user statistics: the Satker of step 3 and the
    chain above it. JSON list in the environment, e.g. ``["satker"]``."""

    @model_validator(mode="after")
    def _coherent(self) -> MagelangSettings:
        if self.kode_berlaku > self.akun_kedaluwarsa:
            raise ValueError("kode_berlaku must not be longer than akun_kedaluwarsa")
        if self.statistik_jam.tzinfo is not None:
            raise ValueError("statistik_jam is a WIB time of day, without a time zone")
        return self

    @property
    def statistik_offset(self) -> timedelta:
        """The report's time of day as an offset from 00:00 UTC (what the Schedule takes)."""
        jam = self.statistik_jam
        wib = timedelta(hours=jam.hour, minutes=jam.minute, seconds=jam.second)
        return (wib - timedelta(hours=7)) % timedelta(days=1)
