"""Alur's domain errors and the one handler that renders them.

Every error a client can cause has a stable ``code`` (for programs) and a ``message`` in Indonesian
(for the person at the frontend), in the body ``{"error": {"code", "message", "detail"}}``. Request
validation errors use the same body with code ``invalid_request``. A limit the client must wait
out is ``TooManyRequests``: 429 with ``Retry-After`` and the wait, in seconds, as
``detail.tunggu_detik``, so every route that throttles answers it the same way.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.validation_messages import location_of, message_for

log = logging.getLogger(__name__)


class AlurError(Exception):
    """A failure the client can act on."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, code: str | None = None, detail: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.detail = detail

    def headers(self) -> dict[str, str]:
        """The headers the answer carries (a 401's challenge, a 429's wait)."""
        return {"WWW-Authenticate": "Bearer"} if self.status == 401 else {}


class NotAuthenticated(AlurError):
    status, code = 401, "not_authenticated"


class Forbidden(AlurError):
    status, code = 403, "forbidden"


class NotFound(AlurError):
    status, code = 404, "not_found"


class Conflict(AlurError):
    status, code = 409, "conflict"


class Unprocessable(AlurError):
    status, code = 422, "invalid_request"


class TooManyRequests(AlurError):
    """A limit the client must wait out: 429, ``Retry-After`` and ``detail.tunggu_detik``.

    ``retry_after`` is in whole seconds (at least 1); a dict ``detail`` keeps its own fields and
    gains ``tunggu_detik``, any other detail is replaced by ``{"tunggu_detik": ...}``.
    """

    status, code = 429, "too_many_requests"

    def __init__(
        self, message: str, *, retry_after: int, code: str | None = None, detail: Any = None
    ) -> None:
        self.retry_after = max(1, retry_after)
        extra = dict(detail) if isinstance(detail, dict) else {}
        super().__init__(message, code=code, detail={**extra, "tunggu_detik": self.retry_after})

    def headers(self) -> dict[str, str]:
        return {"Retry-After": str(self.retry_after)}


class Unavailable(AlurError):
    status, code = 503, "unavailable"


class ErrorBody(BaseModel):
    """The error's code, message and optional detail."""

    code: str
    message: str
    detail: Any = None


class ErrorResponse(BaseModel):
    """Every error response's body."""

    error: ErrorBody


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: the error body for each status it can answer."""
    return {s: {"model": ErrorResponse} for s in statuses}


def _body(code: str, message: str, detail: Any = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "detail": detail}}


DATABASE_AWAY = "Basis data sedang tidak dapat dijangkau, coba lagi dalam beberapa detik"
"""The 503 of a request the database could not serve; safe to send again (actions are claimed
and keyed, so a retry never acts twice)."""

BODY_UNREADABLE = "isi permintaan bukan JSON UTF-8 yang sah"
"""Why a body that cannot even be decoded is refused."""


def invalid_request(problems: list[dict[str, str]]) -> JSONResponse:
    """The 422 of a request that does not validate: the first problem in the message, all of
    them (field path, Indonesian message, stable code) in the detail."""
    first = problems[0] if problems else {"lokasi": "", "pesan": "permintaan tidak valid"}
    message = f"Data tidak valid: {first['lokasi']}: {first['pesan']}".replace(": : ", ": ")
    return JSONResponse(_body("invalid_request", message, problems), status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    """Render AlurError, validation errors and HTTP errors in the one body shape."""

    async def on_alur(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, AlurError)
        return JSONResponse(
            _body(exc.code, exc.message, exc.detail),
            status_code=exc.status,
            headers=exc.headers() or None,
        )

    async def on_validation(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [
            {"lokasi": location_of(err), "pesan": message_for(err), "kode": str(err.get("type"))}
            for err in exc.errors()
        ]
        return invalid_request(problems)

    async def on_http(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        if exc.status_code == 400:
            # the body could not be read at all (not UTF-8, say): the same 422 as bad JSON
            return invalid_request(
                [{"lokasi": "", "pesan": BODY_UNREADABLE, "kode": "json_invalid"}]
            )
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            _body(code, str(exc.detail)), status_code=exc.status_code, headers=exc.headers
        )

    async def on_database_away(_: Request, exc: Exception) -> JSONResponse:
        # the database cannot be reached (down, restarting, the network cut) or its pool is
        # exhausted: nothing was done, and the same request will work once it is back
        log.warning("database unavailable: %s", type(exc).__name__)
        return JSONResponse(
            _body("database_unavailable", DATABASE_AWAY),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    app.add_exception_handler(AlurError, on_alur)
    app.add_exception_handler(OperationalError, on_database_away)
    app.add_exception_handler(PoolTimeout, on_database_away)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
