"""What operators see in the Temporal UI, on the real dev server (the time-skipping server has no
visibility queries): a case is found by its number, its step and status follow it, and neither
its search attributes nor its history hold the citizen's personal data in clear."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from activities.dev_outbox import DevOutboxSender
from alur.codec import EncryptionCodec
from alur.temporal import (
    SA_CASE_NUMBER,
    SA_SLA_BREACHED,
    SA_SOP,
    SA_STATUS,
    SA_STEP,
)
from db.models import Case, CaseContact
from db.session import transaction
from tests import malang_helpers as m
from tests.conftest import TEST_PAYLOAD_KEY
from worker import build_workers

SECRET_TEXT = "Rumah Bu Sulastri di Jl. Kawi 17 kebanjiran"
PHONE = "+6281398765432"


async def _visible(env: WorkflowEnvironment, query: str, expected: int = 1) -> list[object]:
    for _ in range(100):
        found = [w async for w in env.client.list_workflows(query)]
        if len(found) == expected:
            return found
        await asyncio.sleep(0.1)
    raise AssertionError(f"{query!r} never listed {expected} case(s)")


async def test_case_is_found_by_number_and_step_without_personal_data(
    dev_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> None:
    number = f"MLG-VIS-{uuid.uuid4().hex[:6].upper()}"
    with transaction(sessions) as s:
        s.add(
            Case(
                case_number=number,
                workflow_id=f"malang-{number}",
                sop="malang-pengelolaan-tik",
                agency="malang-bagpem",
                kind="pengaduan",
                channel="website",
                subject="Banjir",
                description=SECRET_TEXT,
                status="diterima",
                contact=CaseContact(name="Sulastri", phone=PHONE, reply_channel="sms"),
            )
        )
    queue = f"vis-{uuid.uuid4().hex[:6]}"
    workers = build_workers(
        dev_env.client, task_queue=queue, session_factory=sessions, sender=DevOutboxSender()
    )
    async with workers[0], workers[1]:
        inp = m.laporan(number, ada_kontak=True).model_copy(update={"isi": SECRET_TEXT})
        handle = await m.start(dev_env.client, queue, inp)
        await m.wait_step(handle, "penerimaan")
        await m.forward(handle)
        await m.wait_step(handle, "disposisi")
        await _visible(dev_env, f"AlurCaseNumber = '{number}' AND AlurStep = 'disposisi'")
        await _visible(
            dev_env, f"AlurSop = 'malang-pengelolaan-tik' AND AlurCaseNumber = '{number}'"
        )
        await m.dispose(handle)
        await m.order(handle)
        await m.draft(handle)
        await m.review(handle, approve=True)
        await m.deliver(handle)
        result = await handle.result()
        assert result.status == "selesai"
        await _visible(dev_env, f"AlurCaseNumber = '{number}' AND AlurStatus = 'selesai'")

        desc = await handle.describe()
        attrs = desc.typed_search_attributes
        assert attrs.get(SA_CASE_NUMBER) == number
        assert attrs.get(SA_SOP) == "malang-pengelolaan-tik"
        assert attrs.get(SA_STATUS) == "selesai"
        assert attrs.get(SA_SLA_BREACHED) is None
        assert attrs.get(SA_STEP) == ""
        shown = " ".join(str(p.value) for p in attrs)
        history = await handle.fetch_history()
        raw = history.to_json()
    for personal in ("Sulastri", "Kawi", PHONE, "81398765432", "Lampu akan diperbaiki"):
        assert personal not in shown
        assert personal not in raw
    # ...while the operator's UI, decoding through the codec, reads the complaint
    codec = EncryptionCodec.from_base64(TEST_PAYLOAD_KEY)
    first = history.events[0].workflow_execution_started_event_attributes.input.payloads
    decoded = await codec.decode(list(first))
    assert SECRET_TEXT in decoded[0].data.decode()
