"""The Temporal UI's remote codec: decrypts payloads for operators' browsers (and encrypts for the
UI's "send signal" form). It serves only the configured namespace; expose it on the operator
network only, never publicly, since it can read every case's payloads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Request
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload, Payloads

from api.deps import SettingsDep
from api.errors import Forbidden

router = APIRouter(prefix="/codec", tags=["codec"], include_in_schema=False)


async def _apply(
    request: Request, settings: SettingsDep, namespace: str | None, *, decode: bool
) -> Any:
    if namespace and namespace != settings.temporal_namespace:
        raise Forbidden("Namespace tidak dilayani", code="wrong_namespace")
    payloads = json_format.Parse(await request.body(), Payloads())
    codec = request.app.state.codec
    items: list[Payload] = list(payloads.payloads)
    out = await (codec.decode(items) if decode else codec.encode(items))
    return json_format.MessageToDict(Payloads(payloads=out))


@router.post("/decode")
async def decode(
    request: Request,
    settings: SettingsDep,
    namespace: Annotated[str | None, Header(alias="X-Namespace")] = None,
) -> Any:
    """Decrypt payloads for the Temporal UI."""
    return await _apply(request, settings, namespace, decode=True)


@router.post("/encode")
async def encode(
    request: Request,
    settings: SettingsDep,
    namespace: Annotated[str | None, Header(alias="X-Namespace")] = None,
) -> Any:
    """Encrypt payloads the Temporal UI sends."""
    return await _apply(request, settings, namespace, decode=False)
