"""TwilioSender with the real twilio client against a local fake of Twilio's Messages API, and the
webhook-signature facts the status webhook relies on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator

from activities.senders import Outgoing, PermanentSendError, TemporarySendError
from activities.twilio_sender import TwilioSender, build_twilio_sender
from alur.settings import Settings
from tests.fake_twilio import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    MESSAGING_SERVICE_SID,
    FakeTwilio,
    LocalForwardingHttpClient,
    ScriptedResponse,
    twilio_error,
)

TO = "+6281234567890"
SMS_FROM = "+15017122661"
WA_FROM = "+14155238886"
CALLBACK = "https://alur.example.go.id/webhooks/twilio/status"


@pytest.fixture(autouse=True)
def _no_real_twilio(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default HTTP client would reach api.twilio.com: any test that uses it fails."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a test tried to reach the real Twilio")

    monkeypatch.setattr(TwilioHttpClient, "request", refuse)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


def make_sender(fake: FakeTwilio, *, service: bool = False, timeout: float = 5.0) -> TwilioSender:
    return TwilioSender(
        ACCOUNT_SID,
        AUTH_TOKEN,
        messaging_service_sid=MESSAGING_SERVICE_SID if service else None,
        sms_from=SMS_FROM,
        whatsapp_from=WA_FROM,
        http_client=LocalForwardingHttpClient(fake.base_url, timeout=timeout),
    )


def test_sms_is_sent_from_the_configured_number(fake: FakeTwilio) -> None:
    sent = make_sender(fake).send(Outgoing(channel="sms", to=TO, body="Kode OTP Anda 123456"))

    [req] = fake.requests
    assert req.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert req.auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert req.form == {"To": TO, "From": SMS_FROM, "Body": "Kode OTP Anda 123456"}
    assert sent.provider == "twilio"
    assert sent.status == "queued"
    assert sent.provider_id.startswith("SM")
    assert len(sent.provider_id) == 34


def test_whatsapp_prefixes_both_numbers(fake: FakeTwilio) -> None:
    make_sender(fake).send(Outgoing(channel="whatsapp", to=TO, body="Halo"))

    [req] = fake.requests
    assert req.form["To"] == f"whatsapp:{TO}"
    assert req.form["From"] == f"whatsapp:{WA_FROM}"


def test_whatsapp_without_a_sender_is_permanent(fake: FakeTwilio) -> None:
    sender = TwilioSender(
        ACCOUNT_SID,
        AUTH_TOKEN,
        sms_from=SMS_FROM,
        http_client=LocalForwardingHttpClient(fake.base_url),
    )
    with pytest.raises(PermanentSendError):
        sender.send(Outgoing(channel="whatsapp", to=TO, body="Halo"))
    assert fake.requests == []


def test_messaging_service_is_used_instead_of_a_from_number(fake: FakeTwilio) -> None:
    sent = make_sender(fake, service=True).send(Outgoing(channel="sms", to=TO, body="Halo"))

    [req] = fake.requests
    assert req.form["MessagingServiceSid"] == MESSAGING_SERVICE_SID
    assert "From" not in req.form
    assert sent.status == "accepted"


def test_status_callback_and_validity_period_are_passed(fake: FakeTwilio) -> None:
    make_sender(fake).send(
        Outgoing("sms", TO, "Kode 123456", status_callback=CALLBACK, validity_seconds=60)
    )

    [req] = fake.requests
    assert req.form["StatusCallback"] == CALLBACK
    assert req.form["ValidityPeriod"] == "60"


def test_invalid_number_is_permanent_and_not_retried(fake: FakeTwilio) -> None:
    fake.answer_next(twilio_error(21211, 400, to="+62123"))

    with pytest.raises(PermanentSendError) as info:
        make_sender(fake).send(Outgoing(channel="sms", to="+62123", body="Halo"))

    assert info.value.code == 21211
    assert info.value.status == 400
    assert info.value.message == "Nomor tujuan tidak valid (21211)"
    assert len(fake.requests) == 1


@pytest.mark.parametrize("code", [21408, 21608, 21610, 21612, 21614, 63016])
def test_unsendable_recipients_are_permanent(fake: FakeTwilio, code: int) -> None:
    fake.fail_next(code, 400)

    with pytest.raises(PermanentSendError) as info:
        make_sender(fake).send(Outgoing(channel="whatsapp", to=TO, body="Halo"))

    assert info.value.code == code
    assert f"({code})" in info.value.message


def test_an_unknown_client_error_is_permanent(fake: FakeTwilio) -> None:
    fake.fail_next(21617, 400)  # body too long

    with pytest.raises(PermanentSendError) as info:
        make_sender(fake).send(Outgoing(channel="sms", to=TO, body="Halo"))

    assert info.value.code == 21617


def test_rate_limit_is_temporary(fake: FakeTwilio) -> None:
    fake.fail_next(20429, 429)

    with pytest.raises(TemporarySendError) as info:
        make_sender(fake).send(Outgoing(channel="sms", to=TO, body="Halo"))

    assert info.value.code == 20429
    assert info.value.status == 429


@pytest.mark.parametrize("status", [500, 503])
def test_twilio_server_errors_are_temporary(fake: FakeTwilio, status: int) -> None:
    fake.fail_next(20000 + status, status)

    with pytest.raises(TemporarySendError) as info:
        make_sender(fake).send(Outgoing(channel="sms", to=TO, body="Halo"))

    assert info.value.status == status


def test_a_non_json_gateway_error_is_temporary(fake: FakeTwilio) -> None:
    fake.answer_next(ScriptedResponse(503, "<html>Service Unavailable</html>", "text/html"))

    with pytest.raises(TemporarySendError) as info:
        make_sender(fake).send(Outgoing(channel="sms", to=TO, body="Halo"))

    assert info.value.status == 503
    assert info.value.code is None


def test_rfc9457_service_errors_are_classified_too(fake: FakeTwilio) -> None:
    problem = (
        '{"type": "https://www.twilio.com/docs/errors/21211", "title": "Invalid To",'
        ' "status": 400, "code": 21211, "detail": "The To number is not valid."}'
    )
    fake.answer_next(ScriptedResponse(400, problem, "application/problem+json"))

    with pytest.raises(PermanentSendError) as info:
        make_sender(fake).send(Outgoing(channel="sms", to=TO, body="Halo"))

    assert info.value.code == 21211


def test_connection_refused_is_temporary(fake: FakeTwilio) -> None:
    sender = make_sender(fake)
    fake.stop()

    with pytest.raises(TemporarySendError):
        sender.send(Outgoing(channel="sms", to=TO, body="Halo"))


def test_read_timeout_is_temporary(fake: FakeTwilio) -> None:
    fake.answer_next(ScriptedResponse(201, "{}", delay_seconds=1.0))

    with pytest.raises(TemporarySendError):
        make_sender(fake, timeout=0.2).send(Outgoing(channel="sms", to=TO, body="Halo"))


def test_wrong_credentials_are_permanent(fake: FakeTwilio) -> None:
    sender = TwilioSender(
        ACCOUNT_SID,
        "wrong-token",
        sms_from=SMS_FROM,
        http_client=LocalForwardingHttpClient(fake.base_url),
    )
    with pytest.raises(PermanentSendError) as info:
        sender.send(Outgoing(channel="sms", to=TO, body="Halo"))

    assert info.value.status == 401


def test_forwarding_client_refuses_anything_but_twilio_and_localhost() -> None:
    with pytest.raises(ValueError, match="refusing"):
        LocalForwardingHttpClient("http://example.com:8080")
    client = LocalForwardingHttpClient("http://127.0.0.1:9")
    with pytest.raises(ValueError, match="not a Twilio API URL"):
        client.request("GET", "https://example.com/2010-04-01/Accounts.json")


def test_build_twilio_sender_reads_settings() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        twilio_account_sid=ACCOUNT_SID,
        twilio_auth_token=AUTH_TOKEN,  # type: ignore[arg-type]
        twilio_messaging_service_sid=MESSAGING_SERVICE_SID,
    )
    assert build_twilio_sender(settings).name == "twilio"

    with pytest.raises(ValueError, match="ACCOUNT_SID"):
        build_twilio_sender(Settings(_env_file=None))  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="sms_from"):
        build_twilio_sender(
            Settings(
                _env_file=None,  # type: ignore[call-arg]
                twilio_account_sid=ACCOUNT_SID,
                twilio_auth_token=AUTH_TOKEN,  # type: ignore[arg-type]
            )
        )


# Webhook signatures: what api/routers/webhooks.py relies on.

DOCS_URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
DOCS_PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+12349013030",
    "Digits": "1234",
    "From": "+12349013030",
    "To": "+18005551212",
}


def test_signature_matches_twilios_documented_example() -> None:
    # https://www.twilio.com/docs/usage/security#validating-requests (auth token "12345")
    validator = RequestValidator("12345")
    assert validator.compute_signature(DOCS_URL, DOCS_PARAMS) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert validator.validate(DOCS_URL, DOCS_PARAMS, "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")


def test_signature_fails_for_another_url_param_or_token() -> None:
    params = {"MessageSid": "SM" + "a" * 32, "MessageStatus": "delivered"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature(CALLBACK, params)
    validator = RequestValidator(AUTH_TOKEN)

    assert validator.validate(CALLBACK, params, signature)
    assert validator.validate(
        "https://alur.example.go.id:443/webhooks/twilio/status", params, signature
    )
    # The URL the API saw behind a TLS-ending proxy is not the one Twilio signed.
    assert not validator.validate("http://127.0.0.1:8000/webhooks/twilio/status", params, signature)
    assert not validator.validate(CALLBACK, {**params, "MessageStatus": "failed"}, signature)
    assert not RequestValidator("another-token").validate(CALLBACK, params, signature)
