"""Keyed references to personal data for View Probolinggo: what may be stored or carried in place
of a phone number, a client address or an OTP code.

An HMAC (SHA-256, keyed by a secret the API and the worker share) lets the system count codes sent
to one number or one address, and check an OTP, without keeping the number, the address or the
code. A plain hash would not do: a phone number or a 6-digit code is guessed from its hash in
seconds. The OTP is stored as the hash of its proof, so the proof the API carries through the
workflow's update is not the stored value either.
"""

from __future__ import annotations

import hashlib
import hmac

REF_KEY_CONTEXT = b"alur/probolinggo/ref-key/v1"
"""Domain separator: the key for references is derived from ``ALUR_PERSONAL_REF_KEY``, so the
same secret yields unrelated keys for View Probolinggo and for MAGESTY."""


def ref_key(secret: str) -> bytes:
    """The HMAC key for references, derived from a configured secret."""
    return hmac.new(secret.encode(), REF_KEY_CONTEXT, hashlib.sha256).digest()


def _mac(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}|{value}".encode(), hashlib.sha256).hexdigest()


def phone_ref(key: bytes, phone_e164: str) -> str:
    """The reference of a phone number (E.164)."""
    return _mac(key, "phone", phone_e164)


def nik_ref(key: bytes, nik: str) -> str:
    """What an account keeps of its NIK to refuse a second account of it."""
    return _mac(key, "nik", nik)


def client_ref(key: bytes, address: str) -> str:
    """The reference of a client address (IP)."""
    return _mac(key, "client", address)


def otp_proof(key: bytes, registration_id: str, code: str) -> str:
    """What the API sends the workflow for the code the citizen typed."""
    return _mac(key, "otp", f"{registration_id}|{code}")


def otp_hash(proof: str) -> str:
    """What the draft stores of an OTP: the hash of its proof."""
    return hashlib.sha256(proof.encode()).hexdigest()


def secret_key() -> bytes:
    """The reference key of this deployment (from ``ALUR_PERSONAL_REF_KEY``)."""
    from alur.settings import get_settings

    return ref_key(get_settings().personal_ref_key.get_secret_value())
