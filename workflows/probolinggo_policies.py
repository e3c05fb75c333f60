"""View Probolinggo registration's limits and timeouts: the numbers the workflow holds a
registration to, apart from the SOP's own time standards (those come from the catalogue).

Changing one changes what a running registration does at its next step: a limit that must vary per
registration would go in the workflow's input instead.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

OTP_BERLAKU = timedelta(minutes=5)
"""How long a code is valid (the SMS's validity period too). The SOP's 1 minute is the step's
time standard, not the code's life: a citizen whose SMS arrives late should not need a new one."""
OTP_JEDA_KIRIM_ULANG = timedelta(seconds=30)
"""Cooldown between two codes of one registration."""
MAX_KIRIM_ULANG = 3
"""Resends per registration (so at most 4 codes)."""
MAX_OTP_SALAH = 5
"""Wrong codes per registration before it is stopped (a 6-digit code: 5 guesses in 10^6)."""
MAX_NIK_DITOLAK = 5
"""Refused NIKs per registration before it is stopped (guessing NIKs against the register)."""
MAX_IDENTITAS_DITOLAK = 5
"""Refused identities per registration before it is stopped."""

OTP_SEND_START_TO_CLOSE = timedelta(seconds=10)
OTP_SEND_SCHEDULE_TO_CLOSE = timedelta(seconds=45)
"""The OTP SMS, retries included, fits in the step's 1 minute."""
OTP_SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    non_retryable_error_types=["InvalidRecipient", "OtpRateLimited", "RegistrationGone"],
)
CHECK_START_TO_CLOSE = timedelta(seconds=10)
CHECK_SCHEDULE_TO_CLOSE = timedelta(seconds=60)
"""The NIK and identity checks (the register may be a web service): within the 2-minute steps."""
CHECK_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=500),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=10),
    non_retryable_error_types=["RegistrationGone"],
)

DONE_AT_START = ("pilih_daftar", "pilih_status_warga", "nomor_telepon")
"""Steps the app completes before the registration starts (menu, residency, number)."""
CITIZEN_STEPS = ("kata_sandi", "otp", "nik", "identitas")
"""Steps that wait on the citizen's update, in order."""

ALASAN_AKHIR = {
    "kedaluwarsa": "Registrasi melewati batas waktu 15 menit",
    "otp_salah_berulang": "Kode OTP salah terlalu sering",
    "nik_ditolak_berulang": "NIK ditolak terlalu sering",
    "identitas_ditolak_berulang": "Identitas ditolak terlalu sering",
    "nomor_tidak_dapat_menerima_sms": "Nomor HP tidak dapat menerima SMS",
    "batas_pengiriman_otp": "Batas pengiriman kode OTP tercapai, coba lagi dalam 1 jam",
    "sudah_terdaftar": "Nomor HP atau NIK ini sudah memiliki akun",
    "data_tidak_lengkap": "Data registrasi tidak lengkap",
}
"""Why a registration ended without an account, as the citizen is told."""
