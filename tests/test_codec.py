"""The payload codec that keeps workflow payloads unreadable in Temporal's store."""

from __future__ import annotations

import base64
import os

import pytest
from cryptography.exceptions import InvalidTag
from temporalio.api.common.v1 import Payload

from alur.codec import EncryptionCodec


def _payload(text: bytes) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=text)


async def test_round_trip_hides_the_data_and_restores_it() -> None:
    codec = EncryptionCodec(os.urandom(32))
    plain = _payload(b'{"telepon":"+6281234567890"}')
    [sealed] = await codec.encode([plain])
    assert b"6281234567890" not in sealed.SerializeToString()
    assert sealed.metadata["encoding"] == b"binary/encrypted"
    assert await codec.decode([sealed]) == [plain]


async def test_same_payload_encrypts_differently_each_time() -> None:
    codec = EncryptionCodec(os.urandom(32))
    a, b = await codec.encode([_payload(b"x"), _payload(b"x")])
    assert a.data != b.data


async def test_tampered_or_foreign_payloads_are_refused() -> None:
    codec = EncryptionCodec(os.urandom(32))
    [sealed] = await codec.encode([_payload(b"rahasia")])
    tampered = Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1] + b"\x00")
    with pytest.raises(InvalidTag):
        await codec.decode([tampered])
    with pytest.raises(InvalidTag):
        await EncryptionCodec(os.urandom(32)).decode([sealed])


async def test_unencrypted_payloads_pass_through_and_keys_must_be_32_bytes() -> None:
    codec = EncryptionCodec.from_base64(base64.b64encode(os.urandom(32)).decode())
    plain = _payload(b"{}")
    assert await codec.decode([plain]) == [plain]
    with pytest.raises(ValueError, match="32 bytes"):
        EncryptionCodec(b"short")
