"""View Probolinggo registration on the time-skipping server, with Alur's real workers: every path
a citizen can take, checked by what the citizen is answered and what is left in the database."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

from activities.probolinggo.refs import client_ref, nik_ref, phone_ref, secret_key
from activities.senders import Outgoing, PermanentSendError, SentMessage, TemporarySendError
from alur.masking import mask_nik
from alur.settings import get_settings
from alur.temporal import data_converter
from db.models import Notification
from db.probolinggo.models import ProbolinggoOtpSend
from db.session import transaction
from tests.conftest import TEST_PAYLOAD_KEY, RunningWorkers
from tests.probolinggo_helpers import (
    CLIENT,
    NON_RESIDENT,
    RESIDENT,
    RESIDENT_2,
    Handle,
    W,
    accounts,
    assert_erased,
    audit,
    case_row,
    draft_row,
    enter_identity,
    enter_nik,
    enter_otp,
    latest_code,
    otp_messages,
    reg_id,
    register,
    seed_register,
    set_password,
    start,
    write_nik,
    wrong_code,
)
from worker import build_workers
from workflows.probolinggo.models import AturanRegistrasi, Isian, StatusWarga
from workflows.runner import WORKFLOW_RUNNER

KOTA = StatusWarga.warga_kota
LUAR = StatusWarga.warga_luar_kota


async def test_resident_registers_and_gets_an_account_checked_against_siak(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    seed_register(sessions)
    handle = await start(workers.client, workers.task_queue, sessions, KOTA, RESIDENT.phone)
    answer, result = await register(handle, sessions, RESIDENT)
    assert answer.hasil == "diterima" and answer.langkah is None
    assert result.status == "selesai" and not result.sla_terlampaui
    [account] = accounts(sessions)
    assert (account.phone, account.nik_ref, account.nik_tersamar, account.nama) == (
        RESIDENT.phone,
        nik_ref(secret_key(), RESIDENT.nik),
        mask_nik(RESIDENT.nik),
        RESIDENT.nama,
    )
    # the NIK is kept as its keyed hash and its masked form only: in no column in clear
    assert not [c for c, v in vars(account).items() if RESIDENT.nik in str(v)]
    assert account.siak_terverifikasi and account.status_warga == "warga_kota"
    rid = reg_id(handle)
    assert_erased(draft_row(sessions, rid))
    assert case_row(sessions, rid).status == "selesai"


async def test_non_resident_registers_with_a_nik_of_another_city(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    handle = await start(workers.client, workers.task_queue, sessions, LUAR, NON_RESIDENT.phone)
    answer, result = await register(handle, sessions, NON_RESIDENT)
    assert answer.hasil == "diterima"
    assert result.status == "selesai"
    [account] = accounts(sessions)
    assert account.status_warga == "warga_luar_kota" and not account.siak_terverifikasi
    sms = [n.body for n in _all_sms(sessions, reg_id(handle))]
    assert any("Registrasi berhasil" in body for body in sms)


def _all_sms(sessions: sessionmaker[Session], rid: str) -> list[Notification]:
    with sessions() as s:
        return list(s.scalars(select(Notification).where(Notification.case_number == rid)))


async def test_wrong_otp_says_attempts_left_then_the_right_one_passes(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    handle = await start(workers.client, workers.task_queue, sessions, LUAR, NON_RESIDENT.phone)
    await set_password(handle)
    code = latest_code(sessions, reg_id(handle))
    wrong = await enter_otp(handle, sessions, wrong_code(code))
    assert (wrong.hasil, wrong.sisa_percobaan, wrong.langkah) == ("salah", 4, "otp")
    right = await enter_otp(handle, sessions, code)
    assert (right.hasil, right.langkah) == ("diterima", "nik")


async def test_five_wrong_otps_stop_the_registration_and_erase_its_data(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    handle = await start(workers.client, workers.task_queue, sessions, LUAR, NON_RESIDENT.phone)
    await set_password(handle)
    rid = reg_id(handle)
    code = latest_code(sessions, rid)
    answers = [await enter_otp(handle, sessions, wrong_code(code)) for _ in range(5)]
    assert [a.sisa_percobaan for a in answers[:4]] == [4, 3, 2, 1]
    assert answers[4].hasil == "gagal" and answers[4].alasan == "otp_salah_berulang"
    assert "dihapus" in answers[4].pesan
    result = await handle.result()
    assert (result.status, result.alasan) == ("gagal", "otp_salah_berulang")
    assert_erased(draft_row(sessions, rid))
    assert accounts(sessions) == []
    assert all(code not in n.body for n in otp_messages(sessions, rid))


async def test_expired_otp_is_refused_and_a_resent_code_works(
    workers: RunningWorkers, sessions: sessionmaker[Session], ts_env: WorkflowEnvironment
) -> None:
    handle = await start(workers.client, workers.task_queue, sessions, LUAR, NON_RESIDENT.phone)
    await set_password(handle)
    rid = reg_id(handle)
    old = latest_code(sessions, rid)
    await ts_env.sleep(timedelta(minutes=5, seconds=5))
    expired = await enter_otp(handle, sessions, old)
    assert (expired.hasil, expired.langkah) == ("kedaluwarsa", "otp")
    resent = await handle.execute_update(W.kirim_ulang_otp, Isian())
    assert resent.hasil == "terkirim"
    assert len(otp_messages(sessions, rid)) == 2
    new = latest_code(sessions, rid)
    if new != old:  # one chance in a million that the new code is the old one
        assert (await enter_otp(handle, sessions, old)).hasil == "salah"
    assert (await enter_otp(handle, sessions, new)).hasil == "diterima"
    # the otp step took over 5 minutes against its 1-minute standard: recorded, not fatal
    assert [e.step for e in audit(sessions, rid, "sla_terlampaui")] == ["otp"]


async def test_resend_waits_for_the_cooldown_and_stops_at_the_cap(
    workers: RunningWorkers, sessions: sessionmaker[Session], ts_env: WorkflowEnvironment
) -> None:
    handle = await start(workers.client, workers.task_queue, sessions, LUAR, NON_RESIDENT.phone)
    await set_password(handle)
    too_soon = await handle.execute_update(W.kirim_ulang_otp, Isian())
    assert too_soon.hasil == "tunggu" and 0 < (too_soon.tunggu_detik or 0) <= 30
    for _ in range(3):
        await ts_env.sleep(timedelta(seconds=31))
        assert (await handle.execute_update(W.kirim_ulang_otp, Isian())).hasil == "terkirim"
    await ts_env.sleep(timedelta(seconds=31))
    capped = await handle.execute_update(W.kirim_ulang_otp, Isian())
    assert capped.hasil == "batas"
    rid = reg_id(handle)
    assert len(otp_messages(sessions, rid)) == 4
    status = await handle.query(W.status)
    assert status.sisa_kirim_ulang == 0 and status.langkah == "otp"
    # the last code still works
    assert (await enter_otp(handle, sessions)).hasil == "diterima"


async def test_a_registration_started_with_other_limits_follows_them(
    workers: RunningWorkers, sessions: sessionmaker[Session], ts_env: WorkflowEnvironment
) -> None:
    aturan = AturanRegistrasi(
        otp_berlaku=timedelta(minutes=2),
        otp_jeda_kirim_ulang=timedelta(seconds=10),
        max_kirim_ulang=1,
        max_otp_salah=2,
    )
    handle = await start(
        workers.client, workers.task_queue, sessions, LUAR, NON_RESIDENT.phone, aturan
    )
    sent = await set_password(handle)
    rid = reg_id(handle)
    assert "Berlaku 2 menit" in otp_messages(sessions, rid)[-1].body
    status = await handle.query(W.status)
    assert (status.sisa_percobaan_otp, status.sisa_kirim_ulang) == (2, 1)
    assert status.otp_berlaku_sampai == sent.otp_berlaku_sampai
    assert status.otp_berlaku_sampai and status.otp_kirim_ulang_pada
    assert status.otp_berlaku_sampai - status.otp_kirim_ulang_pada == timedelta(seconds=110)
    too_soon = await handle.execute_update(W.kirim_ulang_otp, Isian())
    assert too_soon.hasil == "tunggu" and 0 < (too_soon.tunggu_detik or 0) <= 10
    await ts_env.sleep(timedelta(seconds=11))
    assert (await handle.execute_update(W.kirim_ulang_otp, Isian())).hasil == "terkirim"
    await ts_env.sleep(timedelta(seconds=11))
    capped = await handle.execute_update(W.kirim_ulang_otp, Isian())
    assert capped.hasil == "batas" and "1 kali" in capped.pesan
    code = latest_code(sessions, rid)
    first = await enter_otp(handle, sessions, wrong_code(code))
    assert (first.hasil, first.sisa_percobaan) == ("salah", 1)
    second = await enter_otp(handle, sessions, wrong_code(code))
    assert (second.hasil, second.alasan) == ("gagal", "otp_salah_berulang")
    assert (await handle.result()).alasan == "otp_salah_berulang"
    assert_erased(draft_row(sessions, rid))


async def test_hourly_cap_per_number_refuses_the_first_code_and_ends_registration(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    phone = "+6281399990001"
    ref = phone_ref(secret_key(), phone)
    with transaction(sessions) as s:
        for i in range(get_settings().probolinggo.max_otp_per_phone_per_hour):
            s.add(
                ProbolinggoOtpSend(
                    send_key=f"earlier-{i}",
                    registration_id=f"PRB-OLD{i}",
                    phone_ref=ref,
                    client_ref=None,
                    sent_at=datetime.now(UTC) - timedelta(minutes=10),
                )
            )
    handle = await start(workers.client, workers.task_queue, sessions, LUAR, phone)
    answer = await set_password(handle)
    assert (answer.hasil, answer.alasan) == ("gagal", "batas_pengiriman_otp")
    assert (await handle.result()).status == "gagal"
    assert otp_messages(sessions, reg_id(handle)) == []


async def test_hourly_cap_per_client_address_refuses_a_resend(
    workers: RunningWorkers, sessions: sessionmaker[Session], ts_env: WorkflowEnvironment
) -> None:
    handle = await start(workers.client, workers.task_queue, sessions, LUAR, NON_RESIDENT.phone)
    await set_password(handle)
    ref = client_ref(secret_key(), CLIENT)
    with transaction(sessions) as s:
        for i in range(get_settings().probolinggo.max_otp_per_client_per_hour):
            s.add(
                ProbolinggoOtpSend(
                    send_key=f"bot-{i}",
                    registration_id=f"PRB-BOT{i}",
                    phone_ref=f"other-{i}",
                    client_ref=ref,
                    sent_at=datetime.now(UTC) - timedelta(minutes=5),
                )
            )
    await ts_env.sleep(timedelta(seconds=31))
    answer = await handle.execute_update(W.kirim_ulang_otp, Isian())
    assert (answer.hasil, answer.alasan) == ("batas", "batas_per_jam")
    assert (await enter_otp(handle, sessions)).hasil == "diterima"


async def test_number_that_cannot_receive_sms_ends_registration_without_retry(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> None:
    sender = RefusingSender()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    ws = build_workers(ts_env.client, task_queue=queue, session_factory=sessions, sender=sender)
    async with ws[0], ws[1]:
        handle = await start(ts_env.client, queue, sessions, LUAR, NON_RESIDENT.phone)
        answer = await set_password(handle)
        assert (answer.hasil, answer.alasan) == ("gagal", "nomor_tidak_dapat_menerima_sms")
        assert "tidak dapat menerima SMS" in answer.pesan
        result = await handle.result()
    assert result.status == "gagal"
    assert sender.calls == 1
    assert_erased(draft_row(sessions, reg_id(handle)))


class RefusingSender:
    """Twilio answering 21614: this number cannot receive SMS."""

    name = "fake"

    def __init__(self) -> None:
        self.calls = 0

    def send(self, message: Outgoing) -> SentMessage:
        self.calls += 1
        raise PermanentSendError("Nomor tujuan tidak dapat menerima SMS", code=21614)


async def _at_nik(
    workers: RunningWorkers, sessions: sessionmaker[Session], status: StatusWarga, phone: str
) -> Handle:
    handle = await start(workers.client, workers.task_queue, sessions, status, phone)
    await set_password(handle)
    assert (await enter_otp(handle, sessions)).hasil == "diterima"
    return handle


@pytest.mark.parametrize(
    ("status", "nik", "alasan"),
    [
        (LUAR, "35730544089200", "struktur"),
        (LUAR, "3573053208920007", "tanggal_lahir"),  # 32 August
        (LUAR, "3573057102920007", "tanggal_lahir"),  # a woman born on 31 February
        (LUAR, "3573054408920000", "nomor_urut"),
        (LUAR, "3599014408920007", "wilayah"),  # no regency 35.99
        (KOTA, "3573054408920007", "bukan_kota_probolinggo"),
        (KOTA, "3574011203850099", "tidak_ada_di_siak"),
    ],
)
async def test_nik_refused_for_structure_region_or_register(
    workers: RunningWorkers,
    sessions: sessionmaker[Session],
    status: StatusWarga,
    nik: str,
    alasan: str,
) -> None:
    seed_register(sessions)
    handle = await _at_nik(workers, sessions, status, NON_RESIDENT.phone)
    answer = await enter_nik(handle, sessions, nik)
    assert (answer.hasil, answer.alasan, answer.langkah) == ("ditolak", alasan, "nik")
    assert answer.sisa_percobaan == 4
    assert nik not in answer.pesan


async def test_nik_that_already_has_an_account_is_refused(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    seed_register(sessions)
    first = await start(workers.client, workers.task_queue, sessions, KOTA, RESIDENT.phone)
    await register(first, sessions, RESIDENT)
    second = await _at_nik(workers, sessions, KOTA, "+6281234500099")
    answer = await enter_nik(second, sessions, RESIDENT.nik)
    assert (answer.hasil, answer.alasan) == ("ditolak", "nik_terdaftar")


async def test_five_refused_niks_stop_the_registration(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    handle = await _at_nik(workers, sessions, LUAR, NON_RESIDENT.phone)
    answers = [await enter_nik(handle, sessions, "3573050000000000") for _ in range(5)]
    assert answers[-1].hasil == "gagal" and answers[-1].alasan == "nik_ditolak_berulang"
    assert (await handle.result()).status == "gagal"
    assert_erased(draft_row(sessions, reg_id(handle)))


async def test_identity_must_agree_with_the_register_for_a_resident(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    seed_register(sessions)
    handle = await _at_nik(workers, sessions, KOTA, RESIDENT_2.phone)
    assert (await enter_nik(handle, sessions, RESIDENT_2.nik)).hasil == "diterima"
    wrong = await enter_identity(
        handle, sessions, **RESIDENT_2.identity(nama="Siti Aminah Putri", alamat="Jl. Lain 1")
    )
    assert (wrong.hasil, wrong.alasan) == ("ditolak", "identitas_tidak_sesuai")
    assert wrong.detail == ["nama", "alamat"]
    assert "Siti" not in wrong.pesan
    # case, spacing and punctuation do not count as differences
    right = await enter_identity(
        handle, sessions, **RESIDENT_2.identity(nama="SITI  AMINAH", alamat="jalan anggrek no 5")
    )
    assert right.hasil == "diterima"
    assert (await handle.result()).status == "selesai"


async def test_identity_must_agree_with_what_the_nik_encodes(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    handle = await _at_nik(workers, sessions, LUAR, NON_RESIDENT.phone)
    assert (await enter_nik(handle, sessions, NON_RESIDENT.nik)).hasil == "diterima"
    wrong = await enter_identity(
        handle,
        sessions,
        **NON_RESIDENT.identity(tanggal_lahir=date(1992, 8, 5), jenis_kelamin="L"),
    )
    assert wrong.detail == ["tanggal_lahir", "jenis_kelamin"]
    assert (await enter_identity(handle, sessions, **NON_RESIDENT.identity())).hasil == "diterima"


async def test_registration_expires_at_15_minutes_and_its_data_is_deleted(
    workers: RunningWorkers, sessions: sessionmaker[Session], ts_env: WorkflowEnvironment
) -> None:
    handle = await _at_nik(workers, sessions, LUAR, NON_RESIDENT.phone)
    rid = reg_id(handle)
    write_nik(sessions, rid, NON_RESIDENT.nik)  # typed but never submitted
    result = await handle.result()  # time skips to the deadline
    assert (result.status, result.alasan) == ("kedaluwarsa", "kedaluwarsa")
    assert result.langkah_terlampaui == ["nik"]
    draft = draft_row(sessions, rid)
    assert draft.status == "kedaluwarsa"
    assert_erased(draft)
    [sms] = otp_messages(sessions, rid)
    assert sms.recipient == sms.recipient_masked and "dihapus" in sms.body
    assert case_row(sessions, rid).status == "kedaluwarsa"
    assert accounts(sessions) == []


async def test_every_late_step_is_recorded_and_the_registration_still_succeeds(
    workers: RunningWorkers, sessions: sessionmaker[Session], ts_env: WorkflowEnvironment
) -> None:
    handle = await start(workers.client, workers.task_queue, sessions, LUAR, NON_RESIDENT.phone)
    await ts_env.sleep(timedelta(seconds=61))
    await set_password(handle)
    await ts_env.sleep(timedelta(seconds=61))
    await enter_otp(handle, sessions)
    await ts_env.sleep(timedelta(seconds=121))
    await enter_nik(handle, sessions, NON_RESIDENT.nik)
    await ts_env.sleep(timedelta(seconds=121))
    await enter_identity(handle, sessions, **NON_RESIDENT.identity())
    result = await handle.result()
    assert result.status == "selesai"
    assert result.langkah_terlampaui == ["kata_sandi", "otp", "nik", "identitas"]
    rid = reg_id(handle)
    assert [e.step for e in audit(sessions, rid, "sla_terlampaui")] == list(
        result.langkah_terlampaui
    )
    assert case_row(sessions, rid).sla_breached
    # the whole history, breaches and updates included, replays on the current code
    replayer = Replayer(
        workflow_runner=WORKFLOW_RUNNER,
        workflows=[W],
        data_converter=data_converter(TEST_PAYLOAD_KEY),
    )
    replay = await replayer.replay_workflow(
        await handle.fetch_history(), raise_on_replay_failure=False
    )
    assert replay.replay_failure is None, replay.replay_failure


async def test_an_update_for_another_step_is_rejected_before_history(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    handle = await start(workers.client, workers.task_queue, sessions, LUAR, NON_RESIDENT.phone)
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(W.nik, Isian())
    assert "kata_sandi" in str(err.value.cause)
    await set_password(handle)
    assert (await handle.query(W.status)).langkah == "otp"


class FlakySender:
    """Twilio answering 503 to every attempt (worth retrying) until ``recover()``, then the dev
    outbox's behaviour: the message is accepted."""

    name = "fake"

    def __init__(self) -> None:
        self.down = True
        self.calls = 0

    def recover(self) -> None:
        self.down = False

    def send(self, message: Outgoing) -> SentMessage:
        self.calls += 1
        if self.down:
            raise TemporarySendError("Service Unavailable", status=503)
        self.last_body = message.body
        return SentMessage(provider="fake", provider_id=f"SM{self.calls:032d}", status="queued")


