"""Platform endpoints: Twilio's status webhook (signature checked against the public URL), the
Temporal UI codec, and the dev outbox that production never serves."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.service import RPCError, RPCStatusCode
from twilio.request_validator import RequestValidator

from alur.settings import Settings
from api.main import create_app
from db.models import Case, CaseContact, Notification
from db.session import transaction
from tests.conftest import TEST_PAYLOAD_KEY

AUTH_TOKEN = "twilio-test-auth-token"
PUBLIC = "https://alur.example.go.id"


def _settings(**kw: object) -> Settings:
    return Settings(
        environment=kw.pop("environment", "test"),  # type: ignore[arg-type]
        payload_key=TEST_PAYLOAD_KEY,  # type: ignore[arg-type]
        public_base_url=PUBLIC,
        twilio_auth_token=AUTH_TOKEN,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture
async def http(sessions: sessionmaker[Session]) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(_settings(), sessions=sessions, temporal=None)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://internal:8000"
    ) as client:
        yield client


def _message(sessions: sessionmaker[Session], sid: str, status: str = "queued") -> None:
    with transaction(sessions) as s:
        s.add(
            Notification(
                notification_key=f"k/{sid}",
                purpose="tanggapan",
                channel="sms",
                recipient="+6281234567890",
                recipient_masked="+62812****7890",
                body="x",
                provider="twilio",
                provider_id=sid,
                status=status,
                created_at=datetime.now(UTC),
            )
        )


def _signed(params: dict[str, str]) -> dict[str, str]:
    url = f"{PUBLIC}/webhooks/twilio/status"
    return {"X-Twilio-Signature": RequestValidator(AUTH_TOKEN).compute_signature(url, params)}


async def test_signed_status_callback_updates_the_message(
    http: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    _message(sessions, "SM" + "a" * 32, status="sent")
    params = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    r = await http.post("/webhooks/twilio/status", data=params, headers=_signed(params))
    assert r.status_code == 204
    with sessions() as s:
        row = s.scalar(select(Notification))
    assert row is not None and (row.status, row.error_code) == ("undelivered", 30003)


async def test_a_late_callback_never_moves_status_backwards(
    http: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    _message(sessions, "SM" + "b" * 32, status="delivered")
    params = {"MessageSid": "SM" + "b" * 32, "MessageStatus": "sent"}
    r = await http.post("/webhooks/twilio/status", data=params, headers=_signed(params))
    assert r.status_code == 204
    with sessions() as s:
        assert s.scalar(select(Notification.status)) == "delivered"


async def test_unsigned_or_forged_callbacks_are_403_and_change_nothing(
    http: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    _message(sessions, "SM" + "c" * 32, status="sent")
    params = {"MessageSid": "SM" + "c" * 32, "MessageStatus": "failed"}
    forged = {**params, "MessageStatus": "delivered"}
    for headers in ({}, {"X-Twilio-Signature": "bm9wZQ=="}, _signed(forged)):
        r = await http.post("/webhooks/twilio/status", data=params, headers=headers)
        assert r.status_code == 403
        assert r.json()["error"]["code"] == "bad_signature"
    with sessions() as s:
        assert s.scalar(select(Notification.status)) == "sent"


async def test_callback_for_an_unknown_message_is_404(http: httpx.AsyncClient) -> None:
    params = {"MessageSid": "SM" + "d" * 32, "MessageStatus": "delivered"}
    r = await http.post("/webhooks/twilio/status", data=params, headers=_signed(params))
    assert r.status_code == 404


async def test_dev_outbox_exists_in_development_only(sessions: sessionmaker[Session]) -> None:
    dev = create_app(_settings(environment="development"), sessions=sessions)
    prod = create_app(
        _settings(
            environment="production",
            jwt_secret="a-real-production-secret-of-enough-length-0001",
        ),
        sessions=sessions,
    )
    for app, expected in ((dev, 200), (prod, 404)):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://x"
        ) as c:
            assert (await c.get("/dev/outbox")).status_code == expected


def test_production_refuses_the_dev_secrets() -> None:
    with pytest.raises(RuntimeError, match="ALUR_JWT_SECRET"):
        Settings(environment="production").check_production()
    real = {"jwt_secret": "j" * 48, "payload_key": "cHJvZHVjdGlvbi1wYXlsb2FkLWtleS0zMi1ieXRlcyE="}
    with pytest.raises(RuntimeError, match="ALUR_PERSONAL_REF_KEY"):
        Settings(environment="production", **real).check_production()  # type: ignore[arg-type]
    Settings(environment="production", personal_ref_key="r" * 48, **real).check_production()  # type: ignore[arg-type]


class _TemporalDown:
    """A Temporal client whose server does not answer."""

    async def start_workflow(self, *args: object, **kwargs: object) -> None:
        raise RPCError("connection refused", RPCStatusCode.UNAVAILABLE, b"")


async def test_report_filed_while_temporal_is_down_is_503_and_leaves_nothing(
    sessions: sessionmaker[Session],
) -> None:
    app = create_app(_settings(), sessions=sessions, temporal=_TemporalDown())  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x") as c:
        r = await c.post(
            "/malang/laporan",
            json={
                "jenis": "saran",
                "kanal": "website",
                "judul": "Taman kota",
                "isi": "Tambah bangku",
                "kontak": {"nama": "Ani", "telepon": "081234567890"},
            },
        )
    assert r.status_code == 503
    assert r.json()["error"] == {
        "code": "temporal_error",
        "message": "Laporan belum dapat diterima, coba lagi",
        "detail": None,
    }
    with sessions() as s:
        assert s.scalar(select(func.count(Case.id))) == 0
        assert s.scalar(select(func.count(CaseContact.id))) == 0
