"""Each agency's working time, the nested settings ``Settings.kalender`` (environment
``ALUR_KALENDER__<FIELD>``, a JSON value for the mappings).

An agency's timezone, office hours by weekday and local days off; the national holidays and cuti
bersama come from the ``holidays`` package (see ``alur/working_time.py``, which also says why the
default office hours are Perpres 21/2023's 37.5 hours a week). The four agencies Alur runs
(``malang-bagpem``, ``trenggalek-diskominfo``, ``magelang-diskominfostat``,
``probolinggo-diskominfo``) are all in WIB on the default hours, so they need no entry of their
own; an agency in WITA or WIT, or with other hours, gets one in ``instansi``.
"""

from __future__ import annotations

import re
from datetime import date, time
from typing import Annotated, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from alur.working_time import JAM_KERJA_ASN, SELALU, ZONA, Interval, Kalender

Hari = Literal["senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu"]

_RENTANG = re.compile(r"^([01]\d|2[0-3])[:.]([0-5]\d)-([01]\d|2[0-4])[:.]([0-5]\d)$")


def _rentang(value: str) -> str:
    """One stretch of office hours as ``HH:MM-HH:MM`` (``24:00`` is midnight), start before end."""
    match = _RENTANG.match(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a range of hours HH:MM-HH:MM (07:30-12:00)")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if (h2, m2) > (24, 0) or (h1, m1) >= (h2, m2):
        raise ValueError(f"{value!r}: the start must come before the end, the end by 24:00")
    return f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"


Rentang = Annotated[str, AfterValidator(_rentang)]


def _as_interval(value: str) -> Interval:
    start, end = value.split("-")
    h1, m1 = (int(x) for x in start.split(":"))
    h2, m2 = (int(x) for x in end.split(":"))
    return time(h1, m1), time(0) if h2 == 24 else time(h2, m2)


def _text(intervals: tuple[Interval, ...]) -> tuple[str, ...]:
    return tuple(f"{a:%H:%M}-{'24:00' if b == time(0) else f'{b:%H:%M}'}" for a, b in intervals)


HARI_KODE: tuple[Hari, ...] = ("senin", "selasa", "rabu", "kamis", "jumat", "sabtu", "minggu")
_DEFAULT_HOURS: dict[Hari, tuple[str, ...]] = {
    HARI_KODE[d]: _text(hours) for d, hours in JAM_KERJA_ASN.items()
}


class KalenderInstansi(BaseModel):
    """One agency's working time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    zona_waktu: Literal["Asia/Jakarta", "Asia/Pontianak", "Asia/Makassar", "Asia/Jayapura"] = (
        "Asia/Jakarta"
    )
    """The agency's timezone: ``Asia/Jakarta`` or ``Asia/Pontianak`` (WIB), ``Asia/Makassar``
    (WITA), ``Asia/Jayapura`` (WIT). Office hours are in this local time (Perpres 21/2023 Pasal 4:
    "zona waktu setempat")."""
    jam_kerja: dict[Hari, tuple[Rentang, ...]] = Field(default_factory=lambda: dict(_DEFAULT_HOURS))
    """Office hours by day, breaks left out: ``{"senin": ["07:30-12:00", "13:00-16:00"], ...}``;
    a day not listed is a day off. Default: Monday-Thursday 07.30-16.00 with a break 12.00-13.00,
    Friday 07.30-16.30 with a break 11.30-13.00 (37.5 hours a week, Perpres 21/2023)."""
    libur_lokal: tuple[date, ...] = ()
    """Days off the Pemda declares itself (a regional anniversary), ``["2026-04-01"]``, beside the
    national holidays and cuti bersama."""

    @model_validator(mode="after")
    def _no_overlap(self) -> Self:
        for day, ranges in self.jam_kerja.items():
            spans = sorted(_as_interval(r) for r in ranges)
            for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
                if end == time(0) or start < end:
                    raise ValueError(f"jam_kerja {day}: the ranges {ranges} overlap")
        if not any(self.jam_kerja.values()):
            raise ValueError("jam_kerja: an agency needs at least one working day")
        return self

    def kalender(self, selalu_kerja: bool = False) -> Kalender:
        """The calendar these settings describe (every hour of every day when ``selalu_kerja``)."""
        if selalu_kerja:
            return Kalender(zona=self.zona_waktu, jam_kerja=SELALU, libur_nasional=False)
        hours = {
            HARI_KODE.index(day): tuple(sorted(_as_interval(r) for r in ranges))
            for day, ranges in self.jam_kerja.items()
            if ranges
        }
        return Kalender(
            zona=self.zona_waktu, jam_kerja=hours, libur_lokal=frozenset(self.libur_lokal)
        )

    @property
    def singkatan_zona(self) -> str:
        """WIB, WITA or WIT."""
        return ZONA[self.zona_waktu]


class KalenderSettings(BaseModel):
    """Every agency's working time: ``bawaan`` for any agency not in ``instansi``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    bawaan: KalenderInstansi = Field(default_factory=KalenderInstansi)
    """The working time of every agency without its own entry (WIB, Perpres 21/2023's hours)."""
    instansi: dict[str, KalenderInstansi] = Field(default_factory=dict)
    """An agency's own working time by its code (``Sop.agensi``), when it differs from
    ``bawaan``: ``{"malang-bagpem": {"libur_lokal": ["2026-04-01"]}}``."""
    selalu_kerja: bool = False
    """Every hour of every day counts as working time, no holidays: for tests of an SOP's own
    logic, whose time standards then run as on the wall clock whenever the tests run. Refused in
    production."""
    _kalender: dict[str, Kalender] = PrivateAttr(default_factory=dict)

    def untuk(self, agency: str) -> KalenderInstansi:
        """The working-time settings of one agency."""
        return self.instansi.get(agency, self.bawaan)

    def kalender(self, agency: str) -> Kalender:
        """The calendar of one agency, built once (its holidays are looked up once a year)."""
        if agency not in self._kalender:
            self._kalender[agency] = self.untuk(agency).kalender(self.selalu_kerja)
        return self._kalender[agency]
