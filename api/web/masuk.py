"""Login (``/petugas/masuk``) and logout (``/petugas/keluar``) for officers with a browser.

The same check and the same throttle as ``POST /auth/login`` (``api.login_throttle``, key
``petugas:<username>`` and the client address): after failed logins the page answers 429 with the
wait in words, the right password included. The login form carries its own CSRF token in a
short pre-session cookie (``alur_csrf_masuk``), so another site cannot log a browser into an
account of its choosing; after login every form carries the session's token. Logout ends the
session on the server (``api.web.session``), not only in this browser.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from alur.security import verify_password
from api import login_throttle
from api.deps import SessionDep, SettingsDep
from api.errors import AlurError, Forbidden, NotAuthenticated
from api.web.pages import HalamanRoute
from api.web.session import (
    CSRF_REFUSED,
    CsrfChecked,
    end_session,
    officer_from_cookie,
    same_token,
    start_session,
)
from api.web.templating import render
from db.models import Officer

router = APIRouter(prefix="/petugas", route_class=HalamanRoute, include_in_schema=False)

LOGIN_CSRF_COOKIE = "alur_csrf_masuk"
HOME = "/petugas/tugas"
WRONG = "Nama pengguna atau kata sandi salah"


def safe_next(lanjut: str | None) -> str:
    """Where to go after login: a path of this site only (never another host)."""
    if lanjut and lanjut.startswith("/") and not lanjut.startswith("//") and "\\" not in lanjut:
        return lanjut
    return HOME


def _login_page(
    request: Request,
    *,
    token: str,
    lanjut: str,
    username: str = "",
    galat: str | None = None,
    status_code: int = 200,
) -> Response:
    page = render(
        request,
        "masuk.html",
        status_code=status_code,
        csrf_masuk=token,
        lanjut=lanjut,
        username=username,
        galat_masuk=galat,
    )
    page.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        max_age=3600,
        path="/petugas/masuk",
        httponly=True,
        samesite="lax",
        secure=request.app.state.settings.environment == "production",
    )
    return page


@router.get("/masuk")
def login_form(request: Request, lanjut: str | None = None) -> Response:
    """The login form; an officer already in goes straight on."""
    if officer_from_cookie(request) is not None:
        return RedirectResponse(safe_next(lanjut), status_code=303)
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    return _login_page(request, token=token, lanjut=safe_next(lanjut))


@router.post("/masuk")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    csrf: Annotated[str, Form(max_length=200)] = "",
    lanjut: Annotated[str, Form(max_length=500)] = HOME,
) -> Response:
    """Check the password (throttled as ``/auth/login``) and start the session."""
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not same_token(csrf, expected):
        raise Forbidden(CSRF_REFUSED, code="csrf_tidak_sah")
    back = safe_next(lanjut)
    if not username.strip() or not password:
        return _login_page(
            request,
            token=expected,
            lanjut=back,
            username=username,
            galat="Isi nama pengguna dan kata sandi",
            status_code=422,
        )
    try:
        attempt = login_throttle.admit(
            session,
            settings,
            account_key=login_throttle.officer_key(settings, username),
            address=login_throttle.client_address(request),
        )
        officer = session.scalar(select(Officer).where(Officer.username == username))
        ok = verify_password(officer.password_hash if officer else None, password)
        if officer is None or not ok or not officer.active:
            attempt.failed(NotAuthenticated(WRONG, code="bad_credentials"))
        attempt.succeeded()
    except AlurError as err:
        page = _login_page(
            request,
            token=expected,
            lanjut=back,
            username=username,
            galat=err.message,
            status_code=err.status,
        )
        for name, value in err.headers().items():
            if name.lower() != "www-authenticate":
                page.headers[name] = value
        return page
    response = RedirectResponse(back, status_code=303)
    start_session(response, officer, settings, session)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/petugas/masuk")
    return response


@router.post("/keluar")
def logout(request: Request, _: CsrfChecked) -> Response:
    """End the session (on the server: every copy of its cookie is refused from now on) and go
    back to the login page."""
    request.state.petugas = None  # nothing to renew on the way out
    response = RedirectResponse("/petugas/masuk", status_code=303)
    end_session(request, response)
    return response
