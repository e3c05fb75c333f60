"""The notification activities end to end through the real twilio client to a local server that
answers as Twilio does: who gets what, what is logged, what is retried, and that a retry after a
send that went through never sends the same message twice."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.notifications import NotificationActivities, NotifyCitizenInput
from activities.twilio_sender import TwilioSender
from alur.case_ref import CaseRef
from db.models import Case, CaseContact, Notification
from db.session import transaction
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, LocalForwardingHttpClient

CALLBACK = "https://alur.example.go.id/webhooks/twilio/status"
CASE = CaseRef(
    workflow_id="malang-MLG-N-1",
    case_number="MLG-N-1",
    sop="malang-pengelolaan-tik",
    agency="malang-bagpem",
)


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    with FakeTwilio() as server:
        yield server


@pytest.fixture
def acts(twilio: FakeTwilio, sessions: sessionmaker[Session]) -> NotificationActivities:
    sender = TwilioSender(
        ACCOUNT_SID,
        AUTH_TOKEN,
        sms_from="+15005550006",
        whatsapp_from="+14155238886",
        http_client=LocalForwardingHttpClient(twilio.base_url),
    )
    return NotificationActivities(sender, sessions, CALLBACK)


def _case(sessions: sessionmaker[Session], phone: str | None, channel: str = "sms") -> None:
    with transaction(sessions) as s:
        s.add(
            Case(
                case_number=CASE.case_number,
                workflow_id=CASE.workflow_id,
                sop=CASE.sop,
                agency=CASE.agency,
                kind="pengaduan",
                channel="website",
                subject="x",
                status="diproses",
                contact=CaseContact(name="Ani", phone=phone, reply_channel=channel),
            )
        )


def _msg(key: str = "malang-MLG-N-1/tanggapan") -> NotifyCitizenInput:
    return NotifyCitizenInput(case=CASE, key=key, step=None, purpose="tanggapan", body="Sudah.")


def _attempt(n: int) -> ActivityEnvironment:
    env = ActivityEnvironment()
    env.info = dataclasses.replace(env.info, attempt=n)
    return env


def _log(sessions: sessionmaker[Session]) -> list[Notification]:
    with sessions() as s:
        return list(s.scalars(select(Notification).order_by(Notification.id)))


def test_citizen_gets_whatsapp_through_twilio_and_it_is_logged(
    acts: NotificationActivities, twilio: FakeTwilio, sessions: sessionmaker[Session]
) -> None:
    _case(sessions, "+6281234567890", channel="whatsapp")
    result = _attempt(1).run(acts.notify_citizen, _msg())
    assert result.sent == 1
    [req] = twilio.requests
    assert req.form["To"] == "whatsapp:+6281234567890"
    assert req.form["StatusCallback"] == CALLBACK
    [row] = _log(sessions)
    assert (row.channel, row.status, row.recipient_masked) == (
        "whatsapp",
        "queued",
        "+62812****7890",
    )
    assert row.provider_id is not None and row.provider_id.startswith("SM")


def test_a_retry_after_a_send_that_went_through_sends_nothing(
    acts: NotificationActivities, twilio: FakeTwilio, sessions: sessionmaker[Session]
) -> None:
    _case(sessions, "+6281234567890")
    _attempt(1).run(acts.notify_citizen, _msg())
    _attempt(2).run(acts.notify_citizen, _msg())
    assert len(twilio.requests) == 1
    assert len(_log(sessions)) == 1


def test_invalid_number_is_not_retried_and_says_why(
    acts: NotificationActivities, twilio: FakeTwilio, sessions: sessionmaker[Session]
) -> None:
    _case(sessions, "+6281234567890")
    twilio.fail_next(21211)
    with pytest.raises(ApplicationError) as caught:
        _attempt(1).run(acts.notify_citizen, _msg())
    assert caught.value.non_retryable and caught.value.type == "InvalidRecipient"
    assert "21211" in caught.value.message
    [row] = _log(sessions)
    assert (row.status, row.error_code) == ("failed", 21211)


def test_provider_outage_is_retried_and_each_attempt_logged(
    acts: NotificationActivities, twilio: FakeTwilio, sessions: sessionmaker[Session]
) -> None:
    _case(sessions, "+6281234567890")
    twilio.fail_next(20429, status=429)
    with pytest.raises(ApplicationError) as caught:
        _attempt(1).run(acts.notify_citizen, _msg())
    assert not caught.value.non_retryable
    _attempt(2).run(acts.notify_citizen, _msg())
    assert [(r.attempt, r.status) for r in _log(sessions)] == [(1, "retrying"), (2, "queued")]
    assert len(twilio.requests) == 2


def test_anonymous_case_sends_nothing(
    acts: NotificationActivities, twilio: FakeTwilio, sessions: sessionmaker[Session]
) -> None:
    _case(sessions, None)
    result = _attempt(1).run(acts.notify_citizen, _msg())
    assert (result.sent, result.skipped) == (0, "tanpa_kontak")
    assert twilio.requests == [] and _log(sessions) == []


def test_worker_sends_through_twilio_only_when_credentials_are_set() -> None:
    from alur.settings import Settings
    from worker import build_sender

    dev = build_sender(Settings(environment="test"))
    live = build_sender(
        Settings(
            environment="test",
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,  # type: ignore[arg-type]
            twilio_sms_from="+15005550006",
        )
    )
    assert (dev.name, live.name) == ("dev", "twilio")
