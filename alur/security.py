"""Password hashing (argon2id) and officer tokens (JWT, HS256): the secrets Alur handles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# A real hash to verify against when the username does not exist, so a login's timing does not
# tell an attacker which usernames are real.
_DUMMY_HASH = _hasher.hash("alur-no-such-user")


def hash_password(password: str) -> str:
    """An argon2id hash with a fresh salt."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; a missing user costs the same time as a wrong password."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def issue_token(
    *, subject: str, claims: dict[str, str], secret: str, ttl: timedelta
) -> tuple[str, datetime]:
    """A signed token for ``subject`` with Alur's claims; returns it with its expiry."""
    now = datetime.now(UTC)
    expires = now + ttl
    payload = {"sub": subject, "iat": now, "exp": expires, "iss": "alur", **claims}
    return jwt.encode(payload, secret, algorithm="HS256"), expires


def read_token(token: str, secret: str) -> dict[str, str]:
    """The claims of a valid token; raises ``jwt.InvalidTokenError`` otherwise."""
    return jwt.decode(
        token, secret, algorithms=["HS256"], issuer="alur", options={"require": ["sub", "exp"]}
    )
