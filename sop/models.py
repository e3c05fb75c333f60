"""Typed shape of an SOP as the documents write it.

An SOP (standar operasional prosedur) has an identity block (number, agency, dates, legal basis,
qualifications, equipment, warnings, records) and a table of steps (kegiatan), each with its actor
(pelaksana), what it needs (kelengkapan), its time standard (waktu, the "mutu baku") and its output.
Workflows take their SLAs from ``SopStep.waktu``; the API serves these models as they are.

Every time standard declares its clock (``SopStep.jam``): an officer's step runs on the agency's
working time (``alur/working_time.py``), what a citizen does or waits for on the calendar.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, computed_field

BACAAN_KERJA = (
    "Waktu kerja: dihitung hanya pada jam kerja instansi (Senin-Jumat, 37,5 jam seminggu menurut "
    "Perpres 21/2023, tanpa jam istirahat, hari libur nasional, cuti bersama dan libur daerah). "
    "'1 hari' dibaca 1 hari kerja (rata-rata 7,5 jam kerja), 'N jam' dibaca N jam kerja, 'N "
    "menit' N menit kerja; langkah yang dibuka di luar jam kerja mulai dihitung pada jam kerja "
    "berikutnya. Alasannya: mutu baku SOP (PermenPAN-RB 35/2012) adalah waktu kerja pelaksana, "
    "dan pelayanan publik menghitung dalam hari kerja (SP4N-LAPOR!: diteruskan dalam 3 hari kerja)."
)
"""How an officer's time standard is read (shown in ``GET /sop/{kode}``)."""

BACAAN_KALENDER = (
    "Waktu kalender: dihitung terus menurut jam dinding, siang-malam dan hari libur, karena yang "
    "ditunggu adalah warga (atau yang dialami warga), bukan jam kerja kantor."
)
"""How a citizen's time standard is read."""

_HARI = re.compile(r"^\s*(\d+)\s*hari\b", re.IGNORECASE)


class Peran(BaseModel):
    """A role (jabatan) that acts in an SOP, with the role it answers to for escalations."""

    model_config = ConfigDict(frozen=True)

    kode: str
    nama: str
    atasan: str | None = None
    """Code of the superior role notified when this role breaches a step's time standard."""


class SopStep(BaseModel):
    """One row of the SOP's table (one kegiatan)."""

    model_config = ConfigDict(frozen=True)

    nomor: int
    kode: str
    """The step's code name, the same in the workflow, the API and the task list."""
    kegiatan: str
    """The step's text in Indonesian, as the document writes it."""
    kegiatan_en: str
    pelaksana: str
    """Code of the acting role (a ``Peran.kode``) or ``masyarakat`` for the citizen."""
    kelengkapan: tuple[str, ...]
    waktu: timedelta | None
    """The time standard (mutu baku waktu); ``None`` where the document gives none."""
    waktu_teks: str
    """The time standard as written in the document ("15 menit", "30 Detik")."""
    output: str
    keterangan: str = ""
    dalam_sistem: bool = True
    """False for steps that happen outside Alur (installing an app from the Play Store)."""
    jam: Literal["kerja", "kalender"] = "kerja"
    """The time standard's clock: ``kerja`` (the agency's working time, for officers' steps) or
    ``kalender`` (the wall clock, for what a citizen does or waits for). Every catalogue step
    sets it."""
    bacaan_waktu: str = ""
    """How the document's words for the time standard are read, with the reason (Indonesian)."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def hari_kerja(self) -> int:
        """Working days in the time standard: the document's "N hari" on the working clock (then
        ``waktu`` is N days); 0 for one written in hours, minutes or seconds ("30 jam" is 30
        working hours, not a day and 6 hours)."""
        match = _HARI.match(self.waktu_teks)
        return int(match.group(1)) if match and self.jam == "kerja" else 0

    @property
    def waktu_sisa(self) -> timedelta | None:
        """The part of the time standard counted as hours/minutes/seconds (all of it unless the
        document writes it in working days)."""
        if self.waktu is None:
            return None
        return self.waktu - timedelta(days=self.hari_kerja)


class SopIdentity(BaseModel):
    """The identity block at the head of an SOP document."""

    model_config = ConfigDict(frozen=True)

    nomor: str
    nama: str
    pemerintah: str
    """The local government (Kota Malang, Kabupaten Trenggalek, ...)."""
    instansi: str
    """The agency (OPD) or section that issued the SOP."""
    unit: str = ""
    tanggal_pembuatan: str
    tanggal_revisi: str = ""
    tanggal_pengesahan: str = ""
    tanggal_efektif: str = ""
    disahkan_oleh: str = ""
    dasar_hukum: tuple[str, ...]
    kualifikasi_pelaksana: tuple[str, ...]
    keterkaitan: tuple[str, ...] = ()
    peralatan: tuple[str, ...]
    peringatan: str = ""
    pencatatan: str


class Sop(BaseModel):
    """A whole SOP: identity, the roles that act in it, and its steps in order."""

    model_config = ConfigDict(frozen=True)

    kode: str
    """Alur's short code for the SOP, used in workflow ids and URLs (``malang-pengelolaan-tik``)."""
    agensi: str
    """Alur's code for the agency that owns the cases (officers are scoped to it)."""
    identitas: SopIdentity
    peran: tuple[Peran, ...]
    langkah: tuple[SopStep, ...]
    sumber: str
    """File name of the original text under ``sop/sources/`` this catalogue was transcribed from."""

    def step(self, kode: str) -> SopStep:
        """The step with this code; a ``KeyError`` names the SOP and code when it does not exist."""
        for s in self.langkah:
            if s.kode == kode:
                return s
        raise KeyError(f"SOP {self.kode} has no step {kode!r}")

    def role(self, kode: str) -> Peran:
        """The role with this code."""
        for p in self.peran:
            if p.kode == kode:
                return p
        raise KeyError(f"SOP {self.kode} has no role {kode!r}")
