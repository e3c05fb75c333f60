"""The officers' web session: a signed cookie, its CSRF token, and the dependencies pages use.

Names other modules use:

- ``OfficerFromSession``: ``Annotated[Officer, Depends(officer_from_session)]``, the active officer
  of the session cookie; without one (absent, expired, tampered, a deactivated account) the page
  redirects (303) to ``/petugas/masuk?lanjut=<path>``. It also puts the officer on
  ``request.state.petugas`` and the CSRF token on ``request.state.csrf`` (``render`` reads them).
- ``csrf_check``: a dependency for every POST of a page; 403 when the form's ``csrf`` field is not
  the session's token. Put ``<input type="hidden" name="csrf" value="{{ csrf }}">`` in the form.
- ``officer_from_cookie(request) -> Officer | None``: the same check without the redirect (for
  ``/codec``, which also takes a bearer token).
- ``start_session(response, officer, settings)`` / ``end_session(response)``: set or clear it.

The cookie (``alur_sesi``) is a JWT signed with ``ALUR_JWT_SECRET`` with its own ``typ``
(``petugas_sesi``), so it is never taken as a bearer token nor a bearer token as a session. It is
HttpOnly (no script reads it), SameSite=Lax (another site's form POST does not carry it) and
Secure in production, and lives ``ALUR_WEB_SESSION_MINUTES`` (60): a page loaded in its second
half renews it, so an officer at work stays in and a forgotten browser is out within the hour.
The CSRF token is random per session and inside the signed cookie, so a form is checked against
what only this browser's session holds (a signed double-submit token).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import quote

import jwt
from fastapi import Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from alur.security import issue_token, read_token
from alur.settings import Settings
from api.errors import Forbidden
from db.models import Officer

COOKIE = "alur_sesi"
TYP = "petugas_sesi"
LOGIN_PATH = "/petugas/masuk"
CSRF_FIELD = "csrf"
CSRF_REFUSED = "Formulir tidak sah atau kedaluwarsa; muat ulang halaman lalu coba lagi"


class PerluMasuk(StarletteHTTPException):
    """No session: a 303 to the login page that comes back here afterwards. An HTTP exception,
    so any route (a page's or not) answers it as a redirect."""

    def __init__(self, back_to: str) -> None:
        location = f"{LOGIN_PATH}?lanjut={quote(back_to, safe='/')}"
        super().__init__(status_code=303, detail="Silakan masuk", headers={"Location": location})


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _ttl(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.web_session_minutes)


def start_session(
    response: Response, officer: Officer, settings: Settings, csrf: str | None = None
) -> str:
    """Set the session cookie for ``officer`` (a fresh CSRF token unless one is kept)."""
    token = csrf or secrets.token_urlsafe(32)
    cookie, _ = issue_token(
        subject=officer.username,
        claims={"typ": TYP, "csrf": token},
        secret=settings.jwt_secret.get_secret_value(),
        ttl=_ttl(settings),
    )
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(_ttl(settings).total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production",
    )
    return token


def end_session(response: Response) -> None:
    """Clear the session cookie (logout)."""
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


def _claims(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        claims = read_token(raw, _settings(request).jwt_secret.get_secret_value())
    except jwt.InvalidTokenError:
        return None
    if claims.get("typ") != TYP or not claims.get("csrf"):
        return None
    return claims


def officer_from_cookie(request: Request) -> Officer | None:
    """The active officer of the request's session cookie, or None. Sets ``request.state``'s
    ``petugas`` and ``csrf`` (and ``renew``: the session is in its second half)."""
    claims = _claims(request)
    if claims is None:
        return None
    factory: sessionmaker[Session] = request.app.state.sessions
    with factory() as session:
        officer = session.scalar(select(Officer).where(Officer.username == claims["sub"]))
    if officer is None or not officer.active:
        return None
    request.state.petugas = officer
    request.state.csrf = claims["csrf"]
    expires = datetime.fromtimestamp(float(claims["exp"]), UTC)
    request.state.renew = expires - datetime.now(UTC) < _ttl(_settings(request)) / 2
    return officer


def officer_from_session(request: Request) -> Officer:
    """``OfficerFromSession``: the officer, or a redirect to the login page."""
    officer = officer_from_cookie(request)
    if officer is None:
        back = request.url.path if request.method == "GET" else "/petugas/tugas"
        if request.method == "GET" and request.url.query:
            back = f"{back}?{request.url.query}"
        raise PerluMasuk(back)
    return officer


OfficerFromSession = Annotated[Officer, Depends(officer_from_session)]


def same_token(sent: object, expected: str) -> bool:
    """Constant-time comparison of a form's token with the expected one."""
    return isinstance(sent, str) and bool(expected) and hmac.compare_digest(sent, expected)


async def csrf_check(request: Request, officer: OfficerFromSession) -> None:
    """403 unless the form's ``csrf`` field is this session's token."""
    form = await request.form()
    if not same_token(form.get(CSRF_FIELD), getattr(request.state, "csrf", "")):
        raise Forbidden(CSRF_REFUSED, code="csrf_tidak_sah")


CsrfChecked = Annotated[None, Depends(csrf_check)]