async def test_provider_down_is_retried_within_the_minute_then_the_citizen_may_ask_again(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> None:
    sender = FlakySender()
    queue = f"test-{uuid.uuid4().hex[:8]}"
    ws = build_workers(ts_env.client, task_queue=queue, session_factory=sessions, sender=sender)
    async with ws[0], ws[1]:
        handle = await start(ts_env.client, queue, sessions, LUAR, NON_RESIDENT.phone)
        rid = reg_id(handle)
        pending = asyncio.create_task(set_password(handle))
        await ts_env.sleep(timedelta(seconds=61))  # past the send's 45 s bound
        answer = await pending
        assert answer.hasil == "tunggu" and answer.tunggu_detik == 0
        assert "silakan minta kirim ulang" in answer.pesan
        tries = otp_messages(sessions, rid)
        assert len(tries) > 1 and {t.status for t in tries} == {"retrying"}  # retried, not sent
        # the trail says why: the provider's last answer, a temporary error
        assert [e.detail["jenis"] for e in audit(sessions, rid, "otp_gagal_dikirim")] == [
            "TemporarySendError"
        ]

        sender.recover()
        again = await handle.execute_update(W.kirim_ulang_otp, Isian())
        assert again.hasil == "terkirim"
        code = re.search(r"\b(\d{6})\b", sender.last_body)
        assert code is not None  # the SMS the citizen got holds the code; the log masks it
        assert (await enter_otp(handle, sessions, code.group(1))).hasil == "diterima"
        await handle.terminate()
