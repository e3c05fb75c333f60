"""Kota Malang's SOP 15 workflow on the time-skipping server, with the real workers and activities:
each test drives a case as officers would and checks what they and the citizen would see in the
read model (case row, tasks, audit trail, notification log) and in the workflow's result."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.senders import (
    Channel,
    Outgoing,
    PermanentSendError,
    SentMessage,
    TemporarySendError,
)
from tests.conftest import RunningWorkers
from tests.malang_helpers import (
    DRAFT,
    KABAG,
    KABAG_TRENGGALEK,
    KASUBAG,
    STAF,
    STAF_LAIN,
    STEPS,
    TIK,
    Handle,
    add_contact,
    add_officers,
    audit,
    case_number,
    case_row,
    close_at_intake,
    dispose,
    draft,
    drive_to,
    finish_from,
    forward,
    laporan,
    notifications,
    result_of,
    review,
    start,
    steps_of,
    tasks,
    wait_audit,
    wait_overdue,
    wait_step,
    write_draft,
)
from worker import build_workers

ACTED_BY = {
    "penerimaan": TIK.username,
    "disposisi": KABAG.username,
    "perintah": KASUBAG.username,
    "draf_tanggapan": STAF.username,
    "pengajuan_draf": STAF.username,
    "telaah": KASUBAG.username,
    "penyampaian": TIK.username,
}
SUPERIOR = {  # the role an overdue step is escalated to (SOPS.md §2, sop/malang.py atasan)
    "penerimaan": "kasubag",
    "disposisi": "sekda",
    "perintah": "kabag",
    "draf_tanggapan": "kasubag",
    "pengajuan_draf": "kasubag",
    "telaah": "kabag",
    "penyampaian": "kasubag",
}
PHONES = {
    "pengelola_tik": "+6281200000001",
    "pelaksana": "+6281200000002",
    "kasubag": "+6281200000003",
    "kabag": "+6281200000004",
    "sekda": "+6281200000005",
}
CITIZEN_PHONE = "+6281311112222"
REFUSED_PHONE = "+6281399990000"


@pytest.fixture
def officers(sessions: sessionmaker[Session]) -> dict[str, str]:
    """An officer with a phone for every Malang role (and a kabag of another agency)."""
    add_officers(sessions, PHONES)
    return PHONES


async def test_case_goes_straight_through_all_seven_steps(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    number = case_number()
    h = await start(workers.client, workers.task_queue, laporan(number))

    result = await finish_from(h, "penerimaan")

    assert result.status == "selesai"
    assert result.tanggapan == DRAFT
    assert (result.rounds, result.sla_breached) == (1, False)
    rows = tasks(sessions, number)
    assert [t.step for t in rows] == list(STEPS)
    assert all(t.status == "done" and not t.overdue for t in rows)
    assert {t.step: t.completed_by for t in rows} == ACTED_BY
    flow = audit(sessions, number, "langkah_dimulai", "aksi_diterima", "langkah_selesai")
    assert [(e.step, e.event) for e in flow] == [
        (step, event)
        for step in STEPS
        for event in ("langkah_dimulai", "aksi_diterima", "langkah_selesai")
    ]
    assert all(e.detail["tepat_waktu"] for e in flow if e.event == "langkah_selesai")
    trail = audit(sessions, number)
    assert (trail[0].event, trail[-1].event) == ("kasus_dibuka", "kasus_selesai")
    assert not audit(sessions, number, "sla_terlampaui", "eskalasi", "aksi_ditolak")
    case = case_row(sessions, number)
    assert (case.status, case.public_response, case.sla_breached) == ("selesai", DRAFT, False)
    assert case.current_step is None
    assert case.closed_at is not None
    # no contact was left: nothing is sent, and the trail says why
    assert notifications(sessions, number) == []
    told = audit(sessions, number, "notifikasi_warga")
    assert told[0].detail == {"tujuan": "tanggapan", "terkirim": 0, "catatan": "tanpa_kontak"}


async def test_kasubag_can_send_draft_back_twice(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    number = case_number()
    notes = ["Tambahkan jadwal perbaikan", "Sebutkan nomor pengaduan"]
    h = await start(workers.client, workers.task_queue, laporan(number))
    await drive_to(h, "draf_tanggapan")

    for rnd, note in enumerate(notes, start=1):
        await draft(h, f"Draf {rnd}")
        await wait_step(h, "telaah", round=rnd)
        await review(h, approve=False, notes=note)
        status = await wait_step(h, "draf_tanggapan", round=rnd + 1)
        assert status.task is not None
        assert status.task.assignee == STAF.username
    await draft(h, "Draf 3")
    await wait_step(h, "telaah", round=3)
    result = await finish_from(h, "telaah")

    assert result.status == "selesai"
    assert result.rounds == 3
    assert result.tanggapan == "Draf 3"
    assert case_row(sessions, number).public_response == "Draf 3"
    rows = tasks(sessions, number)
    for step in ("draf_tanggapan", "pengajuan_draf", "telaah"):
        assert [t.round for t in rows if t.step == step] == [1, 2, 3]
    assert [t.outcome for t in rows if t.step == "telaah"] == ["revisi", "revisi", "setuju"]
    assert all(t.status == "done" for t in rows)
    # the staff see the Kasubag's notes on the revise task
    titles = [t.title for t in rows if t.step == "draf_tanggapan"]
    assert notes[0] in titles[1]
    assert notes[1] in titles[2]
    verdicts = [e for e in audit(sessions, number, "aksi_diterima") if e.step == "telaah"]
    assert [(e.round, e.detail.get("catatan")) for e in verdicts] == [
        (1, notes[0]),
        (2, notes[1]),
        (3, None),
    ]
    drafts = [e for e in audit(sessions, number, "aksi_diterima") if e.step == "draf_tanggapan"]
    assert [e.detail["draf"] for e in drafts] == ["Draf 1", "Draf 2", "Draf 3"]


async def test_long_review_continues_as_new_without_losing_actions(
    dev_workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    number = case_number()
    h = await start(
        dev_workers.client, dev_workers.task_queue, laporan(number, max_rounds_per_run=2)
    )
    await drive_to(h, "draf_tanggapan")

    await draft(h, "Draf 1")
    await wait_step(h, "telaah", round=1)
    await review(h, approve=False, notes="Catatan 1")
    await wait_step(h, "draf_tanggapan", round=2)
    # round 2 ends the first run: its verdict and round 3's draft come in one burst, so the
    # draft reaches the first run's inbox and must be carried into the next run
    await draft(h, "Draf 2")
    await review(h, approve=False, notes="Catatan 2")
    await draft(h, "Draf 3")
    status = await wait_step(h, "telaah", round=3)
    assert status.status == "diproses"
    await review(h, approve=False, notes="Catatan 3")
    await wait_step(h, "draf_tanggapan", round=4)
    await draft(h, "Draf 4")
    result = await finish_from(h, "telaah")

    assert result.status == "selesai"
    assert result.rounds == 4
    assert result.tanggapan == "Draf 4"
    first = dev_workers.client.get_workflow_handle(h.id, run_id=h.first_execution_run_id)
    history = await first.fetch_history()
    assert history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    signals = [
        e.workflow_execution_signaled_event_attributes.signal_name
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
    ]
    assert signals[-3:] == ["telaah", "draf_tanggapan", "pengajuan_draf"], "not sent around CAN"
    latest = await dev_workers.client.get_workflow_handle(h.id).describe()
    assert latest.run_id != h.first_execution_run_id
    rows = tasks(sessions, number)
    assert [t.round for t in rows if t.step == "draf_tanggapan"] == [1, 2, 3, 4]
    assert [t.outcome for t in rows if t.step == "telaah"] == ["revisi"] * 3 + ["setuju"]
    assert all(t.status == "done" for t in rows)
    drafts = [e for e in audit(sessions, number, "aksi_diterima") if e.step == "draf_tanggapan"]
    assert [e.detail["draf"] for e in drafts] == ["Draf 1", "Draf 2", "Draf 3", "Draf 4"]
    assert not audit(sessions, number, "aksi_ditolak")
    # one continue-as-new: the first run hands over to the run that finished the case
    handover = history.events[-1].workflow_execution_continued_as_new_event_attributes
    assert handover.new_execution_run_id == latest.run_id
    # the draft task of round 3, opened by the new run, still carries the Kasubag's notes
    assert "Catatan 2" in next(t.title for t in rows if (t.step, t.round) == ("draf_tanggapan", 3))


@pytest.mark.parametrize("step", STEPS)
async def test_overdue_step_escalates_to_superior_and_case_still_completes(
    step: str,
    ts_env: WorkflowEnvironment,
    workers: RunningWorkers,
    sessions: sessionmaker[Session],
    officers: dict[str, str],
) -> None:
    number = case_number()
    h = await start(workers.client, workers.task_queue, laporan(number))
    await drive_to(h, step)

    await ts_env.sleep(timedelta(minutes=16))
    status = await wait_overdue(h)
    assert status.current_step == step
    await wait_audit(sessions, number, "eskalasi")
    result = await finish_from(h, step)

    assert result.status == "selesai"
    assert result.sla_breached is True
    rows = tasks(sessions, number)
    assert [t.step for t in rows if t.overdue] == [step]
    assert all(t.status == "done" for t in rows)
    case = case_row(sessions, number)
    assert (case.status, case.sla_breached) == ("selesai", True)
    breach = audit(sessions, number, "sla_terlampaui")
    assert steps_of(breach, "sla_terlampaui") == [step]
    assert breach[0].detail["mutu_baku"] == "15 menit"
    escalated = audit(sessions, number, "eskalasi")
    assert steps_of(escalated, "eskalasi") == [step]
    assert escalated[0].detail["kepada_peran"] == SUPERIOR[step]
    assert escalated[0].detail["terkirim"] == 1
    done = [e for e in audit(sessions, number, "langkah_selesai") if e.step == step]
    assert done[0].detail["tepat_waktu"] is False
    sent = [n for n in notifications(sessions, number) if n.purpose == "eskalasi"]
    assert [(n.recipient, n.step, n.status) for n in sent] == [
        (officers[SUPERIOR[step]], step, "delivered")
    ]
    assert step in sent[0].body
    assert number in sent[0].body


Send = Callable[[Handle], Awaitable[None]]
REFUSALS: dict[str, tuple[str, Send, str, str]] = {
    "pelaksana_cannot_dispose": (
        "disposisi",
        lambda h: dispose(h, actor=STAF),
        STAF.username,
        "dilakukan oleh peran kabag, bukan pelaksana",
    ),
    "kabag_of_another_agency_cannot_dispose": (
        "disposisi",
        lambda h: dispose(h, actor=KABAG_TRENGGALEK),
        KABAG_TRENGGALEK.username,
        "bukan dari instansi pemilik kasus",
    ),
    "review_while_at_disposisi": (
        "disposisi",
        lambda h: review(h, approve=True),
        KASUBAG.username,
        "sedang di langkah disposisi, bukan telaah",
    ),
    "other_pelaksana_cannot_draft": (
        "draf_tanggapan",
        lambda h: write_draft(h, "Draf orang lain", actor=STAF_LAIN),
        STAF_LAIN.username,
        f"ditujukan kepada {STAF.username}",
    ),
}


@pytest.mark.parametrize("case", REFUSALS.values(), ids=REFUSALS.keys())
async def test_refused_action_is_audited_and_case_stays_at_its_step(
    case: tuple[str, Send, str, str], workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    step, send, actor, reason = case
    number = case_number()
    h = await start(workers.client, workers.task_queue, laporan(number))
    await drive_to(h, step)

    await send(h)
    [refused] = await wait_audit(sessions, number, "aksi_ditolak")

    assert refused.actor == actor
    assert reason in refused.detail["alasan"]
    assert refused.detail["langkah_berjalan"] == step
    status = await wait_step(h, step)
    assert status.task is not None
    assert status.task.step == step
    assert [t.status for t in tasks(sessions, number) if t.step == step] == ["open"]
    result = await finish_from(h, step)
    assert result.status == "selesai"
    assert result.tanggapan == DRAFT
    assert len(audit(sessions, number, "aksi_ditolak")) == 1
    assert {t.step: t.completed_by for t in tasks(sessions, number)} == ACTED_BY


async def test_same_action_id_twice_acts_once(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    number = case_number()
    h = await start(workers.client, workers.task_queue, laporan(number))
    await wait_step(h, "penerimaan")
    action_id = uuid.uuid4().hex

    await forward(h, action_id=action_id)
    await forward(h, action_id=action_id)
    await wait_step(h, "disposisi")
    await forward(h, action_id=action_id)  # a retried request, after the case moved on
    result = await finish_from(h, "disposisi")

    assert result.status == "selesai"
    accepted = audit(sessions, number, "aksi_diterima")
    assert steps_of(accepted, "aksi_diterima").count("penerimaan") == 1
    assert not audit(sessions, number, "aksi_ditolak")
    assert [t.step for t in tasks(sessions, number)].count("penerimaan") == 1


@pytest.mark.parametrize(
    ("keputusan", "extra", "expected"),
    [
        ("duplikat", {"duplikat_dari": "MLG-0042"}, "Duplikat dari MLG-0042"),
        ("spam", {}, "Spam"),
    ],
    ids=["duplikat", "spam"],
)
async def test_duplicate_or_spam_is_closed_and_citizen_told_why(
    keputusan: str,
    extra: dict[str, str],
    expected: str,
    workers: RunningWorkers,
    sessions: sessionmaker[Session],
) -> None:
    number = case_number()
    add_contact(sessions, number, CITIZEN_PHONE)
    h = await start(workers.client, workers.task_queue, laporan(number, ada_kontak=True))
    await wait_step(h, "penerimaan")

    await close_at_intake(h, keputusan, "Isi sama persis", **extra)
    result = await result_of(h)

    assert result.status == "ditutup"
    assert expected in (result.alasan_penutupan or "")
    assert "Isi sama persis" in (result.alasan_penutupan or "")
    assert result.tanggapan is None
    case = case_row(sessions, number)
    assert (case.status, case.closing_reason) == ("ditutup", result.alasan_penutupan)
    assert case.public_response is None
    assert case.current_step is None
    rows = tasks(sessions, number)
    assert [(t.step, t.status, t.outcome) for t in rows] == [("penerimaan", "done", keputusan)]
    [sent] = notifications(sessions, number)
    assert (sent.purpose, sent.recipient, sent.channel) == ("penutupan", CITIZEN_PHONE, "sms")
    assert result.alasan_penutupan in sent.body
    assert audit(sessions, number)[-1].event == "kasus_ditutup"


@pytest.mark.parametrize(("reply_channel", "channel"), [("whatsapp", "whatsapp"), ("sms", "sms")])
async def test_response_is_sent_to_citizen_over_chosen_channel(
    reply_channel: str, channel: str, workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    number = case_number()
    add_contact(sessions, number, CITIZEN_PHONE, reply_channel)
    h = await start(workers.client, workers.task_queue, laporan(number, ada_kontak=True))

    result = await finish_from(h, "penerimaan")

    assert result.status == "selesai"
    [sent] = notifications(sessions, number)
    assert (sent.purpose, sent.channel, sent.recipient) == ("tanggapan", channel, CITIZEN_PHONE)
    assert DRAFT in sent.body
    assert number in sent.body
    assert sent.status == "delivered"
    assert sent.recipient_masked != CITIZEN_PHONE
    told = audit(sessions, number, "notifikasi_warga")
    assert told[0].detail["terkirim"] == 1


class FakeSender:
    """A sender that refuses some numbers for good (as Twilio does an invalid one) and cannot
    reach others for now (as when the provider is down)."""

    name = "fake"

    def __init__(
        self, *, refused: frozenset[str] = frozenset(), down: frozenset[str] = frozenset()
    ) -> None:
        self.refused = refused
        self.down = down
        self.sent: list[tuple[Channel, str]] = []

    def send(self, message: Outgoing) -> SentMessage:
        channel, to = message.channel, message.to
        if to in self.refused:
            raise PermanentSendError("The 'To' number is not a valid phone number.", code=21211)
        if to in self.down:
            raise TemporarySendError("Service unavailable", status=503)
        self.sent.append((channel, to))
        return SentMessage(provider=self.name, provider_id=uuid.uuid4().hex, status="queued")


def fake_workers(
    env: WorkflowEnvironment, sessions: sessionmaker[Session], sender: FakeSender
) -> tuple[str, list[Worker]]:
    """Alur's real workers on a fresh queue, sending through ``sender``."""
    queue = f"test-{uuid.uuid4().hex[:8]}"
    return queue, build_workers(
        env.client, task_queue=queue, session_factory=sessions, sender=sender
    )


