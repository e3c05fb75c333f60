"""The Temporal UI's remote codec: decrypts payloads for operators (the Temporal UI, the
``temporal`` CLI's ``--codec-endpoint``) and encrypts the ones the UI sends (its "send signal" and
"start workflow" forms). It serves only the configured namespace.

It can read every case's payloads, so only an operator may call it: an active officer with the
role ``operator`` (Operator Dinas Kominfo), by the bearer token of ``POST /auth/login``
(``Authorization: Bearer <token>``; the CLI's ``--codec-auth "Bearer <token>"``) or by the web
session cookie of ``/petugas/masuk`` (``api.web.session``: the Temporal UI in the operator's
browser, same site). Without a token
it answers 401, with another officer's 403. A malformed body, a payload that is not base64 and a
payload that does not decrypt (tampered, or sealed with another key) answer 422, never 500.

Browsers reach it across origins (the UI on :8233, the API on :8000): ``cors_origins`` says which
origins may, and the CORS preflight needs no token (a browser sends none on it).
"""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidTag
from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from google.protobuf.message import DecodeError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from temporalio.api.common.v1 import Payload

from alur.codec import EncryptionCodec
from alur.settings import Settings
from api.deps import SessionsDep, SettingsDep, get_current_officer
from api.errors import Forbidden, Unprocessable, responses
from api.principals import officer_scheme, officer_subject
from db.models import Officer

OPERATOR_ROLE = "operator"
"""The role that may use the codec (alur/seed.py seeds ``kominfo.operator`` with it)."""
OPERATOR_TITLE = "Operator Dinas Kominfo"

UNDECRYPTABLE = "Payload tidak dapat didekripsi"


async def officer_by_token_or_session(
    request: Request,
    sessions: SessionsDep,
    token: Annotated[str | None, Depends(officer_scheme)],
) -> Officer:
    """The officer of the bearer token or, without one, of the web session cookie (an operator
    logged in at ``/petugas/masuk`` opening the Temporal UI in the same browser). By cookie only
    a JSON body is taken: another page cannot send one across origins without CORS' leave."""
    if token is None:
        from api.web.session import officer_from_cookie

        found = await run_in_threadpool(officer_from_cookie, request)
        if found is not None:
            if request.headers.get("content-type", "").split(";")[0] != "application/json":
                raise Forbidden("Codec menerima JSON saja", code="bukan_json")
            return found
    return await run_in_threadpool(
        get_current_officer, sessions, await officer_subject(request, token)
    )


def require_operator(
    officer: Annotated[Officer, Depends(officer_by_token_or_session)],
) -> Officer:
    """The officer of the request's token (or web session) if they are an operator: 401 without
    a valid token of an active officer, 403 ``wrong_role`` for any other role."""
    if officer.role != OPERATOR_ROLE:
        raise Forbidden(f"Codec hanya untuk {OPERATOR_TITLE}", code="wrong_role")
    return officer


CurrentOperator = Annotated[Officer, Depends(require_operator)]

router = APIRouter(prefix="/codec", tags=["codec"], dependencies=[Depends(require_operator)])


def cors_origins(settings: Settings) -> list[str]:
    """The browser origins allowed to call the API across origins: the Temporal UI's
    (``settings.temporal_ui_url``) and, outside production, its twin on the other loopback name
    (``http://localhost:8233`` and ``http://127.0.0.1:8233``: to a browser they are different
    origins, and `make run` prints one while people type the other)."""
    parts = urlsplit(settings.temporal_ui_url)
    origin = f"{parts.scheme}://{parts.netloc}"
    origins = [origin]
    twin = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}.get(parts.hostname or "")
    if settings.environment != "production" and twin is not None:
        port = f":{parts.port}" if parts.port is not None else ""
        origins.append(f"{parts.scheme}://{twin}{port}")
    return origins


def _b64decode(text: str) -> bytes:
    """Strict base64 (standard or URL-safe alphabet, padding optional, as proto JSON allows)."""
    padded = text.replace("-", "+").replace("_", "/") + "=" * (-len(text) % 4)
    return base64.b64decode(padded, validate=True)


def _b64encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


def _check_b64(text: str) -> str:
    try:
        _b64decode(text)
    except (binascii.Error, ValueError) as err:
        raise ValueError("bukan base64 yang valid") from err
    return text


