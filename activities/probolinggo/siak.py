"""The population register (SIAK) as registration sees it: one question, "who has this NIK?".

``PopulationRegister`` is the interface; ``DbPopulationRegister`` answers from Alur's own copy of
the register (table ``population_records``, loaded from a SIAK CSV export by ``alur.seed``). A
client of a real SIAK web service (Dukcapil's) implements the same method and raises
``RegisterUnavailable`` when it cannot answer, which the activity retries.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import PopulationRecord


@dataclass(frozen=True)
class RegisterEntry:
    """What registration needs of a register record (nothing of it is copied elsewhere)."""

    nik: str
    nama: str
    tempat_lahir: str
    tanggal_lahir: date
    jenis_kelamin: str
    alamat: str
    kode_wilayah: str


class RegisterUnavailable(Exception):
    """The register could not answer now (a web service down, a timeout): worth retrying."""


class PopulationRegister(Protocol):
    """Looks a NIK up in the population register."""

    def find(self, nik: str) -> RegisterEntry | None:
        """The record of this NIK, or None when the register has no such person."""
        ...


class DbPopulationRegister:
    """The register as Alur's ``population_records`` table."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._sessions = session_factory

    def find(self, nik: str) -> RegisterEntry | None:
        with self._sessions() as s:
            row = s.scalar(select(PopulationRecord).where(PopulationRecord.nik == nik))
        if row is None:
            return None
        # the entry is the register's row, field for field (only what registration compares)
        return RegisterEntry(**{f.name: getattr(row, f.name) for f in fields(RegisterEntry)})
