"""View Probolinggo registration: what the workflow takes, answers and returns.

None of these models carries personal data: the phone number, password hash, NIK and identity stay
in the registration draft table, keyed by ``registration_id``. The OTP travels only as a keyed
proof (``bukti``, an HMAC the API makes of the code), never as the code itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from pydantic import BaseModel, Field, PositiveInt

from alur.settings_probolinggo import PositiveDuration, ProbolinggoSettings


class StatusWarga(StrEnum):
    """Step 3's choice: a resident of Kota Probolinggo, or not."""

    warga_kota = "warga_kota"
    warga_luar_kota = "warga_luar_kota"


class AturanRegistrasi(BaseModel):
    """The limits one registration is held to, fixed when it starts (in its input, so the workflow
    stays deterministic and a running registration keeps them whatever the settings become).

    The defaults are the limits of registrations started before the input carried them: they must
    not change, or such a registration would replay differently. The configured values are the
    settings ``ALUR_PROBOLINGGO__...`` (``alur.settings_probolinggo``), which say what each means.
    """

    otp_berlaku: PositiveDuration = timedelta(minutes=5)
    """How long a code is valid."""
    otp_jeda_kirim_ulang: PositiveDuration = timedelta(seconds=30)
    """Cooldown between two codes."""
    max_kirim_ulang: PositiveInt = 3
    """Resends (so at most ``max_kirim_ulang + 1`` codes)."""
    max_otp_salah: PositiveInt = 5
    """Wrong codes before the registration is stopped."""
    max_nik_ditolak: PositiveInt = 5
    """Refused NIKs before the registration is stopped."""
    max_identitas_ditolak: PositiveInt = 5
    """Refused identities before the registration is stopped."""

    @classmethod
    def from_settings(cls, settings: ProbolinggoSettings) -> AturanRegistrasi:
        """The limits a registration started now gets, from the configured settings."""
        return cls.model_validate(settings.model_dump(include=set(cls.model_fields)))


class RegistrasiMasuk(BaseModel):
    """The workflow's input: the registration id (random, no personal data), the residency and
    the limits it is held to."""

    registration_id: str = Field(min_length=1, max_length=40)
    status_warga: StatusWarga
    aturan: AturanRegistrasi = Field(default_factory=AturanRegistrasi)
    """Absent from registrations started before it existed: those get today's defaults."""


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