class CodecPayload(BaseModel):
    """One payload in Temporal's JSON form: metadata values and data are base64."""

    model_config = ConfigDict(extra="ignore")

    metadata: dict[str, str] = Field(
        default_factory=dict, description="Metadata, each value base64 (e.g. `encoding`)."
    )
    data: str = Field(default="", description="The payload's bytes, base64.")

    @field_validator("metadata")
    @classmethod
    def _metadata_base64(cls, value: dict[str, str]) -> dict[str, str]:
        for item in value.values():
            _check_b64(item)
        return value

    @field_validator("data")
    @classmethod
    def _data_base64(cls, value: str) -> str:
        return _check_b64(value)

    def to_payload(self) -> Payload:
        return Payload(
            metadata={k: _b64decode(v) for k, v in self.metadata.items()},
            data=_b64decode(self.data),
        )

    @classmethod
    def of(cls, payload: Payload) -> CodecPayload:
        return cls(
            metadata={k: _b64encode(v) for k, v in payload.metadata.items()},
            data=_b64encode(payload.data),
        )


class CodecPayloads(BaseModel):
    """The body of both requests and both answers: Temporal's ``Payloads`` in JSON."""

    payloads: list[CodecPayload]


_PESAN = {
    "missing": "wajib diisi",
    "list_type": "harus berupa daftar",
    "dict_type": "harus berupa objek",
    "model_type": "harus berupa objek",
    "model_attributes_type": "harus berupa objek",
    "string_type": "harus berupa teks",
}


def _pesan(error: Any) -> str:
    if error["type"] == "json_invalid":
        return "bukan JSON yang valid"
    if error["type"] == "value_error":  # ours, already in Indonesian
        return str(error["msg"]).removeprefix("Value error, ")
    return _PESAN.get(error["type"], "format tidak sesuai")


def _invalid(err: ValidationError) -> Unprocessable:
    """A body that is not ``{"payloads": [...]}``, in the usual ``invalid_request`` shape."""
    problems = [
        {"lokasi": ".".join(str(p) for p in e["loc"]), "pesan": _pesan(e)} for e in err.errors()
    ]
    first = problems[0]
    where = first["lokasi"] or "isi permintaan"
    return Unprocessable(f"Data tidak valid: {where}: {first['pesan']}", detail=problems)


async def _payloads(request: Request) -> list[Payload]:
    try:
        body = CodecPayloads.model_validate_json(await request.body())
    except ValidationError as err:
        raise _invalid(err) from err
    return [p.to_payload() for p in body.payloads]


def _check_namespace(settings: Settings, namespace: str | None) -> None:
    if namespace and namespace != settings.temporal_namespace:
        raise Forbidden("Namespace tidak dilayani", code="wrong_namespace")


def _answer(payloads: list[Payload]) -> CodecPayloads:
    return CodecPayloads(payloads=[CodecPayload.of(p) for p in payloads])


# The body is read and checked by the route itself (so every refusal is in Indonesian), so
# OpenAPI is told its schema here: the same model as the answer's.
_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/CodecPayloads"}}},
    }
}
_RESPONSES = responses(401, 403, 422)
Namespace = Annotated[
    str | None,
    Header(alias="X-Namespace", description="The UI's namespace; only the configured one."),
]


@router.post("/decode", response_model=CodecPayloads, responses=_RESPONSES, openapi_extra=_BODY)
async def decode(request: Request, settings: SettingsDep, namespace: Namespace = None) -> Any:
    """Decrypt payloads for the Temporal UI or CLI (operators only). Payloads Alur did not
    encrypt come back unchanged; one that does not decrypt answers 422 ``payload_tidak_valid``
    with its position (``detail.indeks``)."""
    _check_namespace(settings, namespace)
    codec: EncryptionCodec = request.app.state.codec
    out = []
    for i, payload in enumerate(await _payloads(request)):
        try:
            out.append(codec.decrypt(payload))
        except (InvalidTag, ValueError, DecodeError) as err:
            raise Unprocessable(
                UNDECRYPTABLE, code="payload_tidak_valid", detail={"indeks": i}
            ) from err
    return _answer(out)


@router.post("/encode", response_model=CodecPayloads, responses=_RESPONSES, openapi_extra=_BODY)
async def encode(request: Request, settings: SettingsDep, namespace: Namespace = None) -> Any:
    """Encrypt payloads the Temporal UI sends (operators only)."""
    _check_namespace(settings, namespace)
    codec: EncryptionCodec = request.app.state.codec
    return _answer([codec.encrypt(p) for p in await _payloads(request)])
