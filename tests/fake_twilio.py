"""A local stand-in for Twilio's Messages API, so the real twilio client can be tested offline.

``FakeTwilio`` is a stdlib HTTP server on 127.0.0.1 (a free port) that answers
``POST /2010-04-01/Accounts/{sid}/Messages.json`` as Twilio does: basic auth checked, form fields
validated, a 201 with a message resource, or a scripted error in Twilio's JSON error shape. It
records every request for assertions. ``LocalForwardingHttpClient`` is the
``twilio.http.HttpClient`` that sends the client's ``https://api.twilio.com/...`` requests to it
and refuses anything else, so no request leaves the machine.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

import requests
from twilio.http import HttpClient
from twilio.http.response import Response

ACCOUNT_SID = "AC" + "0" * 31 + "1"
AUTH_TOKEN = "fake-auth-token-0123456789abcdef"
MESSAGING_SERVICE_SID = "MG" + "0" * 31 + "2"

# Twilio's own wording for the errors Alur meets (https://www.twilio.com/docs/errors/{code}).
ERROR_MESSAGES: dict[int, str] = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "Internal Server Error",
    20503: "Service Unavailable",
    21211: "The 'To' number {to} is not a valid phone number.",
    21408: "Permission to send an SMS has not been enabled for the region indicated by the 'To' "
    "number: {to}.",
    21602: "Message body is required.",
    21603: "A 'From' phone number is required.",
    21604: "A 'To' phone number is required.",
    21608: "The number {to} is unverified. Trial accounts cannot send messages to unverified "
    "numbers.",
    21610: "Attempt to send to unsubscribed recipient",
    21612: "The 'To' phone number: {to}, is not currently reachable using the 'From' phone "
    "number via SMS.",
    21614: "'To' number is not a valid mobile number",
    63016: "Failed to send freeform message because you are outside the allowed window. If you "
    "are using WhatsApp, please use a Message Template.",
}
_DEFAULT_CODE_FOR_STATUS = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}


@dataclass(frozen=True)
class ReceivedRequest:
    """One request the fake received: the form fields and the basic-auth pair it carried."""

    method: str
    path: str
    form: dict[str, str]
    auth: tuple[str, str] | None
    headers: dict[str, str]


@dataclass(frozen=True)
class ScriptedResponse:
    """An answer the fake gives instead of its normal one."""

    status: int
    body: str
    content_type: str = "application/json"
    delay_seconds: float = 0.0


def twilio_error(code: int, status: int, to: str = "") -> ScriptedResponse:
    """An error response in the shape Twilio's 2010-04-01 API returns."""
    message = ERROR_MESSAGES.get(code, f"Error {code}").format(to=to)
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return ScriptedResponse(status=status, body=json.dumps(body))


@dataclass
class _State:
    account_sid: str
    auth_token: str
    requests: list[ReceivedRequest] = field(default_factory=list)
    script: deque[ScriptedResponse] = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)


