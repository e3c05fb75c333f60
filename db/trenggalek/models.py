"""Kabupaten Trenggalek's tables: the proposal's register entry (the agenda book), every version of
its text, and the public page of an approved application.

The agenda number is the proposal's line in the agency's agenda book of official letters (buku
agenda naskah dinas); the versions are what the SOP's disposition sheets and archive binder keep on
paper: who wrote which text in which round. The public page holds no personal data.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class TrenggalekUsulan(Base):
    """A proposal to use a service application: its case, agenda number, title and proposer."""

    __tablename__ = "trenggalek_usulan"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    case_number: Mapped[str] = mapped_column(String(40), unique=True)
    nomor_agenda: Mapped[str | None] = mapped_column(String(40), unique=True)
    """Filled in right after the row exists: it is numbered by the row's id."""
    judul: Mapped[str] = mapped_column(String(200))
    pengusul: Mapped[str] = mapped_column(String(64))
    """Username of the Fungsional who started the proposal."""
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrenggalekVersiNaskah(Base):
    """One version of the proposal's text: the step and round that wrote it, by whom, when."""

    __tablename__ = "trenggalek_versi_naskah"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_key: Mapped[str] = mapped_column(String(200), unique=True)
    """Workflow id, step and round: a retried activity writes the version once."""
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    round: Mapped[int]
    step: Mapped[str] = mapped_column(String(64))
    author: Mapped[str] = mapped_column(String(64))
    author_role: Mapped[str] = mapped_column(String(64))
    teks: Mapped[str] = mapped_column(Text)
    catatan: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class TrenggalekAplikasiPublik(Base):
    """The published information of an approved application (step 6's output)."""

    __tablename__ = "trenggalek_aplikasi_publik"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40), unique=True)
    nama_aplikasi: Mapped[str] = mapped_column(String(200))
    ringkasan: Mapped[str] = mapped_column(Text)
    tautan: Mapped[str | None] = mapped_column(String(500))
    media_komunikasi: Mapped[str | None] = mapped_column(String(500))
    cara_penyediaan: Mapped[str] = mapped_column(String(20))
    disetujui_pada: Mapped[datetime]
    diterbitkan_pada: Mapped[datetime]
