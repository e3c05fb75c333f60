"""Working time (waktu kerja) of an Indonesian government agency: when its officers' time standards
run, how a deadline is found, and how long a step took in that time.

What counts as working time, and why these defaults:

- **Working days and hours.** Perpres 21/2023 (Hari Kerja dan Jam Kerja Instansi Pemerintah dan
  Pegawai ASN) sets five working days, Monday to Friday (Pasal 3), 37 hours 30 minutes a week *not
  counting breaks* (Pasal 4 ayat 1), starting at 07.30 local time (ayat 3), with a 90-minute break
  on Friday and a 60-minute break on the other days (ayat 5). The daily detail is the PPK's or the
  agency head's to set (Pasal 5), so it is a setting per agency; the default is the pattern most
  Pemda use under that rule (the old Keppres 68/1995 pattern it replaced): Monday to Thursday
  07.30-16.00 with a break 12.00-13.00 (7.5 hours), Friday 07.30-16.30 with a break 11.30-13.00
  for Friday prayers (7.5 hours): 5 x 7.5 = 37.5 hours. Breaks are not working time, so a deadline
  that would fall in one moves past it. Ramadan's shorter hours (32.5 hours, from 08.00) are not
  modelled: an agency sets its Ramadan hours as a local change if it wants them counted.
  Sources: the Perpres's text as quoted by setneg.go.id ("Pemerintah Terbitkan Aturan Flexible
  Working Arrangement bagi ASN", 2023) and kompas.com (14 April 2023).
- **Holidays.** National holidays (hari libur nasional) and joint leave days (cuti bersama) come
  from the ``holidays`` package, asking for both its PUBLIC and GOVERNMENT categories: PUBLIC alone
  (its default) leaves out cuti bersama, which the SKB of the three ministers declares each year
  (2026: 8 days). A Pemda's own days off (a regional anniversary, say) are added per agency.
- **Timezone.** Each agency counts in its own local time (WIB, WITA or WIT): 07.30 in Jayapura is
  two hours before 07.30 in Malang.

Reading a document's time standard (``SopStep.waktu`` with ``jam="kerja"``): a standard the
document writes in days is that many working days, each the agency's average working day (37.5 h /
5 = 7.5 h); one written in hours, minutes or seconds is that much working time. "1 hari" is one
working day, "30 jam" is 30 working hours (four working days), "15 menit" is 15 working minutes.
A step opened outside working time starts counting at the next opening. ``jam="kalender"`` (what
a citizen does or waits for) counts on the wall clock.

This module is pure (no settings, no I/O): ``activities/calendar.py`` builds calendars from the
settings and computes deadlines outside workflow code, so a new ``holidays`` release never changes
the deadline of a case already running.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

Jam = Literal["kerja", "kalender"]
"""A time standard's clock: the agency's working time, or the calendar (wall clock)."""

Interval = tuple[time, time]
"""One stretch of working time in a day, start to end (``time(0)`` as an end means midnight)."""

HARI = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
ZONA = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}
"""The IANA zones of Indonesia's three time zones (UU: Keppres 41/1987) and their abbreviations."""

_MON_THU: tuple[Interval, ...] = ((time(7, 30), time(12, 0)), (time(13, 0), time(16, 0)))
_FRI: tuple[Interval, ...] = ((time(7, 30), time(11, 30)), (time(13, 0), time(16, 30)))
JAM_KERJA_ASN: Mapping[int, tuple[Interval, ...]] = {
    0: _MON_THU,
    1: _MON_THU,
    2: _MON_THU,
    3: _MON_THU,
    4: _FRI,
}
"""The default office hours by weekday (0 = Monday): Perpres 21/2023's 37.5 hours, see above."""

SELALU: Mapping[int, tuple[Interval, ...]] = {d: ((time(0), time(0)),) for d in range(7)}
"""Every hour of every day (a test calendar: time standards then run as on the wall clock)."""

_MAX_DAYS = 3 * 366
"""How far a deadline is looked for: a calendar with no working time at all is a setting's error."""


def _length(start: time, end: time) -> timedelta:
    """How long one stretch of a day lasts (an end of ``time(0)`` is midnight, the day's end)."""
    day = date(2000, 1, 3)
    stop = datetime.combine(day + timedelta(days=1) if end == time(0) else day, end)
    return stop - datetime.combine(day, start)


def libur_nasional(years: Iterable[int]) -> holidays.HolidayBase:
    """Indonesia's national holidays and cuti bersama for these years (PUBLIC and GOVERNMENT)."""
    return holidays.country_holidays(
        "ID",
        years=list(years),
        categories=(holidays.PUBLIC, holidays.GOVERNMENT),
        language="id",
    )


