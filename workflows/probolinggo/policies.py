"""View Probolinggo registration's activity timeouts and fixed texts.

The limits a registration is held to (code validity, cooldown, resends, wrong attempts) are
settings (``ALUR_PROBOLINGGO__...``) that reach the workflow in its input (``AturanRegistrasi``).
The SOP's own time standards come from the catalogue; the timeouts here are tied to them (the OTP
SMS fits the OTP step's 1 minute), so they are not operator settings. Changing one changes what a
running registration does at its next step.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

OTP_SEND_START_TO_CLOSE = timedelta(seconds=10)
OTP_SEND_SCHEDULE_TO_CLOSE = timedelta(seconds=45)
"""The OTP SMS, retries included, fits in the step's 1 minute (the SOP's time standard)."""
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
