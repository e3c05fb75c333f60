"""Kota Probolinggo's View Probolinggo registration tables: the registration draft, the log of OTP
codes sent, and the citizen accounts.

The personal data a registration gathers (phone number, password hash, NIK, identity) lives only in
the draft row, keyed by the registration id the workflow carries; the workflow never sees it. The
draft's personal columns are emptied when the registration ends, whichever way (UU 27/2022: delete
what an unfinished process gathered; an account keeps only what it needs).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, utcnow


class ProbolinggoRegistration(Base):
    """One registration in progress (the draft) or ended (its outcome, personal data erased)."""

    __tablename__ = "probolinggo_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[str] = mapped_column(String(40), unique=True)
    status_warga: Mapped[str] = mapped_column(String(20))
    """``warga_kota`` (resident of Kota Probolinggo) or ``warga_luar_kota``."""
    status: Mapped[str] = mapped_column(String(20), default="berjalan")
    """berjalan, selesai, kedaluwarsa (15 minutes passed) or gagal (refused for abuse or a number
    that cannot receive SMS)."""
    end_reason: Mapped[str | None] = mapped_column(String(64))
    phone_ref: Mapped[str] = mapped_column(String(64), index=True)
    """HMAC of the phone number: kept after erasure, it counts codes sent to one number."""
    client_ref: Mapped[str | None] = mapped_column(String(64))
    """HMAC of the client address of the request that last asked for a code."""
    # --- personal data: NULL once the registration ends ------------------------------------------
    phone: Mapped[str | None] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    otp_hash: Mapped[str | None] = mapped_column(String(64))
    nik: Mapped[str | None] = mapped_column(String(16))
    nama: Mapped[str | None] = mapped_column(String(200))
    tempat_lahir: Mapped[str | None] = mapped_column(String(100))
    tanggal_lahir: Mapped[date | None]
    jenis_kelamin: Mapped[str | None] = mapped_column(String(1))
    alamat: Mapped[str | None] = mapped_column(String(300))
    locked_step: Mapped[str | None] = mapped_column(String(20))
    """The step whose data is being (or has been) checked: ``nik``, or ``identitas`` (which locks
    the NIK too). Set by the check before it reads, cleared when the check refuses; the API writes a
    step's data only while it is not locked, so what was checked is what the account is made of."""
    # ---------------------------------------------------------------------------------------------
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    erased_at: Mapped[datetime | None]


class ProbolinggoOtpSend(Base):
    """One OTP code sent: counted per number and per client address per hour against SMS pumping.
    Holds HMACs only, never the number or the code."""

    __tablename__ = "probolinggo_otp_sends"

    id: Mapped[int] = mapped_column(primary_key=True)
    send_key: Mapped[str] = mapped_column(String(200), unique=True)
    registration_id: Mapped[str] = mapped_column(String(40), index=True)
    phone_ref: Mapped[str] = mapped_column(String(64))
    client_ref: Mapped[str | None] = mapped_column(String(64))
    sent_at: Mapped[datetime]

    __table_args__ = (
        Index("ix_probolinggo_otp_sends_phone", "phone_ref", "sent_at"),
        Index("ix_probolinggo_otp_sends_client", "client_ref", "sent_at"),
    )


class ProbolinggoOtpLimit(Base):
    """One row per number or client address reference (``p:``/``c:`` + HMAC): a send locks its
    rows (an UPDATE) before counting the last hour's sends and reserving its own, so parallel sends
    to one number or from one address are counted one after another, never past the cap."""

    __tablename__ = "probolinggo_otp_limits"

    id: Mapped[int] = mapped_column(primary_key=True)
    ref: Mapped[str] = mapped_column(String(80), unique=True)
    sends: Mapped[int] = mapped_column(default=0)
    """Sends reserved under this reference, ever (the lock's write; the cap counts the hour)."""


class ProbolinggoAccount(Base):
    """A View Probolinggo citizen account, created when a registration succeeds; logs in with
    phone and password. Repeated failed logins slow down, then lock the account for a while."""

    __tablename__ = "probolinggo_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[str] = mapped_column(String(40), unique=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    nik_ref: Mapped[str] = mapped_column(String(64), unique=True)
    """The NIK's keyed hash (``activities.probolinggo.refs.nik_ref``): the one-account-per-NIK
    check needs no NIK in clear (UU 27/2022)."""
    nik_tersamar: Mapped[str] = mapped_column(String(16))
    """The NIK as the citizen's own account shows it: region and serial only."""
    nama: Mapped[str] = mapped_column(String(200))
    tempat_lahir: Mapped[str] = mapped_column(String(100))
    tanggal_lahir: Mapped[date]
    jenis_kelamin: Mapped[str] = mapped_column(String(1))
    alamat: Mapped[str] = mapped_column(String(300))
    status_warga: Mapped[str] = mapped_column(String(20))
    siak_terverifikasi: Mapped[bool] = mapped_column(default=False)
    """True when the NIK was found in the population register (residents only)."""
    password_hash: Mapped[str] = mapped_column(String(255))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
