"""MAGESTY step 2 on the time-skipping server: a code goes out by WhatsApp, the activation update
answers right / wrong / expired / locked at once, a resend respects its cooldown and cap, an invalid
number ends the registration with a clear message, and an account never activated is closed with
its personal data erased."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from activities.senders import (
    Outgoing,
    PermanentSendError,
    SentMessage,
    TemporarySendError,
)
from db.models import AuditEvent, Notification
from tests import magelang_helpers as mg
from tests.conftest import RunningWorkers
from worker import build_workers
from workflows.magelang.akun import MagestyAkunWorkflow as W
from workflows.magelang.models import AktivasiInput, AturanAktivasi, KirimUlangInput


def _type_of(err: WorkflowUpdateFailedError) -> str | None:
    cause = err.cause
    return cause.type if isinstance(cause, ApplicationError) else None


async def test_right_code_activates_the_account_at_once(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    akun_id = mg.add_akun(sessions)
    handle = await mg.start_akun(workers.client, workers.task_queue, akun_id)
    first = await handle.execute_update(W.tunggu_kode)
    assert first.kode == "terkirim"
    [kode] = await mg.wait_codes(sessions, akun_id, 1)

    answer = await handle.execute_update(
        W.aktivasi, AktivasiInput(kode_digest=mg.digest(akun_id, kode))
    )

    assert answer.hasil == "benar"
    assert mg.akun(sessions, akun_id).status == "aktif"  # login works as soon as it answers
    result = await handle.result()
    assert result.status == "aktif"
    assert result.tepat_waktu is True
    row = mg.akun(sessions, akun_id)
    assert row.kode_hash is None and row.activated_at is not None
    with sessions() as s:
        sent = s.scalars(select(Notification).where(Notification.workflow_id == handle.id)).all()
    assert [(n.channel, n.recipient) for n in sent] == [("whatsapp", row.whatsapp)]


async def test_code_is_kept_only_as_its_hmac(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    akun_id = mg.add_akun(sessions)
    handle = await mg.start_akun(workers.client, workers.task_queue, akun_id)
    await handle.execute_update(W.tunggu_kode)
    [kode] = await mg.wait_codes(sessions, akun_id, 1)
    await handle.execute_update(W.aktivasi, AktivasiInput(kode_digest=mg.digest(akun_id, kode)))
    await handle.result()

    row = mg.akun(sessions, akun_id)
    assert row.kode_hash is None  # dropped once used
    history = await handle.fetch_history()
    clear = await mg.decoded_payloads(workers.client, history)
    assert any(mg.digest(akun_id, kode).encode() in p for p in clear)  # the digest is there...
    for payload in clear:  # ...never the code, the number, the name or the email
        for secret in (kode, row.whatsapp or "", "Siti Rahayu", row.email or ""):
            assert secret.encode() not in payload


async def test_histories_replay_deterministically(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    akun_id = mg.add_akun(sessions)
    handle = await mg.start_akun(workers.client, workers.task_queue, akun_id)
    await handle.execute_update(W.tunggu_kode)
    [kode] = await mg.wait_codes(sessions, akun_id, 1)
    await handle.execute_update(W.aktivasi, AktivasiInput(kode_digest=mg.digest(akun_id, "x")))
    await handle.execute_update(W.aktivasi, AktivasiInput(kode_digest=mg.digest(akun_id, kode)))
    await handle.result()

    await mg.replay(await handle.fetch_history())


async def test_wrong_code_answers_attempts_left_then_locks_until_a_new_code(
    workers: RunningWorkers, sessions: sessionmaker[Session], ts_env: WorkflowEnvironment
) -> None:
    akun_id = mg.add_akun(sessions)
    aturan = AturanAktivasi(maks_percobaan=2, jeda_kirim_ulang=timedelta(seconds=30))
    handle = await mg.start_akun(workers.client, workers.task_queue, akun_id, aturan)
    await handle.execute_update(W.tunggu_kode)
    [kode] = await mg.wait_codes(sessions, akun_id, 1)
    wrong = AktivasiInput(
        kode_digest=mg.digest(akun_id, "000000" if kode != "000000" else "111111")
    )

    first = await handle.execute_update(W.aktivasi, wrong)
    second = await handle.execute_update(W.aktivasi, wrong)
    right_but_locked = await handle.execute_update(
        W.aktivasi, AktivasiInput(kode_digest=mg.digest(akun_id, kode))
    )

    assert (first.hasil, first.sisa_percobaan) == ("salah", 1)
    assert (second.hasil, second.sisa_percobaan) == ("terkunci", 0)
    assert right_but_locked.hasil == "terkunci"
    await ts_env.sleep(timedelta(seconds=31))
    resent = await handle.execute_update(W.kirim_ulang, KirimUlangInput(permintaan_id=mg.aid()))
    assert resent.terkirim
    new = await mg.wait_new_code(sessions, akun_id, sends=2)
    ok = await handle.execute_update(W.aktivasi, AktivasiInput(kode_digest=mg.digest(akun_id, new)))
    assert ok.hasil == "benar"
    assert (await handle.result()).status == "aktif"
    wrongs = [e for e in mg.audit(sessions, f"MGS-AKUN-{akun_id}") if e.event == "aktivasi_salah"]
    assert [e.detail["sisa_percobaan"] for e in wrongs] == [1, 0]


async def test_resend_waits_for_its_cooldown_replaces_the_code_and_is_capped(
    workers: RunningWorkers, sessions: sessionmaker[Session], ts_env: WorkflowEnvironment
) -> None:
    akun_id = mg.add_akun(sessions)
    aturan = AturanAktivasi(maks_kirim_ulang=1, jeda_kirim_ulang=timedelta(seconds=60))
    handle = await mg.start_akun(workers.client, workers.task_queue, akun_id, aturan)
    await handle.execute_update(W.tunggu_kode)

    with pytest.raises(WorkflowUpdateFailedError) as too_soon:
        await handle.execute_update(W.kirim_ulang, KirimUlangInput(permintaan_id=mg.aid()))
    assert _type_of(too_soon.value) == "TungguKirimUlang"

    [old] = await mg.wait_codes(sessions, akun_id, 1)  # read while it is valid
    await ts_env.sleep(timedelta(seconds=61))
    resent = await handle.execute_update(W.kirim_ulang, KirimUlangInput(permintaan_id=mg.aid()))
    assert (resent.terkirim, resent.sisa_kirim_ulang) == (True, 0)
    # the replaced code is erased from the log: only the new one can be read there
    new = await mg.wait_new_code(sessions, akun_id, sends=2)

    await ts_env.sleep(timedelta(seconds=61))
    with pytest.raises(WorkflowUpdateFailedError) as capped:
        await handle.execute_update(W.kirim_ulang, KirimUlangInput(permintaan_id=mg.aid()))
    assert _type_of(capped.value) == "BatasKirimUlang"

    if old != new:  # the old code stopped working (six random digits may repeat, rarely)
        stale = await handle.execute_update(
            W.aktivasi, AktivasiInput(kode_digest=mg.digest(akun_id, old))
        )
        assert stale.hasil == "salah"
    ok = await handle.execute_update(W.aktivasi, AktivasiInput(kode_digest=mg.digest(akun_id, new)))
    assert ok.hasil == "benar"
    assert (await handle.result()).status == "aktif"


async def test_expired_code_is_refused_and_a_new_one_works(
    workers: RunningWorkers, sessions: sessionmaker[Session], ts_env: WorkflowEnvironment
) -> None:
    akun_id = mg.add_akun(sessions)
    handle = await mg.start_akun(workers.client, workers.task_queue, akun_id)
    await handle.execute_update(W.tunggu_kode)
    [kode] = await mg.wait_codes(sessions, akun_id, 1)

    await ts_env.sleep(timedelta(minutes=6))
    late = await handle.execute_update(
        W.aktivasi, AktivasiInput(kode_digest=mg.digest(akun_id, kode))
    )

    assert late.hasil == "kedaluwarsa"
    assert mg.akun(sessions, akun_id).status == "menunggu_aktivasi"
    await handle.execute_update(W.kirim_ulang, KirimUlangInput(permintaan_id=mg.aid()))
    new = await mg.wait_new_code(sessions, akun_id, sends=2)
    ok = await handle.execute_update(W.aktivasi, AktivasiInput(kode_digest=mg.digest(akun_id, new)))
    assert ok.hasil == "benar"


async def test_account_never_activated_is_closed_and_its_personal_data_erased(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    akun_id = mg.add_akun(sessions)
    handle = await mg.start_akun(workers.client, workers.task_queue, akun_id)

    result = await handle.result()  # time skips through the 24 hours

    assert result.status == "kedaluwarsa"
    row = mg.akun(sessions, akun_id)
    assert (row.status, row.nama, row.whatsapp, row.email, row.password_hash) == (
        "kedaluwarsa",
        None,
        None,
        None,
        None,
    )
    # The activation message held the number and the code: its log line is erased too.
    sent = mg.messages(sessions, f"MGS-AKUN-{akun_id}")
    assert sent, "the activation code was sent before the account closed"
    assert all((m.recipient, m.body) == ("", "") for m in sent)
    assert all("*" in m.recipient_masked for m in sent)  # what an operator still sees
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):  # the workflow has ended
        await handle.execute_update(W.aktivasi, AktivasiInput(kode_digest="0" * 64))


async def test_activation_before_any_code_is_refused(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> None:
    """With no worker on the notifications queue the code never goes out: the validator refuses."""
    akun_id = mg.add_akun(sessions)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    ws = build_workers(
        ts_env.client, task_queue=queue, session_factory=sessions, sender=_Rejecting()
    )
    async with ws[0]:
        handle = await mg.start_akun(ts_env.client, queue, akun_id)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(W.aktivasi, AktivasiInput(kode_digest="0" * 64))
        assert _type_of(refused.value) == "KodeBelumTerkirim"
        await handle.terminate()


class _Rejecting:
    """A sender whose every number is invalid (Twilio's 21211)."""

    name = "rejecting"

    def send(self, message: Outgoing) -> SentMessage:
        raise PermanentSendError("The 'To' number is not a valid phone number.", code=21211)


@pytest.fixture
async def rejecting_workers(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> AsyncIterator[RunningWorkers]:
    queue = f"test-{uuid.uuid4().hex[:8]}"
    ws = build_workers(
        ts_env.client, task_queue=queue, session_factory=sessions, sender=_Rejecting()
    )
    async with ws[0], ws[1]:
        yield RunningWorkers(ts_env.client, queue, _Rejecting())  # type: ignore[arg-type]


async def test_invalid_number_ends_registration_with_a_clear_message(
    rejecting_workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    akun_id = mg.add_akun(sessions)
    handle = await mg.start_akun(rejecting_workers.client, rejecting_workers.task_queue, akun_id)

    first = await handle.execute_update(W.tunggu_kode)

    assert first.kode == "gagal_permanen"
    assert "tidak dapat menerima" in first.pesan
    result = await handle.result()
    assert result.status == "gagal_kirim"
    assert mg.akun(sessions, akun_id).whatsapp is None
    with sessions() as s:
        tries = s.scalars(select(Notification).where(Notification.workflow_id == handle.id)).all()
        events = s.scalars(
            select(AuditEvent.event)
            .where(AuditEvent.workflow_id == handle.id)
            .order_by(AuditEvent.id)
        ).all()
    assert [(n.status, n.error_code) for n in tries] == [("failed", 21211)]  # not retried
    assert events == ["pendaftaran_dimulai", "kode_gagal", "akun_gagal_kirim"]


class _Down:
    """A sender whose provider answers 503 to every attempt (Twilio's 5xx: worth retrying)."""

    name = "down"

    def send(self, message: Outgoing) -> SentMessage:
        raise TemporarySendError("Service Unavailable", status=503)


async def test_provider_down_is_retried_for_the_steps_30_seconds_and_the_number_is_kept(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> None:
    akun_id = mg.add_akun(sessions)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    ws = build_workers(ts_env.client, task_queue=queue, session_factory=sessions, sender=_Down())
    async with ws[0], ws[1]:
        handle = await mg.start_akun(
            ts_env.client, queue, akun_id, AturanAktivasi(akun_kedaluwarsa=timedelta(hours=1))
        )
        result = await handle.result()  # time skips through the retries and the hour

    assert result.status == "kedaluwarsa"  # not "gagal_kirim": the number was not refused
    with sessions() as s:
        tries = s.scalars(select(Notification).where(Notification.workflow_id == handle.id)).all()
        trail = {
            e.event: e
            for e in s.scalars(select(AuditEvent).where(AuditEvent.workflow_id == handle.id))
        }
    assert len(tries) > 1 and {t.status for t in tries} == {"retrying"}
    gave_up_after = trail["kode_gagal"].at - trail["pendaftaran_dimulai"].at
    assert timedelta(seconds=20) <= gave_up_after <= timedelta(seconds=31)
    assert trail["kode_gagal"].detail["permanen"] is False


def _logged_bodies(sessions: sessionmaker[Session], akun_id: int) -> list[str]:
    with sessions() as s:
        return list(
            s.scalars(
                select(Notification.body).where(
                    Notification.workflow_id == mg.akun_wf(akun_id),
                    Notification.purpose == "kode_aktivasi",
                )
            )
        )


async def test_a_used_activation_code_is_erased_from_the_log(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    akun_id = mg.add_akun(sessions)
    handle = await mg.start_akun(workers.client, workers.task_queue, akun_id)
    await handle.execute_update(W.tunggu_kode)
    [kode] = await mg.wait_codes(sessions, akun_id, 1)  # the dev outbox shows it while valid
    answer = await handle.execute_update(
        W.aktivasi, AktivasiInput(kode_digest=mg.digest(akun_id, kode))
    )
    assert answer.hasil == "benar"
    bodies = _logged_bodies(sessions, akun_id)
    assert bodies and all(kode not in b and "******" in b for b in bodies)


class _Delivering:
    """A provider that delivers (as Twilio would), keeping what it was asked to send."""

    name = "twilio"

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def send(self, message: Outgoing) -> SentMessage:
        body = message.body
        self.bodies.append(body)
        return SentMessage(provider="twilio", provider_id=f"SM{uuid.uuid4().hex}", status="queued")


async def test_outside_development_the_log_never_holds_an_activation_code(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> None:
    akun_id = mg.add_akun(sessions)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    sender = _Delivering()
    ws = build_workers(ts_env.client, task_queue=queue, session_factory=sessions, sender=sender)
    async with ws[0], ws[1]:
        handle = await mg.start_akun(ts_env.client, queue, akun_id)
        first = await handle.execute_update(W.tunggu_kode)
        assert first.kode == "terkirim"
        [sent] = sender.bodies
        found = re.search(r"\b(\d{6})\b", sent)
        assert found is not None
        kode = found.group(1)
        [logged] = _logged_bodies(sessions, akun_id)
        assert kode not in logged and "******" in logged
        await handle.terminate()
