"""The officers' web session: a signed cookie naming a server-side session, its CSRF token, and
the dependencies pages use.

Names other modules use:

- ``OfficerFromSession``: ``Annotated[Officer, Depends(officer_from_session)]``, the active officer
  of the session cookie; without one (absent, expired, tampered, logged out, a deactivated
  account) the page redirects (303) to ``/petugas/masuk?lanjut=<path>``. It also puts the officer
  on ``request.state.petugas`` and the CSRF token on ``request.state.csrf`` (``render`` reads
  them).
- ``csrf_check``: a dependency for every POST of a page; 403 when the form's ``csrf`` field is not
  the session's token. Put ``<input type="hidden" name="csrf" value="{{ csrf }}">`` in the form.
- ``officer_from_cookie(request) -> Officer | None``: the same check without the redirect (for
  ``/codec``, which also takes a bearer token).
- ``start_session(response, officer, settings, db)`` (login), ``renew_session(request,
  response)`` (``HalamanRoute``, in a session's second half) and ``end_session(request,
  response)`` (logout).

The cookie (``alur_sesi``) is a JWT signed with ``ALUR_JWT_SECRET`` with its own ``typ``
(``petugas_sesi``), so it is never taken as a bearer token nor a bearer token as a session. It is
HttpOnly (no script reads it), SameSite=Lax (another site's form POST does not carry it) and
Secure in production, and lives ``ALUR_WEB_SESSION_MINUTES`` (60): a page loaded in its second
half renews it, so an officer at work stays in and a forgotten browser is out within the hour.

A signature cannot be taken back, so the cookie alone would outlive a logout (a stolen copy, a
saved request of another tab). Each login is therefore a row of ``web_sessions``
(``db/web_sessions.py``) and the cookie carries its random id (``sid``; the table keeps only its
SHA-256): a cookie counts only while its row is not ended and not expired. Logout ends the row,
so every copy of that cookie is refused while the officer's other browsers go on; renewal moves
the row's expiry with the cookie's.

The CSRF token is random per session and inside the signed cookie, so a form is checked against
what only this browser's session holds (a signed double-submit token).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Annotated
from urllib.parse import quote

import jwt
from fastapi import Depends, Request, Response
from sqlalchemy import ColumnElement, and_, select, update
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from alur.security import issue_token, read_token
from alur.settings import Settings
from api.errors import Forbidden
from db.base import utcnow
from db.models import Officer
from db.session import transaction
from db.web_sessions import WebSession

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


def _factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.sessions
    return factory


def _ttl(settings: Settings) -> timedelta:
    return timedelta(minutes=settings.web_session_minutes)


def sid_hash(sid: str) -> str:
    """What the table keeps of a session id: its SHA-256 (the id is random, 256 bits, so a
    plain hash cannot be walked back; a copy of the table opens no session)."""
    return hashlib.sha256(sid.encode()).hexdigest()


def _sign(*, username: str, sid: str, csrf: str, settings: Settings) -> tuple[str, datetime]:
    """The signed cookie of session ``sid``, with its expiry (the row's)."""
    return issue_token(
        subject=username,
        claims={"typ": TYP, "sid": sid, "csrf": csrf},
        secret=settings.jwt_secret.get_secret_value(),
        ttl=_ttl(settings),
    )


def _set_cookie(response: Response, cookie: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        cookie,
        max_age=int(_ttl(settings).total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.environment == "production",
    )


def start_session(response: Response, officer: Officer, settings: Settings, db: Session) -> str:
    """Open a session for ``officer``: its row (committed in ``db`` before the cookie goes out,
    so a cookie never names a row that is not there) and its cookie. Returns the CSRF token."""
    sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    cookie, expires = _sign(username=officer.username, sid=sid, csrf=csrf, settings=settings)
    db.add(WebSession(sid_hash=sid_hash(sid), username=officer.username, expires_at=expires))
    db.commit()
    _set_cookie(response, cookie, settings)
    return csrf


def renew_session(request: Request, response: Response) -> None:
    """Move the expiry of the request's session (row and cookie together) a whole lifetime on,
    keeping its id and CSRF token (the page's forms still work). A session that ended meanwhile
    (a logout in another tab) is not renewed: its row refuses the cookie already. Blocking: an
    ``async`` caller runs it in the thread pool."""
    officer: Officer = request.state.petugas
    sid: str = request.state.sid
    settings = _settings(request)
    cookie, expires = _sign(
        username=officer.username, sid=sid, csrf=request.state.csrf, settings=settings
    )
    with transaction(_factory(request)) as db:
        moved = db.execute(
            update(WebSession)
            .where(_open(sid, utcnow()))
            .values(expires_at=expires)
            .execution_options(synchronize_session=False)
        )
    if moved.rowcount == 1:  # type: ignore[attr-defined]
        _set_cookie(response, cookie, settings)


def end_session(request: Request, response: Response) -> None:
    """Logout: end the request's session on the server (from now on its cookie, and every copy of
    it, is refused) and clear the cookie in this browser. Other sessions of the officer (another
    browser) go on. Blocking: called from a ``def`` route."""
    sid = getattr(request.state, "sid", None)
    if sid is None:
        claims = _claims(request)
        sid = claims["sid"] if claims else None
    if sid is not None:
        with transaction(_factory(request)) as db:
            db.execute(
                update(WebSession)
                .where(WebSession.sid_hash == sid_hash(sid), WebSession.ended_at.is_(None))
                .values(ended_at=utcnow())
                .execution_options(synchronize_session=False)
            )
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")


def _claims(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        claims = read_token(raw, _settings(request).jwt_secret.get_secret_value())
    except jwt.InvalidTokenError:
        return None
    if claims.get("typ") != TYP or not claims.get("csrf") or not claims.get("sid"):
        return None
    return claims


def _open(sid: str, now: datetime) -> ColumnElement[bool]:
    """The row of session ``sid`` while it counts: not ended, not expired."""
    return and_(
        WebSession.sid_hash == sid_hash(sid),
        WebSession.ended_at.is_(None),
        WebSession.expires_at > now,
    )


def officer_from_cookie(request: Request) -> Officer | None:
    """The active officer of the request's session cookie, or None: the cookie must be signed and
    unexpired, and its session's row open (one query). Sets ``request.state``'s ``petugas``,
    ``csrf`` and ``sid`` (and ``renew``: the session is in its second half)."""
    claims = _claims(request)
    if claims is None:
        return None
    now = utcnow()
    with _factory(request)() as session:
        found = session.execute(
            select(Officer, WebSession.expires_at)
            .join(WebSession, WebSession.username == Officer.username)
            .where(Officer.username == claims["sub"], _open(claims["sid"], now))
        ).first()
    if found is None:
        return None
    officer: Officer = found[0]
    row_expires: datetime = found[1]
    if not officer.active:
        return None
    request.state.petugas = officer
    request.state.csrf = claims["csrf"]
    request.state.sid = claims["sid"]
    expires = min(datetime.fromtimestamp(float(claims["exp"]), UTC), row_expires)
    request.state.renew = expires - now < _ttl(_settings(request)) / 2
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
