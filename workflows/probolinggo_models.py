"""View Probolinggo registration: what the workflow takes, answers and returns.

None of these models carries personal data: the phone number, password hash, NIK and identity stay
in the registration draft table, keyed by ``registration_id``. The OTP travels only as a keyed
proof (``bukti``, an HMAC the API makes of the code), never as the code itself.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class StatusWarga(StrEnum):
    """Step 3's choice: a resident of Kota Probolinggo, or not."""

    warga_kota = "warga_kota"
    warga_luar_kota = "warga_luar_kota"


class RegistrasiMasuk(BaseModel):
    """The workflow's input: the registration id (random, no personal data) and the residency."""

    registration_id: str = Field(min_length=1, max_length=40)
    status_warga: StatusWarga


class Isian(BaseModel):
    """An update that says "the citizen has entered this step's data" (kept in the draft)."""

    permintaan_id: str = Field(default="", max_length=100)


class KodeOtp(BaseModel):
    """The OTP the citizen typed, as the API's keyed proof of it (see ``otp_proof``)."""

    bukti: str = Field(min_length=64, max_length=64)


class Hasil(StrEnum):
    """What an update answers, as a stable code for programs."""

    diterima = "diterima"
    """The step is done; ``langkah`` names the next."""
    terkirim = "terkirim"
    """An OTP was sent."""
    salah = "salah"
    """Wrong OTP; ``sisa_percobaan`` attempts left."""
    kedaluwarsa = "kedaluwarsa"
    """The OTP expired: ask for a new one (``kirim_ulang_otp``)."""
    ditolak = "ditolak"
    """The data was refused; ``alasan`` says why (NIK structure, region, register, duplicate,
    identity mismatch)."""
    tunggu = "tunggu"
    """A resend asked too soon; ``tunggu_detik`` says how long to wait."""
    batas = "batas"
    """A limit against abuse was reached (resends, codes per number or address per hour)."""
    gagal = "gagal"
    """The registration has ended (too many wrong attempts, a number that cannot get SMS,
    expired); its personal data is deleted."""


class Jawaban(BaseModel):
    """Every update's answer: the outcome, a message for the citizen, and where things stand."""

    hasil: Hasil
    pesan: str
    langkah: str | None
    """The step the registration now waits on (None once it has ended)."""
    alasan: str | None = None
    sisa_percobaan: int | None = None
    tunggu_detik: int | None = None
    otp_berlaku_sampai: datetime | None = None
    detail: list[str] = []
    """Names of the fields that did not agree (identity check); never their values."""


class StatusRegistrasi(BaseModel):
    """The ``status`` query's answer."""

    registration_id: str
    status_warga: StatusWarga
    status: str
    langkah: str | None
    berlaku_sampai: datetime
    sla_terlampaui: bool
    otp_berlaku_sampai: datetime | None
    otp_kirim_ulang_pada: datetime | None
    sisa_percobaan_otp: int
    sisa_kirim_ulang: int
    alasan: str | None


class HasilRegistrasi(BaseModel):
    """How the registration ended."""

    registration_id: str
    status: str
    """selesai, kedaluwarsa or gagal."""
    alasan: str | None
    sla_terlampaui: bool
    langkah_terlampaui: list[str]
