"""The deadline of a step, computed outside workflow code (a local activity) so that it is recorded
in the case's history: the holidays and office hours it was computed with are those of the day
the step opened, and a new ``holidays`` release or a changed setting never moves the deadline of
a case already running when it replays.

The calendar itself is ``alur/working_time.py``; each agency's is in the settings
(``Settings.kalender``), as is the development time scale (``Settings.skala_waktu``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel
from temporalio import activity

from alur.settings import Settings
from alur.settings_kalender import KalenderSettings


class DeadlineInput(BaseModel):
    """A step opens: when, at which agency, its time standard and the standard's clock."""

    agency: str
    opened_at: datetime
    waktu: timedelta
    """The time standard as hours, minutes and seconds (``SopStep.waktu_sisa``)."""
    hari_kerja: int = 0
    """Working days on top (``SopStep.hari_kerja``: the document's "1 hari")."""
    jam: Literal["kerja", "kalender"] = "kerja"


class Deadline(BaseModel):
    """When the step's time standard runs out, and the clock it was counted in."""

    due_at: datetime
    jam: Literal["kerja", "kalender"]
    """``kerja`` or ``kalender``; a scaled (development) standard is counted on the calendar."""
    skala: int = 1
    """The development time scale applied (1: none)."""


def batas_waktu(kalender: KalenderSettings, skala: int, inp: DeadlineInput) -> Deadline:
    """The step's deadline: in working time for ``kerja`` (counting from the next opening when
    it opened outside office hours), on the wall clock for ``kalender``. Under the development
    time scale ``skala`` N the standard is N times shorter and counted on the wall clock, so a
    demo shows a breach within seconds whatever the hour. Shared by the calendar activity (runs
    from before ``trail.ONE_ACTIVITY_PATCH``) and the activity that opens a step (runs after)."""
    agency = kalender.kalender(inp.agency)
    if inp.jam == "kerja":
        standard = agency.durasi_kerja(inp.hari_kerja, inp.waktu)
    else:
        standard = inp.waktu + timedelta(days=inp.hari_kerja)
    if skala != 1:
        return Deadline(
            due_at=(inp.opened_at + standard / skala).astimezone(UTC), jam="kalender", skala=skala
        )
    if inp.jam == "kerja":
        due = agency.tambah(inp.opened_at, standard)
    else:
        due = inp.opened_at + standard
    return Deadline(due_at=due.astimezone(UTC), jam=inp.jam)


class CalendarActivities:
    """Deadlines from the agencies' working time, bound to the worker's settings."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @activity.defn
    def batas_waktu(self, inp: DeadlineInput) -> Deadline:
        """The step's deadline (``batas_waktu`` above), for runs that ask it on its own."""
        return batas_waktu(self._settings.kalender, self._settings.skala_waktu, inp)
