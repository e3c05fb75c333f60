"""AES-256-GCM payload codec: workflow inputs, signals, results and activity arguments are stored in
Temporal's history encrypted, so a complaint's text or a citizen's data is never readable there.

Search attributes, workflow ids and failure messages bypass codecs (Temporal stores them in clear):
Alur keeps personal data out of those by design. The Temporal UI decrypts through the API's
``/codec`` endpoint, which only officers' browsers on the operator network should reach.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

ENCODING = b"binary/encrypted"
_KEY_ID = b"alur-1"


class EncryptionCodec(PayloadCodec):
    """Encrypts each payload whole (metadata and data) with a 12-byte random nonce."""

    def __init__(self, key: bytes, key_id: bytes = _KEY_ID) -> None:
        if len(key) != 32:
            raise ValueError("payload key must be 32 bytes (AES-256)")
        self._aes = AESGCM(key)
        self._key_id = key_id

    @classmethod
    def from_base64(cls, key_b64: str) -> EncryptionCodec:
        """A codec from the base64 key that ALUR_PAYLOAD_KEY holds."""
        return cls(base64.b64decode(key_b64))

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.encrypt(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decrypt(p) for p in payloads]

    def encrypt(self, payload: Payload) -> Payload:
        """One payload, encrypted."""
        nonce = os.urandom(12)
        sealed = self._aes.encrypt(nonce, payload.SerializeToString(), None)
        return Payload(
            metadata={"encoding": ENCODING, "encryption-key-id": self._key_id},
            data=nonce + sealed,
        )

    def decrypt(self, payload: Payload) -> Payload:
        """One payload, decrypted; payloads not encrypted by Alur pass through unchanged."""
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        if payload.metadata.get("encryption-key-id") != self._key_id:
            raise ValueError("payload was encrypted with an unknown key id")
        plain = self._aes.decrypt(payload.data[:12], payload.data[12:], None)
        return Payload.FromString(plain)