class FakeTwilio:
    """Twilio's Messages API on 127.0.0.1; use as a context manager or call start()/stop()."""

    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN) -> None:
        self._state = _State(account_sid, auth_token)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every request received so far, oldest first."""
        with self._state.lock:
            return list(self._state.requests)

    def answer_next(self, *responses: ScriptedResponse) -> None:
        """The next requests get these answers, in order; later ones are answered normally."""
        with self._state.lock:
            self._state.script.extend(responses)

    def fail_next(self, code: int, status: int = 400) -> None:
        """The next request fails with Twilio error ``code`` at HTTP ``status``."""
        self.answer_next(twilio_error(code, status))

    def start(self) -> FakeTwilio:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self._state))
        server.daemon_threads = True
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering; the port is closed, so a client then gets connection refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeTwilio:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _handler_for(state: _State) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # the stdlib's naming
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode("utf-8")
            form = dict(parse_qsl(raw, keep_blank_values=True))
            received = ReceivedRequest(
                method="POST",
                path=self.path,
                form=form,
                auth=_basic_auth(self.headers.get("Authorization")),
                headers=dict(self.headers.items()),
            )
            with state.lock:
                state.requests.append(received)
                scripted = state.script.popleft() if state.script else None
            if scripted is None:
                scripted = _answer(state, received)
            if scripted.delay_seconds:
                time.sleep(scripted.delay_seconds)
            self._reply(scripted)

        def do_GET(self) -> None:
            self._reply(twilio_error(20404, 404))

        def _reply(self, resp: ScriptedResponse) -> None:
            payload = resp.body.encode("utf-8")
            try:
                self.send_response(resp.status)
                self.send_header("Content-Type", resp.content_type)
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("Twilio-Request-Id", "RQ" + uuid.uuid4().hex)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _basic_auth(header: str | None) -> tuple[str, str] | None:
    if not header or not header.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
    return user, password


def _answer(state: _State, req: ReceivedRequest) -> ScriptedResponse:
    """What Twilio answers an unscripted request: auth, path and required fields checked."""
    if req.auth != (state.account_sid, state.auth_token):
        return twilio_error(20003, 401)
    if req.path != f"/2010-04-01/Accounts/{state.account_sid}/Messages.json":
        return twilio_error(20404, 404)
    form = req.form
    if not form.get("To"):
        return twilio_error(21604, 400)
    if not (form.get("Body") or form.get("ContentSid")):
        return twilio_error(21602, 400)
    if not (form.get("From") or form.get("MessagingServiceSid")):
        return twilio_error(21603, 400)
    return ScriptedResponse(status=201, body=json.dumps(_message_resource(state, form)))


def _message_resource(state: _State, form: dict[str, str]) -> dict[str, Any]:
    sid = "SM" + uuid.uuid4().hex
    now = formatdate(usegmt=True).replace("GMT", "+0000")
    service = form.get("MessagingServiceSid")
    base = f"/2010-04-01/Accounts/{state.account_sid}/Messages/{sid}"
    return {
        "account_sid": state.account_sid,
        "api_version": "2010-04-01",
        "body": form.get("Body", ""),
        "date_created": now,
        "date_sent": None,
        "date_updated": now,
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        # With a Messaging Service, Twilio picks the sender later: "from" is null at first.
        "from": form.get("From"),
        "messaging_service_sid": service,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": "accepted" if service else "queued",
        "subresource_uris": {"media": f"{base}/Media.json"},
        "to": form["To"],
        "uri": f"{base}.json",
    }


class LocalForwardingHttpClient(HttpClient):
    """A ``twilio.http.HttpClient`` that sends Twilio API requests to a local server instead.

    Only ``https://*.twilio.com`` URLs are accepted and only a 127.0.0.1 base URL: anything else
    raises, so a test can never reach the real Twilio. Proxy settings from the environment are
    ignored for the same reason.
    """

    def __init__(self, base_url: str, timeout: float | None = 5.0) -> None:
        super().__init__(logging.getLogger("tests.fake_twilio"), False, timeout)
        target = urlsplit(base_url)
        if target.hostname != "127.0.0.1":
            raise ValueError(f"refusing to forward Twilio requests to {base_url}")
        self._target = target
        self._session = requests.Session()
        self._session.trust_env = False

    def request(
        self,
        method: str,
        uri: str,
        params: dict[str, object] | None = None,
        data: dict[str, object] | None = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        timeout: float | None = None,
        allow_redirects: bool = False,
    ) -> Response:
        parts = urlsplit(uri)
        host = parts.hostname or ""
        if parts.scheme != "https" or not (host == "twilio.com" or host.endswith(".twilio.com")):
            raise ValueError(f"not a Twilio API URL: {uri}")
        local = urlunsplit(
            (self._target.scheme, self._target.netloc, parts.path, parts.query, parts.fragment)
        )
        response = self._session.request(
            method.upper(),
            local,
            params=params,
            data=data,
            headers=headers,
            auth=auth,
            timeout=timeout if timeout is not None else self.timeout,
            allow_redirects=False,
        )
        return Response(response.status_code, response.text, response.headers)

    def close(self) -> None:
        self._session.close()