async def test_response_to_a_refused_number_is_recorded_and_case_still_completes(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> None:
    number = case_number()
    add_contact(sessions, number, REFUSED_PHONE, "whatsapp")
    sender = FakeSender(refused=frozenset({REFUSED_PHONE}))
    queue, (main, notify) = fake_workers(ts_env, sessions, sender)
    async with main, notify:
        h = await start(ts_env.client, queue, laporan(number, ada_kontak=True))
        result = await finish_from(h, "penerimaan")

    assert result.status == "selesai"
    assert result.tanggapan == DRAFT
    assert case_row(sessions, number).public_response == DRAFT
    assert sender.sent == []
    [failed] = audit(sessions, number, "notifikasi_gagal")
    assert failed.detail["tujuan"] == "tanggapan"
    assert "not a valid phone number" in failed.detail["alasan"]
    [row] = notifications(sessions, number)
    assert (row.purpose, row.status, row.error_code) == ("tanggapan", "failed", 21211)
    assert audit(sessions, number)[-1].event == "kasus_selesai"


async def test_escalation_that_cannot_be_sent_does_not_drop_the_case(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session], officers: dict[str, str]
) -> None:
    number = case_number()
    sender = FakeSender(down=frozenset({officers["kasubag"]}))
    queue, (main, notify) = fake_workers(ts_env, sessions, sender)
    async with main, notify:
        h = await start(ts_env.client, queue, laporan(number))
        await wait_step(h, "penerimaan")
        await ts_env.sleep(timedelta(minutes=16))
        await wait_overdue(h)
        # past the escalation's 10-minute bound on retries while the provider stays down
        await ts_env.sleep(timedelta(minutes=11))
        [escalated] = await wait_audit(sessions, number, "eskalasi")
        result = await finish_from(h, "penerimaan")

    assert (result.status, result.sla_breached) == ("selesai", True)
    assert escalated.detail["kepada_peran"] == "kasubag"
    assert escalated.detail["terkirim"] == 0
    assert "Service unavailable" in escalated.detail["catatan"]
    tries = [n for n in notifications(sessions, number) if n.purpose == "eskalasi"]
    assert len(tries) > 1
    assert {(n.recipient, n.status) for n in tries} == {(officers["kasubag"], "retrying")}


async def test_late_officer_acts_while_escalation_is_still_retrying(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session], officers: dict[str, str]
) -> None:
    number = case_number()
    sender = FakeSender(down=frozenset({officers["kasubag"]}))
    queue, (main, notify) = fake_workers(ts_env, sessions, sender)
    async with main, notify:
        h = await start(ts_env.client, queue, laporan(number))
        await wait_step(h, "penerimaan")
        await ts_env.sleep(timedelta(minutes=16))
        await wait_overdue(h)
        # the provider is down, the escalation keeps retrying, and the intake goes on regardless
        await forward(h)
        moved_on = await wait_step(h, "disposisi")
        assert audit(sessions, number, "eskalasi") == []
        result = await finish_from(h, "disposisi")

    assert moved_on.current_step == "disposisi"
    assert result.status == "selesai"
    [escalated] = audit(sessions, number, "eskalasi")
    assert escalated.detail["terkirim"] == 0
