"""View Probolinggo registrations as operators find them in the Temporal UI, on the real dev server
(the time-skipping server has no visibility queries): by registration id, SOP and current step,
with nothing personal in the search attributes."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowExecution
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.testing import WorkflowEnvironment

from activities.dev_outbox import DevOutboxSender
from alur.temporal import (
    SA_AGENCY,
    SA_CASE_NUMBER,
    SA_SOP,
    SA_STATUS,
    SA_STEP,
)
from tests.probolinggo_helpers import NON_RESIDENT, W, enter_otp, new_id, open_draft
from worker import build_workers
from workflows.probolinggo.models import Isian, RegistrasiMasuk, StatusWarga
from workflows.probolinggo.workflow import workflow_id_for


async def _listed(env: WorkflowEnvironment, query: str) -> list[WorkflowExecution]:
    for _ in range(100):
        found = [w async for w in env.client.list_workflows(query)]
        if found:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{query!r} listed nothing")


async def test_registration_is_found_by_id_and_step_without_personal_data(
    dev_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> None:
    queue = f"test-{uuid.uuid4().hex[:8]}"
    ws = build_workers(
        dev_env.client, task_queue=queue, session_factory=sessions, sender=DevOutboxSender()
    )
    rid = new_id()
    open_draft(sessions, rid, StatusWarga.warga_luar_kota, NON_RESIDENT.phone)
    async with ws[0], ws[1]:
        handle = await dev_env.client.start_workflow(
            W.run,
            RegistrasiMasuk(registration_id=rid, status_warga=StatusWarga.warga_luar_kota),
            id=workflow_id_for(rid),
            task_queue=queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(SA_SOP, "probolinggo-registrasi"),
                    SearchAttributePair(SA_CASE_NUMBER, rid),
                    SearchAttributePair(SA_AGENCY, "probolinggo-diskominfo"),
                    SearchAttributePair(SA_STATUS, "berjalan"),
                ]
            ),
        )
        await _listed(dev_env, f"AlurCaseNumber = '{rid}' AND AlurStep = 'kata_sandi'")
        await handle.execute_update(W.kata_sandi, Isian())
        [found] = await _listed(
            dev_env,
            f"AlurSop = 'probolinggo-registrasi' AND AlurCaseNumber = '{rid}' "
            "AND AlurStep = 'otp' AND AlurStatus = 'berjalan'",
        )
        assert found.id == f"probolinggo-registrasi-{rid}"
        await enter_otp(handle, sessions)
        await _listed(dev_env, f"AlurCaseNumber = '{rid}' AND AlurStep = 'nik'")
        desc = await handle.describe()
        shown = " ".join(str(pair.value) for pair in desc.typed_search_attributes)
        assert desc.typed_search_attributes.get(SA_STEP) == "nik"
        for personal in (NON_RESIDENT.phone, NON_RESIDENT.phone[3:], NON_RESIDENT.nama):
            assert personal not in shown and personal not in desc.id
        await handle.terminate("test selesai")
