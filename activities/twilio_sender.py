"""The production sender: SMS and WhatsApp through Twilio's Messages API.

It wraps the real ``twilio.rest.Client`` and sorts every failure into the two errors of
``activities.senders``, because that is the only decision the notification activity needs: retry
or stop. Twilio's errors that no retry can fix (an invalid number, a recipient who replied STOP, a
country not allowed, WhatsApp free text outside the 24-hour window) become ``PermanentSendError``
with a message a citizen can be shown; rate limiting (HTTP 429 / 20429), Twilio's 5xx and network
failures become ``TemporarySendError`` so Temporal retries with backoff. The HTTP client does no
retries of its own: Twilio has no idempotency key, and every retry must pass through the
activity's log.

Tests pass their own ``http_client`` (a ``twilio.http.HttpClient``) that forwards to a local fake
of Twilio, so the real client is exercised end to end without the internet.
"""

from __future__ import annotations

from typing import Any

import requests
from twilio.base.exceptions import TwilioException
from twilio.http import HttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from activities.senders import (
    Outgoing,
    PermanentSendError,
    SendError,
    SentMessage,
    TemporarySendError,
)
from alur.settings import Settings

DEFAULT_TIMEOUT_SECONDS = 15.0

# Twilio error codes no retry can fix, with what the citizen (or officer) is told.
PERMANENT_CODES: dict[int, str] = {
    21211: "Nomor tujuan tidak valid",
    21408: "Pengiriman pesan ke negara nomor tujuan tidak diizinkan",
    21608: "Layanan pesan belum dapat mengirim ke nomor ini (akun uji coba)",
    21610: "Penerima telah berhenti berlangganan pesan dari layanan ini (STOP)",
    21612: "Nomor tujuan tidak dapat dijangkau oleh layanan pesan",
    21614: "Nomor tujuan tidak dapat menerima SMS",
    63016: "Pesan WhatsApp hanya dapat dikirim dalam 24 jam setelah pesan terakhir dari penerima",
}
# Twilio error codes worth retrying even when the HTTP status is a 4xx.
RETRYABLE_CODES: frozenset[int] = frozenset({20429})

_WHATSAPP = "whatsapp:"


class TwilioSender:
    """A ``Sender`` over Twilio's Messages API.

    SMS goes from the Messaging Service when one is set, else from ``sms_from``; WhatsApp from the
    Messaging Service too (its sender pool must hold the WhatsApp sender), else from
    ``whatsapp_from``. ``timeout`` applies to the default HTTP client; an injected ``http_client``
    brings its own.
    """

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        messaging_service_sid: str | None = None,
        sms_from: str | None = None,
        whatsapp_from: str | None = None,
        http_client: HttpClient | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
    ) -> None:
        if not (messaging_service_sid or sms_from):
            raise ValueError("Twilio needs a messaging_service_sid or an sms_from number")
        self._messaging_service_sid = messaging_service_sid
        self._sms_from = sms_from
        self._whatsapp_from = whatsapp_from
        self._client = Client(
            account_sid,
            auth_token,
            http_client=http_client or TwilioHttpClient(timeout=timeout),
        )

    def send(self, message: Outgoing) -> SentMessage:
        """Create one message; raise ``PermanentSendError`` or ``TemporarySendError`` on failure."""
        channel, to = message.channel, message.to
        params: dict[str, Any] = {"to": to, "body": message.body}
        if channel == "whatsapp":
            params["to"] = _whatsapp(to)
        if self._messaging_service_sid:
            params["messaging_service_sid"] = self._messaging_service_sid
        elif channel == "whatsapp":
            if not self._whatsapp_from:
                raise PermanentSendError("Layanan WhatsApp belum dikonfigurasi")
            params["from_"] = _whatsapp(self._whatsapp_from)
        else:
            params["from_"] = self._sms_from
        if message.status_callback:
            params["status_callback"] = message.status_callback
        if message.validity_seconds is not None:
            params["validity_period"] = message.validity_seconds
        try:
            created = self._client.messages.create(**params)
        except TwilioException as err:
            raise classify_twilio_error(err) from err
        except (requests.ConnectionError, requests.Timeout) as err:
            # A read timeout may come after Twilio accepted the message: the activity's log shows
            # the possible duplicate, and the retry policy bounds it.
            raise TemporarySendError(
                "Layanan pesan tidak dapat dihubungi, akan dicoba lagi"
            ) from err
        return SentMessage(
            provider=self.name, provider_id=created.sid or "", status=str(created.status)
        )


def classify_twilio_error(err: TwilioException) -> SendError:
    """Turn any Twilio exception (REST or RFC 9457 service error) into a send error."""
    status: int | None = getattr(err, "status", None)
    raw_code: int | None = getattr(err, "code", None)
    # Without a Twilio code in the body, twilio-python puts the HTTP status in ``code``.
    code = raw_code if raw_code is not None and raw_code != status else None
    if code in PERMANENT_CODES:
        return PermanentSendError(f"{PERMANENT_CODES[code]} ({code})", code=code, status=status)
    if status == 429 or code in RETRYABLE_CODES:
        return TemporarySendError(
            f"Layanan pesan sedang sibuk, akan dicoba lagi ({code or status})",
            code=code,
            status=status,
        )
    if status is not None and 400 <= status < 500:
        return PermanentSendError(
            f"Pesan tidak dapat dikirim ({code or status})", code=code, status=status
        )
    # 5xx, or an error without an HTTP status: the provider's side, worth another try.
    return TemporarySendError(
        f"Layanan pesan sedang terganggu, akan dicoba lagi ({code or status or 'error'})",
        code=code,
        status=status,
    )


def build_twilio_sender(settings: Settings) -> TwilioSender:
    """The Twilio sender from Alur's settings; raises ``ValueError`` if Twilio is not configured."""
    if not (settings.twilio_account_sid and settings.twilio_auth_token):
        raise ValueError("ALUR_TWILIO_ACCOUNT_SID and ALUR_TWILIO_AUTH_TOKEN must be set")
    return TwilioSender(
        settings.twilio_account_sid,
        settings.twilio_auth_token.get_secret_value(),
        messaging_service_sid=settings.twilio_messaging_service_sid,
        sms_from=settings.twilio_sms_from,
        whatsapp_from=settings.twilio_whatsapp_from,
    )


def _whatsapp(number: str) -> str:
    return number if number.startswith(_WHATSAPP) else f"{_WHATSAPP}{number}"
