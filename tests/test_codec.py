"""The payload codec that keeps workflow payloads unreadable in Temporal's store, and the API's
``/codec`` that opens them for operators only (the Temporal UI and CLI), refusing bad input with a
4xx in Indonesian and answering browsers only from the Temporal UI's origin."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from cryptography.exceptions import InvalidTag
from fastapi import FastAPI
from google.protobuf import json_format
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.common.v1 import Payload

from alur.codec import EncryptionCodec
from alur.seed import DEMO_PASSWORD
from alur.settings import Settings
from api.main import create_app
from db.models import Officer
from db.session import transaction
from tests.conftest import TEST_PAYLOAD_KEY


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


# --- the /codec endpoint the Temporal UI and CLI call -------------------------------------------
# The app over a migrated database with the demo officers (as `make run` seeds them) and no
# Temporal: the codec needs only the payload key.

UI = "http://localhost:8233"
TWIN = "http://127.0.0.1:8233"
PLAIN = {
    "metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
    "data": base64.b64encode(b'{"nama":"Budi","telepon":"+6281234567890"}').decode(),
}


def _settings(environment: str = "test", temporal_ui_url: str = UI) -> Settings:
    return Settings(
        environment=environment,
        payload_key=TEST_PAYLOAD_KEY,
        jwt_secret="a-real-production-secret-of-enough-length-0001",
        temporal_ui_url=temporal_ui_url,
    )


def _app(sessions: sessionmaker[Session], settings: Settings | None = None) -> FastAPI:
    return create_app(settings or _settings(), sessions=sessions, temporal=None)


@pytest.fixture
async def http(
    sessions: sessionmaker[Session], demo_officers: list[str]
) -> AsyncIterator[httpx.AsyncClient]:
    assert "kominfo.operator" in demo_officers
    transport = httpx.ASGITransport(app=_app(sessions))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        yield client


async def _bearer(http: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await http.post("/auth/login", data={"username": username, "password": DEMO_PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _error(r: httpx.Response) -> tuple[int, str, str]:
    error = r.json()["error"]
    return r.status_code, error["code"], error["message"]


@pytest.mark.parametrize("path", ["/codec/decode", "/codec/encode"])
async def test_codec_without_a_token_is_refused(http: httpx.AsyncClient, path: str) -> None:
    r = await http.post(path, json={"payloads": [PLAIN]})
    assert _error(r) == (401, "not_authenticated", "Silakan masuk (login) terlebih dahulu")
    assert r.headers["WWW-Authenticate"] == "Bearer"
    bad = await http.post(path, json={"payloads": [PLAIN]}, headers={"Authorization": "Bearer x"})
    assert _error(bad) == (401, "not_authenticated", "Token tidak valid")


@pytest.mark.parametrize("username", ["malang.kabag", "trenggalek.kepala_dinas", "magelang.satker"])
@pytest.mark.parametrize("path", ["/codec/decode", "/codec/encode"])
async def test_codec_refuses_officers_who_are_not_operators(
    http: httpx.AsyncClient, username: str, path: str
) -> None:
    r = await http.post(path, json={"payloads": [PLAIN]}, headers=await _bearer(http, username))
    assert _error(r) == (403, "wrong_role", "Codec hanya untuk Operator Dinas Kominfo")


async def test_an_inactive_operator_is_refused(
    http: httpx.AsyncClient, sessions: sessionmaker[Session]
) -> None:
    headers = await _bearer(http, "kominfo.operator")
    with transaction(sessions) as s:
        operator = s.scalar(select(Officer).where(Officer.username == "kominfo.operator"))
        assert operator is not None
        operator.active = False
    r = await http.post("/codec/decode", json={"payloads": [PLAIN]}, headers=headers)
    assert _error(r) == (401, "not_authenticated", "Akun tidak aktif")


async def test_the_seeded_operator_logs_in_and_round_trips_payloads(
    http: httpx.AsyncClient,
) -> None:
    headers = await _bearer(http, "kominfo.operator")
    me = (await http.get("/auth/me", headers=headers)).json()
    assert (me["role"], me["agency"]) == ("operator", "kominfo")
    assert me["full_name"].startswith("Operator Dinas Kominfo")
    enc = await http.post("/codec/encode", json={"payloads": [PLAIN]}, headers=headers)
    assert enc.status_code == 200, enc.text
    [sealed] = enc.json()["payloads"]
    assert base64.b64decode(sealed["metadata"]["encoding"]) == b"binary/encrypted"
    assert b"Budi" not in base64.b64decode(sealed["data"])
    ui = {**headers, "X-Namespace": "default"}
    dec = await http.post("/codec/decode?preserveStorageRefs=true", json=enc.json(), headers=ui)
    assert dec.status_code == 200 and dec.json() == {"payloads": [PLAIN]}
    # what the worker sealed (the SDK's codec, same key) the endpoint opens too
    [worker_sealed] = await EncryptionCodec.from_base64(TEST_PAYLOAD_KEY).encode(
        [Payload(metadata={"encoding": b"json/plain"}, data=b'"rahasia"')]
    )
    body = {"payloads": [json_format.MessageToDict(worker_sealed)]}
    opened = await http.post("/codec/decode", json=body, headers=headers)
    assert base64.b64decode(opened.json()["payloads"][0]["data"]) == b'"rahasia"'
    other = await http.post(
        "/codec/decode", json=enc.json(), headers={**headers, "X-Namespace": "lain"}
    )
    assert _error(other) == (403, "wrong_namespace", "Namespace tidak dilayani")


def _tampered(sealed: dict[str, Any]) -> dict[str, Any]:
    data = bytearray(base64.b64decode(sealed["data"]))
    data[-1] ^= 1
    return {**sealed, "data": base64.b64encode(bytes(data)).decode()}


BAD_BODIES: list[tuple[str, bytes, str, str]] = [
    ("not JSON", b"ini bukan json", "invalid_request", "isi permintaan: bukan JSON yang valid"),
    ("no payloads", b'{"payload": []}', "invalid_request", "payloads: wajib diisi"),
    ("payloads not a list", b'{"payloads": {}}', "invalid_request", "payloads: harus berupa"),
    ("JSON not an object", b"[1, 2]", "invalid_request", "isi permintaan: harus berupa objek"),
    (
        "data not base64",
        b'{"payloads": [{"metadata": {}, "data": "bukan base64!"}]}',
        "invalid_request",
        "payloads.0.data: bukan base64 yang valid",
    ),
    (
        "metadata not base64",
        b'{"payloads": [{"metadata": {"encoding": "a"}, "data": ""}]}',
        "invalid_request",
        "payloads.0.metadata: bukan base64 yang valid",
    ),
]


@pytest.mark.parametrize("path", ["/codec/decode", "/codec/encode"])
@pytest.mark.parametrize(
    ("case", "body", "code", "words"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES]
)
async def test_malformed_bodies_get_a_422_in_indonesian(
    http: httpx.AsyncClient, path: str, case: str, body: bytes, code: str, words: str
) -> None:
    del case
    headers = {**await _bearer(http, "kominfo.operator"), "content-type": "application/json"}
    r = await http.post(path, content=body, headers=headers)
    status, got_code, message = _error(r)
    assert (status, got_code) == (422, code), r.text
    assert message.startswith("Data tidak valid") and words in message, message


async def test_payloads_that_do_not_decrypt_get_a_422_naming_which(
    http: httpx.AsyncClient,
) -> None:
    headers = await _bearer(http, "kominfo.operator")
    enc = await http.post("/codec/encode", json={"payloads": [PLAIN, PLAIN]}, headers=headers)
    good, sealed = enc.json()["payloads"]
    [foreign] = await EncryptionCodec(os.urandom(32)).encode([_payload(b"x")])
    short = {**sealed, "data": base64.b64encode(b"pendek").decode()}
    unknown_key = {
        **sealed,
        "metadata": {**sealed["metadata"], "encryption-key-id": base64.b64encode(b"x").decode()},
    }
    for bad in (_tampered(sealed), json_format.MessageToDict(foreign), short, unknown_key):
        r = await http.post("/codec/decode", json={"payloads": [good, bad]}, headers=headers)
        assert _error(r) == (422, "payload_tidak_valid", "Payload tidak dapat didekripsi"), bad
        assert r.json()["error"]["detail"] == {"indeks": 1}


# --- CORS: which browser origins may call /codec ------------------------------------------------
def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type,x-namespace",
    }


async def _allowed(app: FastAPI, origin: str) -> bool:
    """Whether a browser at ``origin`` may POST to /codec/decode: its preflight (no token, as a
    browser sends it) is answered for that origin."""
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
    ) as client:
        r = await client.options("/codec/decode", headers=_preflight(origin))
    if r.status_code != 200:
        return False
    assert "authorization" in r.headers["access-control-allow-headers"].lower()
    assert r.headers["access-control-allow-credentials"] == "true"
    return bool(r.headers.get("access-control-allow-origin") == origin)


@pytest.mark.parametrize("environment", ["development", "test"])
async def test_outside_production_the_ui_may_call_from_localhost_and_127_0_0_1(
    sessions: sessionmaker[Session], environment: str
) -> None:
    app = _app(sessions, _settings(environment))
    assert await _allowed(app, UI) and await _allowed(app, TWIN)
    assert not await _allowed(app, "http://evil.example")
    assert not await _allowed(app, "http://localhost:9999")
    twin_first = _app(sessions, _settings(environment, temporal_ui_url=TWIN + "/"))
    assert await _allowed(twin_first, TWIN) and await _allowed(twin_first, UI)


async def test_in_production_only_the_configured_ui_may_call(
    sessions: sessionmaker[Session],
) -> None:
    ui = "https://temporal.alur.example.go.id"
    app = _app(sessions, _settings("production", temporal_ui_url=ui))
    assert await _allowed(app, ui)
    assert not await _allowed(app, UI) and not await _allowed(app, TWIN)
    local = _app(sessions, _settings("production"))
    assert await _allowed(local, UI) and not await _allowed(local, TWIN)


async def test_a_refusal_reaches_the_ui_with_its_cors_headers(http: httpx.AsyncClient) -> None:
    r = await http.post("/codec/decode", json={"payloads": [PLAIN]}, headers={"Origin": TWIN})
    assert r.status_code == 401 and r.headers["access-control-allow-origin"] == TWIN


# --- OpenAPI --------------------------------------------------------------------------------------
async def test_codec_is_documented_with_its_login_and_answers(http: httpx.AsyncClient) -> None:
    spec = (await http.get("/openapi.json")).json()
    for path in ("/codec/decode", "/codec/encode"):
        post = spec["paths"][path]["post"]
        assert post["security"] == [{"Petugas": []}]
        assert {"200", "401", "403", "422"} <= set(post["responses"])
        ok = post["responses"]["200"]["content"]["application/json"]["schema"]
        body = post["requestBody"]["content"]["application/json"]["schema"]
        assert ok == body == {"$ref": "#/components/schemas/CodecPayloads"}
    assert "payloads" in spec["components"]["schemas"]["CodecPayloads"]["properties"]
