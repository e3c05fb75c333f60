"""Typed shape of an SOP as the documents write it.

An SOP (standar operasional prosedur) has an identity block (number, agency, dates, legal basis,
qualifications, equipment, warnings, records) and a table of steps (kegiatan), each with its actor
(pelaksana), what it needs (kelengkapan), its time standard (waktu, the "mutu baku") and its output.
Workflows take their SLAs from ``SopStep.waktu``; the API serves these models as they are.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, ConfigDict


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
