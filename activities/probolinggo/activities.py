"""Kota Probolinggo, View Probolinggo registration: the activities the worker registers.

Database work (the OTP check, the NIK and identity checks, the account, erasure) runs on the main
queue; the OTP and success SMS on the notifications queue, under the provider's rate limit.
"""

from __future__ import annotations

from activities.probolinggo.otp import ProbolinggoSmsActivities
from activities.probolinggo.refs import ref_key
from activities.probolinggo.registrasi import ProbolinggoRegistrationActivities
from activities.probolinggo.siak import DbPopulationRegister
from activities.wiring import ActivityDeps, ActivitySet


def build_activities(deps: ActivityDeps) -> ActivitySet:
    """The registration's activities, over the worker's database and sender."""
    key = ref_key(deps.settings.personal_ref_key.get_secret_value())
    records = ProbolinggoRegistrationActivities(
        deps.session_factory, DbPopulationRegister(deps.session_factory), key
    )
    sms = ProbolinggoSmsActivities(
        deps.sender, deps.session_factory, key, deps.settings.probolinggo, deps.status_callback
    )
    return ActivitySet(
        main=[
            records.cocokkan_otp,
            records.periksa_nik,
            records.periksa_identitas,
            records.buat_akun,
            records.hapus_data,
        ],
        notifications=[sms.kirim_otp, sms.kabari_registrasi_berhasil],
    )
