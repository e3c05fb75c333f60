"""View Probolinggo's settings (``ALUR_PROBOLINGGO__<FIELD>``): their defaults are the limits the
registration had as constants, the environment sets them, and a wrong value stops start-up with a
message naming the setting. (That a changed value takes effect is in the API and workflow tests.)"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from alur.settings import Settings
from alur.settings_probolinggo import ProbolinggoSettings
from workflows.probolinggo.models import AturanRegistrasi, RegistrasiMasuk, StatusWarga


def test_defaults_are_the_documented_limits() -> None:
    p = Settings(_env_file=None).probolinggo  # type: ignore[call-arg]
    assert p == ProbolinggoSettings()
    assert (p.otp_berlaku, p.otp_jeda_kirim_ulang) == (timedelta(minutes=5), timedelta(seconds=30))
    assert (p.max_kirim_ulang, p.max_otp_salah, p.max_nik_ditolak) == (3, 5, 5)
    assert p.max_identitas_ditolak == 5
    assert (p.max_otp_per_phone_per_hour, p.max_otp_per_client_per_hour) == (5, 300)
    assert (p.slow_after, p.slow_base, p.lock_after) == (3, timedelta(seconds=30), 5)
    assert (p.lock_for, p.busy_wait) == (timedelta(minutes=15), timedelta(seconds=5))


def test_an_input_without_limits_gets_the_settings_defaults() -> None:
    """A registration started before the input carried its limits replays with these: they must
    stay what the constants were, which are the settings' defaults."""
    old = RegistrasiMasuk.model_validate({"registration_id": "PRB-1", "status_warga": "warga_kota"})
    assert old.aturan == AturanRegistrasi.from_settings(ProbolinggoSettings())
    assert old.status_warga == StatusWarga.warga_kota


def test_the_environment_sets_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALUR_PROBOLINGGO__MAX_KIRIM_ULANG", "1")
    monkeypatch.setenv("ALUR_PROBOLINGGO__OTP_BERLAKU", "120")
    monkeypatch.setenv("ALUR_PROBOLINGGO__LOCK_FOR", "PT30M")
    p = Settings(_env_file=None).probolinggo  # type: ignore[call-arg]
    assert (p.max_kirim_ulang, p.otp_berlaku, p.lock_for) == (
        1,
        timedelta(minutes=2),
        timedelta(minutes=30),
    )
    aturan = AturanRegistrasi.from_settings(p)
    assert (aturan.max_kirim_ulang, aturan.otp_berlaku) == (1, timedelta(minutes=2))
    assert aturan.max_otp_salah == 5


@pytest.mark.parametrize(
    ("given", "field", "says"),
    [
        ({"max_kirim_ulang": 0}, "probolinggo.max_kirim_ulang", "greater than 0"),
        ({"max_otp_per_phone_per_hour": -1}, "probolinggo.max_otp_per_phone_per_hour", "greater"),
        ({"max_otp_salah": "lima"}, "probolinggo.max_otp_salah", "valid integer"),
        ({"otp_berlaku": 0}, "probolinggo.otp_berlaku", "longer than 0 seconds, got 0 s"),
        ({"lock_for": "-PT1M"}, "probolinggo.lock_for", "longer than 0 seconds, got -60 s"),
        ({"slow_after": 6}, "probolinggo", "slow_after (6) must not be greater than lock_after"),
    ],
)
def test_a_wrong_value_is_refused_with_the_setting_named(
    given: dict[str, Any], field: str, says: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, probolinggo=given)  # type: ignore[call-arg, arg-type]
    message = str(refused.value)
    assert field in message and says in message, message


def test_a_wrong_value_in_the_environment_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALUR_PROBOLINGGO__SLOW_BASE", "0")
    with pytest.raises(ValidationError, match=r"probolinggo\.slow_base"):
        Settings(_env_file=None)  # type: ignore[call-arg]
