"""Citizens behind one carrier address (carrier-grade NAT) are not refused each other's codes: the
per-address OTP cap bounds one bot, the per-number cap protects each number."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from activities.probolinggo.refs import client_ref, phone_ref, secret_key
from alur.settings import get_settings
from db.probolinggo.models import ProbolinggoOtpSend
from db.session import transaction
from tests.conftest import ApiClient

CARRIER_ADDRESS = "127.0.0.1"
"""The address every request of the test client comes from: here, one carrier's NAT."""


def _codes_sent_behind_one_address(sessions: sessionmaker[Session], numbers: int) -> None:
    """``numbers`` different citizens each got one code this hour, all from the same address."""
    key = secret_key()
    with transaction(sessions) as s:
        for i in range(numbers):
            s.add(
                ProbolinggoOtpSend(
                    send_key=f"nat-{uuid.uuid4().hex}",
                    registration_id=f"PRB-NAT{i}",
                    phone_ref=phone_ref(key, f"+62812770{i:05d}"),
                    client_ref=client_ref(key, CARRIER_ADDRESS),
                    sent_at=datetime.now(UTC) - timedelta(minutes=10),
                )
            )


async def test_fifty_neighbours_behind_one_carrier_address_can_still_register(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    _codes_sent_behind_one_address(sessions, 50)
    r = await api.http.post(
        "/probolinggo/registrasi",
        json={"status_warga": "warga_luar_kota", "telepon": "+6281299900777"},
    )
    assert r.status_code == 201, r.text


def test_the_address_cap_stays_far_above_the_per_number_cap() -> None:
    caps = get_settings().probolinggo
    assert caps.max_otp_per_phone_per_hour == 5
    assert caps.max_otp_per_client_per_hour >= 50 * caps.max_otp_per_phone_per_hour
