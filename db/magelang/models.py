"""Kota Magelang's MAGESTY tables: the OPD service catalogue, which OPD each OPD officer serves,
citizens' accounts, their service requests, satisfaction surveys and the daily statistics report.

Personal data (name, WhatsApp number, email, password hash) lives only in ``magesty_akun``:
workflows carry the account id. An account that is never activated has its personal data erased
when it expires, but its row stays (status ``kedaluwarsa``) so the statistics still count it.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class MagestyOpd(Base):
    """An OPD (regional agency) of Kota Magelang that owns MAGESTY services."""

    __tablename__ = "magesty_opd"

    id: Mapped[int] = mapped_column(primary_key=True)
    kode: Mapped[str] = mapped_column(String(40), unique=True)
    nama: Mapped[str] = mapped_column(String(200))
    singkatan: Mapped[str] = mapped_column(String(40))


class MagestyLayanan(Base):
    """A service in the MAGESTY catalogue, owned by one OPD, with the form fields it needs."""

    __tablename__ = "magesty_layanan"

    id: Mapped[int] = mapped_column(primary_key=True)
    kode: Mapped[str] = mapped_column(String(60), unique=True)
    opd_kode: Mapped[str] = mapped_column(ForeignKey("magesty_opd.kode"), index=True)
    nama: Mapped[str] = mapped_column(String(200))
    deskripsi: Mapped[str] = mapped_column(Text)
    isian: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """The form: ``[{"kode", "label", "wajib", "maks"}]``; the API checks a request against it."""
    aktif: Mapped[bool] = mapped_column(default=True)


class MagestyPetugasOpd(Base):
    """Ties an officer of role ``opd`` (or ``kepala_opd``) to the OPD whose requests they serve."""

    __tablename__ = "magesty_petugas_opd"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(
        ForeignKey("officers.username", ondelete="CASCADE"), unique=True
    )
    opd_kode: Mapped[str] = mapped_column(ForeignKey("magesty_opd.kode"), index=True)


class MagestyAkun(Base):
    """A citizen's MAGESTY account; the activation code is kept only as its HMAC."""

    __tablename__ = "magesty_akun"

    id: Mapped[int] = mapped_column(primary_key=True)
    nama: Mapped[str | None] = mapped_column(String(200))
    whatsapp: Mapped[str | None] = mapped_column(String(20), unique=True)
    email: Mapped[str | None] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(30), index=True)
    """``menunggu_aktivasi``, ``aktif``, ``kedaluwarsa`` (never activated, data erased) or
    ``gagal_kirim`` (the number cannot receive WhatsApp, data erased)."""
    workflow_id: Mapped[str] = mapped_column(String(120), unique=True)
    kode_hash: Mapped[str | None] = mapped_column(String(64))
    kode_kedaluwarsa: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    activated_at: Mapped[datetime | None]


class MagestyPermohonan(Base):
    """A citizen's request for an OPD service: the form as filled in and the OPD's output."""

    __tablename__ = "magesty_permohonan"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40), unique=True)
    akun_id: Mapped[int] = mapped_column(ForeignKey("magesty_akun.id"), index=True)
    layanan_kode: Mapped[str] = mapped_column(String(60), index=True)
    opd_kode: Mapped[str] = mapped_column(String(40), index=True)
    isian: Mapped[dict[str, Any]] = mapped_column(default=dict)
    keputusan: Mapped[str | None] = mapped_column(String(20))
    """``selesai`` (served) or ``ditolak`` (refused), once the OPD has acted."""
    hasil: Mapped[str | None] = mapped_column(Text)
    dokumen_ref: Mapped[str | None] = mapped_column(String(300))
    alasan_penolakan: Mapped[str | None] = mapped_column(Text)
    dilayani_oleh: Mapped[str | None] = mapped_column(String(64))
    dilayani_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MagestySurvei(Base):
    """The satisfaction survey of one served request: answered (nine scores and the IKM) or
    closed unanswered after the SOP's 15 hours."""

    __tablename__ = "magesty_survei"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_number: Mapped[str] = mapped_column(String(40), unique=True)
    layanan_kode: Mapped[str] = mapped_column(String(60), index=True)
    opd_kode: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20))
    """``terjawab`` or ``tidak_dijawab``."""
    nilai: Mapped[list[int] | None] = mapped_column(JSON)
    ikm: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    saran: Mapped[str | None] = mapped_column(Text)
    dibuka_at: Mapped[datetime]
    ditutup_at: Mapped[datetime]


class MagestySaran(Base):
    """A citizen's written suggestion, kept here from the moment the survey is answered so it never
    travels through the workflow (its update carries only that there is one); moved into
    ``magesty_survei`` when the survey is recorded."""

    __tablename__ = "magesty_saran"

    id: Mapped[int] = mapped_column(primary_key=True)
    permintaan_id: Mapped[str] = mapped_column(String(100), unique=True)
    case_number: Mapped[str] = mapped_column(String(40), index=True)
    saran: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MagestyLaporanStatistik(Base):
    """The daily MAGESTY user-statistics report (SOP step 3), one per day."""

    __tablename__ = "magesty_laporan_statistik"

    id: Mapped[int] = mapped_column(primary_key=True)
    tanggal: Mapped[date] = mapped_column(unique=True)
    dibuat_at: Mapped[datetime]
    isi: Mapped[dict[str, Any]] = mapped_column(default=dict)
