"""Who is calling: the one place a bearer token is decoded and told apart by its ``typ`` claim.

Alur issues four kinds of token (officers, MAGESTY citizens, MAGESTY registrations, View
Probolinggo citizens), all signed with the same secret; a route must accept only its own kind.
Decoding them here, once, gives every route the same 401 answers in Indonesian (no token, expired,
invalid, a token of another kind) and gives each login its own OpenAPI security scheme, so /docs
shows which token a route needs and where to get it. The dependencies that load the account a
token names (``CurrentOfficer``, ``CurrentWargaMagesty``, ``CurrentWargaProbolinggo``) live with
their domains and are built on the ``*_subject`` dependencies below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer
from pydantic import BaseModel

from alur.security import read_token
from alur.settings import Settings
from api.errors import NotAuthenticated


@dataclass(frozen=True)
class Kind:
    """A kind of principal: its token's ``typ`` claim and its name in Indonesian messages."""

    typ: str
    nama: str


PETUGAS = Kind("officer", "pejabat")
WARGA_MAGESTY = Kind("magesty", "warga MAGESTY")
PENDAFTARAN_MAGESTY = Kind("magesty_daftar", "pendaftaran MAGESTY")
WARGA_PROBOLINGGO = Kind("warga_probolinggo", "warga View Probolinggo")

MISSING = "Silakan masuk (login) terlebih dahulu"
EXPIRED = "Sesi telah berakhir, silakan masuk kembali"
INVALID = "Token tidak valid"


def wrong_kind(kind: Kind) -> str:
    """The message for a valid token of another kind than the route takes."""
    return f"Token ini bukan token {kind.nama}"


@dataclass(frozen=True)
class Principal:
    """A decoded token: its ``typ`` and its subject (username or account id)."""

    typ: str
    subject: str


# --- OpenAPI security schemes: one per login ---------------------------------------------------
officer_scheme = OAuth2PasswordBearer(
    tokenUrl="/auth/login",
    scheme_name="Petugas",
    description="Officers: log in with username and password at POST /auth/login (form).",
    auto_error=False,
)
warga_magesty_scheme = HTTPBearer(
    scheme_name="WargaMagesty",
    description="MAGESTY citizens: the access_token from POST /magelang/login (JSON body).",
    auto_error=False,
)
pendaftaran_magesty_scheme = HTTPBearer(
    scheme_name="PendaftaranMagesty",
    description=(
        "A MAGESTY registration in progress: the token_pendaftaran answered by "
        "POST /magelang/akun (JSON body)."
    ),
    auto_error=False,
)
warga_probolinggo_scheme = HTTPBearer(
    scheme_name="WargaProbolinggo",
    description=(
        "View Probolinggo citizens: the access_token from POST /probolinggo/login (JSON body)."
    ),
    auto_error=False,
)


def decode(token: str | None, secret: str) -> Principal:
    """The principal a bearer token names; 401 without a token or with an invalid one."""
    if not token:
        raise NotAuthenticated(MISSING)
    try:
        claims = read_token(token, secret)
    except jwt.ExpiredSignatureError as err:
        raise NotAuthenticated(EXPIRED) from err
    except jwt.InvalidTokenError as err:
        raise NotAuthenticated(INVALID) from err
    return Principal(typ=str(claims.get("typ", "")), subject=str(claims["sub"]))


def subject_of(token: str | None, secret: str, kind: Kind) -> str:
    """The subject of a token of ``kind``; 401 (``wrong_token_type``) for any other kind."""
    principal = decode(token, secret)
    if principal.typ != kind.typ:
        raise NotAuthenticated(wrong_kind(kind), code="wrong_token_type")
    return principal.subject


def _secret(request: Request) -> str:
    settings: Settings = request.app.state.settings
    return settings.jwt_secret.get_secret_value()


def _credentials(found: HTTPAuthorizationCredentials | None) -> str | None:
    return found.credentials if found is not None else None


async def officer_subject(
    request: Request, token: Annotated[str | None, Depends(officer_scheme)]
) -> str:
    """The username of the officer's token."""
    return subject_of(token, _secret(request), PETUGAS)


async def warga_magesty_subject(
    request: Request,
    found: Annotated[HTTPAuthorizationCredentials | None, Depends(warga_magesty_scheme)],
) -> int:
    """The account id of a MAGESTY citizen's token."""
    return int(subject_of(_credentials(found), _secret(request), WARGA_MAGESTY))


async def pendaftaran_magesty_subject(
    request: Request,
    found: Annotated[HTTPAuthorizationCredentials | None, Depends(pendaftaran_magesty_scheme)],
) -> int:
    """The account id of a MAGESTY registration token."""
    return int(subject_of(_credentials(found), _secret(request), PENDAFTARAN_MAGESTY))


async def warga_probolinggo_subject(
    request: Request,
    found: Annotated[HTTPAuthorizationCredentials | None, Depends(warga_probolinggo_scheme)],
) -> int:
    """The account id of a View Probolinggo citizen's token."""
    return int(subject_of(_credentials(found), _secret(request), WARGA_PROBOLINGGO))


class TokenRead(BaseModel):
    """A bearer token, OAuth2 style (so /docs' Authorize button works), for every login: officers,
    MAGESTY citizens and View Probolinggo citizens; the token's ``typ`` says which."""

    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
