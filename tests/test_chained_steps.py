"""A closed officer step is written with the step that opens next (``trail.CHAINED_PATCH``).

What an operator and an officer see: one local activity per step change in the case's history
(``buka tugas``, not ``tutup tugas`` then ``buka tugas``), one search-attribute update per opening,
and a read model that has the same rows and trail lines as before, the closed step written no later
than the workflow next waits on something else (here: the citizen's reply being sent)."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter

from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.dev_outbox import DevOutboxSender
from activities.senders import Outgoing, SentMessage
from tests.malang_helpers import (
    ACT,
    ONE_REVISION,
    STEPS,
    add_contact,
    audit,
    case_number,
    case_row,
    draft,
    drive_to,
    finish_from,
    laporan,
    result_of,
    review,
    start,
    steps_of,
    submit_draft,
    tasks,
    wait_step,
)
from worker import build_workers

CITIZEN_PHONE = "+6281311113333"


def _workers(
    env: WorkflowEnvironment, sessions: sessionmaker[Session], sender: DevOutboxSender | None = None
) -> tuple[str, list[Worker]]:
    """Alur's workers on a fresh queue of the test's server."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    sender = sender or DevOutboxSender()
    return queue, build_workers(
        env.client, task_queue=queue, session_factory=sessions, sender=sender
    )


def _count(history_events: list[object], kind: int) -> int:
    return sum(1 for e in history_events if getattr(e, "event_type", None) == kind)


async def test_a_straight_malang_case_writes_each_step_change_once(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> None:
    queue, ws = _workers(ts_env, sessions)
    number = case_number()
    async with ws[0], ws[1]:
        h = await start(ts_env.client, queue, laporan(number))
        for code in STEPS:
            await wait_step(h, code)
            await ACT[code](h)
        result = await result_of(h)
        history = await h.fetch_history()
    assert result.status == "selesai"

    events = list(history.events)
    markers = _count(events, EventType.EVENT_TYPE_MARKER_RECORDED)
    upserts = _count(events, EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES)
    # 4 patch markers; local activities: the case row, 7 openings (each of the 6 step changes one
    # write, where it took two), the last step's close, the reply's trail line, the case's close.
    assert markers == 4 + 11, markers
    # 4 patch versions, the case's tags, one per opening (7, where it took 13 and 6 role unsets),
    # the last close's role, the close.
    assert upserts == 4 + 1 + 7 + 1 + 1, upserts

    # The read model is what it was with two writes per change: every task done, in order, each
    # step opened and closed once, the accepted action of each step once.
    rows = tasks(sessions, number)
    assert [(t.step, t.status) for t in rows] == [(s, "done") for s in STEPS]
    lines = audit(sessions, number)
    assert steps_of(lines, "langkah_dimulai") == list(STEPS)
    assert steps_of(lines, "langkah_selesai") == list(STEPS)
    assert steps_of(lines, "aksi_diterima") == list(STEPS)
    order = [(e.step, e.event) for e in lines if e.event in ("langkah_dimulai", "langkah_selesai")]
    assert order == [(s, ev) for s in STEPS for ev in ("langkah_dimulai", "langkah_selesai")]
    assert lines[-1].event == "kasus_selesai"


class GatedSender(DevOutboxSender):
    """The dev outbox, holding the citizen's reply until the test lets it go."""

    def __init__(self) -> None:
        super().__init__()
        self.reply_started = threading.Event()
        self.release = threading.Event()

    def send(self, message: Outgoing) -> SentMessage:
        if message.to == CITIZEN_PHONE:
            self.reply_started.set()
            self.release.wait(timeout=10)
        return super().send(message)


async def test_the_last_step_is_written_before_the_citizen_is_told(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> None:
    """No opening follows penyampaian: its close goes on its own as soon as the workflow waits for
    the reply to be sent, so a slow SMS provider never leaves the task open in the officers'
    inbox."""
    sender = GatedSender()
    queue, ws = _workers(ts_env, sessions, sender)
    number = case_number()
    add_contact(sessions, number, CITIZEN_PHONE)
    async with ws[0], ws[1]:
        h = await start(ts_env.client, queue, laporan(number, ada_kontak=True))
        for code in STEPS:
            await wait_step(h, code)
            await ACT[code](h)
        try:
            assert await asyncio.to_thread(sender.reply_started.wait, 10)
            deadline = time.monotonic() + 5
            last = None
            while time.monotonic() < deadline:
                last = tasks(sessions, number)[-1]
                if last.status == "done":
                    break
                await asyncio.sleep(0.05)
            assert last is not None and (last.step, last.status) == ("penyampaian", "done")
            assert case_row(sessions, number).status != "selesai"  # the reply is still going out
            assert steps_of(audit(sessions, number), "langkah_selesai")[-1] == "penyampaian"
        finally:
            sender.release.set()
        result = await result_of(h)
    assert result.status == "selesai"
    assert [(t.step, t.status) for t in tasks(sessions, number)] == [(s, "done") for s in STEPS]


async def test_burst_across_continue_as_new_keeps_tasks_and_trail_in_order(
    dev_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> None:
    """Across Malang's continue-as-new: a burst of actions, one refused right after its step
    closed, leaves the read model as the workflow took it (tasks once each, in order; each step
    opened before it closed, and closed before the next opened). On the dev server: the
    time-skipping server can lose a signal that races a continue-as-new (see ``dev_env``)."""
    queue, ws = _workers(dev_env, sessions)
    number = case_number()
    async with ws[0], ws[1]:
        h = await start(dev_env.client, queue, laporan(number, max_rounds_per_run=1))
        await drive_to(h, "draf_tanggapan")
        # round 1 in one burst, its verdict a revision (the run continues as new), then a stale
        # submit for the step just closed (refused in the next run), then round 2's draft
        await draft(h, "Draf 1")
        await review(h, approve=False, notes="Catatan 1")
        await submit_draft(h)
        await draft(h, "Draf 2")
        await wait_step(h, "telaah", round=2)
        result = await finish_from(h, "telaah")
    assert result.status == "selesai" and result.rounds == 2

    rows = tasks(sessions, number)
    assert all(t.status == "done" for t in rows), [(t.step, t.round, t.status) for t in rows]
    keys = Counter(t.task_key for t in rows)
    assert all(n == 1 for n in keys.values()), keys
    assert [(t.step, t.round) for t in rows] == ONE_REVISION
    lines = audit(sessions, number)
    order = [
        (e.step, e.round, e.event)
        for e in lines
        if e.event in ("langkah_dimulai", "langkah_selesai")
    ]
    assert order == [
        (t.step, t.round, ev) for t in rows for ev in ("langkah_dimulai", "langkah_selesai")
    ]
    refused = [e for e in lines if e.event == "aksi_ditolak"]
    assert len(refused) == 1 and refused[0].step == "pengajuan_draf", refused
    assert Counter(e.event_key for e in lines).most_common(1)[0][1] == 1
    assert lines[-1].event == "kasus_selesai"