@dataclass
class Kalender:
    """One agency's working time: its zone, its office hours by weekday, its days off."""

    zona: str = "Asia/Jakarta"
    jam_kerja: Mapping[int, Sequence[Interval]] = field(default_factory=lambda: JAM_KERJA_ASN)
    libur_lokal: frozenset[date] = frozenset()
    libur_nasional: bool = True
    """Whether national holidays and cuti bersama are days off (False only for a test calendar)."""

    def __post_init__(self) -> None:
        self.tz = ZoneInfo(self.zona)
        self._holidays: holidays.HolidayBase | None = None
        self._lock = threading.Lock()

    # --- days ----------------------------------------------------------------------------------
    def libur(self, day: date) -> str | None:
        """Why this day is not a working day (a holiday's name, "libur daerah", "akhir pekan"),
        or ``None`` for a working day."""
        if day in self.libur_lokal:
            return "libur daerah"
        if self.libur_nasional:
            with self._lock:  # the package fills a new year in on first look: one thread at a time
                if self._holidays is None:
                    self._holidays = libur_nasional([day.year])
                name = self._holidays.get(day)
            if name:
                return str(name)
        if not self.jam_kerja.get(day.weekday()):
            return "akhir pekan"
        return None

    def intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The working stretches of one local day as aware instants (none on a day off)."""
        if self.libur(day) is not None:
            return []
        out = []
        for start, end in self.jam_kerja.get(day.weekday(), ()):
            a = datetime.combine(day, start, self.tz)
            b = datetime.combine(day + timedelta(days=1) if end == time(0) else day, end, self.tz)
            out.append((a, b))
        return out

    def panjang_hari(self) -> timedelta:
        """The average working day: the week's working time over its working days (7.5 hours by
        default), what "1 hari" of a time standard is worth."""
        days = [d for d in range(7) if self.jam_kerja.get(d)]
        total = sum((_length(a, b) for d in days for a, b in self.jam_kerja[d]), timedelta())
        return total / len(days) if days else timedelta()

    # --- instants ------------------------------------------------------------------------------
    def local(self, at: datetime) -> datetime:
        """An instant in the agency's local time."""
        return at.astimezone(self.tz)

    def durasi_kerja(self, hari: int, waktu: timedelta) -> timedelta:
        """A document's time standard as working time: ``hari`` working days (each the average
        working day) and ``waktu`` of working hours, minutes and seconds."""
        return self.panjang_hari() * hari + waktu

    def tambah(self, start: datetime, durasi: timedelta) -> datetime:
        """The instant ``durasi`` of working time after ``start``; counting starts at the next
        opening when ``start`` is outside working time (a break, the evening, a holiday)."""
        remaining = durasi
        t = self.local(start)
        day = t.date()
        for _ in range(_MAX_DAYS):
            for a, b in self.intervals(day):
                if b <= t:
                    continue
                s = max(a, t)
                if remaining <= b - s:
                    return s + remaining
                remaining -= b - s
            day += timedelta(days=1)
        raise ValueError(f"no working time within {_MAX_DAYS} days of {start.isoformat()}")

    def pembukaan(self, at: datetime) -> datetime:
        """The next instant of working time at or after ``at`` (itself, inside office hours)."""
        return self.tambah(at, timedelta())

    def detik_kerja(self, start: datetime, end: datetime) -> float:
        """Working seconds between two instants (0 when ``end`` is not after ``start``)."""
        if end <= start:
            return 0.0
        a0, b0 = self.local(start), self.local(end)
        total = 0.0
        day = a0.date() - timedelta(days=1)  # a stretch running past midnight starts the day before
        while day <= b0.date():
            for a, b in self.intervals(day):
                lo, hi = max(a, a0), min(b, b0)
                if hi > lo:
                    total += (hi - lo).total_seconds()
            day += timedelta(days=1)
        return total

    def bekerja(self, at: datetime) -> bool:
        """Whether this instant is inside working time."""
        return self.pembukaan(at) == at


def detik(at: datetime, end: datetime, jam: Jam, kalender: Kalender) -> float:
    """Seconds from ``at`` to ``end`` in a step's clock."""
    if jam == "kerja":
        return kalender.detik_kerja(at, end)
    return max((end - at).total_seconds(), 0.0)


def teks_waktu(at: datetime, kalender: Kalender) -> str:
    """An instant as an Indonesian reads it: "Jumat, 4 Desember 2026 16.10 WIB"."""
    t = kalender.local(at)
    zone = ZONA.get(kalender.zona, t.strftime("%Z"))
    return f"{HARI[t.weekday()]}, {t.day} {BULAN[t.month - 1]} {t.year} {t:%H.%M} {zone}"


def teks_durasi(seconds: float) -> str:
    """A duration in days, hours and minutes: "2 jam 15 menit", "kurang dari 1 menit"."""
    minutes = int(seconds // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "hari"), (hours, "jam"), (mins, "menit")) if n]
    return " ".join(parts) if parts else "kurang dari 1 menit"


def teks_sisa(now: datetime, due: datetime, jam: Jam, kalender: Kalender) -> str:
    """What is left until a deadline, in its clock: "sisa 2 jam 15 menit waktu kerja", or how
    far past it is: "lewat 10 menit waktu kerja"."""
    clock = " waktu kerja" if jam == "kerja" else ""
    if due > now:
        return f"sisa {teks_durasi(detik(now, due, jam, kalender))}{clock}"
    return f"lewat {teks_durasi(detik(due, now, jam, kalender))}{clock}"
