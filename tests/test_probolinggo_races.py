"""View Probolinggo under parallel requests: what was checked is what the account is made of, the
login lockout holds against parallel guesses, one password step sends one first code."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowUpdateFailedError

from activities.probolinggo import siak as probolinggo_siak
from activities.probolinggo.refs import nik_ref, secret_key
from alur.settings import get_settings
from api.probolinggo import akun as probolinggo_akun
from db.probolinggo.models import ProbolinggoAccount
from tests.conftest import ApiClient, RunningWorkers
from tests.probolinggo_helpers import (
    PASSWORD,
    RESIDENT,
    RESIDENT_2,
    W,
    otp_messages,
    reg_id,
    seed_register,
)
from tests.probolinggo_helpers import start as wf_start
from tests.test_probolinggo_api import identity, login, outbox_code, post, register, start
from workflows.probolinggo.models import Hasil, Isian, Jawaban, StatusWarga

_find = probolinggo_siak.DbPopulationRegister.find


def _slow_register(monkeypatch: pytest.MonkeyPatch) -> None:
    """A SIAK web service that takes a while to answer."""

    def slow(self: Any, nik: str) -> Any:
        time.sleep(1.0)
        return _find(self, nik)

    monkeypatch.setattr(probolinggo_siak.DbPopulationRegister, "find", slow)


async def _to_nik(api: ApiClient) -> str:
    rid = await start(api, RESIDENT)
    r = await post(api, rid, "kata_sandi", {"kata_sandi": PASSWORD})
    assert r.status_code == 200, r.text
    r = await post(api, rid, "otp", {"kode": await outbox_code(api, rid)})
    assert r.status_code == 200, r.text
    return rid


def _account(sessions: sessionmaker[Session]) -> ProbolinggoAccount:
    with sessions() as s:
        return s.scalars(select(ProbolinggoAccount)).one()


async def test_identity_sent_again_during_its_check_is_refused_and_the_account_is_what_was_checked(
    api: ApiClient, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_register(sessions)
    rid = await _to_nik(api)
    r = await post(api, rid, "nik", {"nik": RESIDENT.nik})
    assert r.status_code == 200, r.text
    _slow_register(monkeypatch)
    good = asyncio.create_task(post(api, rid, "identitas", identity(RESIDENT)))
    await asyncio.sleep(0.5)
    bad = await post(api, rid, "identitas", identity(RESIDENT, nama="Penipu", alamat="Jl. Lain 9"))
    assert bad.status_code == 409 and bad.json()["error"]["code"] == "sedang_diproses", bad.text
    g = await good
    assert g.status_code == 200 and g.json()["hasil"] == "diterima", g.text
    account = _account(sessions)
    assert (account.nama, account.alamat) == (RESIDENT.nama, RESIDENT.alamat)


async def test_nik_sent_again_during_its_check_is_refused_and_the_account_has_the_checked_nik(
    api: ApiClient, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_register(sessions)
    rid = await _to_nik(api)
    _slow_register(monkeypatch)
    good = asyncio.create_task(post(api, rid, "nik", {"nik": RESIDENT.nik}))
    await asyncio.sleep(0.5)
    bad = await post(api, rid, "nik", {"nik": RESIDENT_2.nik})
    assert bad.status_code == 409 and bad.json()["error"]["code"] == "sedang_diproses", bad.text
    g = await good
    assert g.status_code == 200 and g.json()["hasil"] == "diterima", g.text
    monkeypatch.setattr(probolinggo_siak.DbPopulationRegister, "find", _find)
    r = await post(api, rid, "identitas", identity(RESIDENT))
    assert r.status_code == 200, r.text
    assert _account(sessions).nik_ref == nik_ref(secret_key(), RESIDENT.nik)


async def test_a_refused_identity_can_be_corrected(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    seed_register(sessions)
    rid = await _to_nik(api)
    assert (await post(api, rid, "nik", {"nik": RESIDENT.nik})).status_code == 200
    r = await post(api, rid, "identitas", identity(RESIDENT, nama="Orang Lain"))
    assert r.status_code == 422, r.text
    r = await post(api, rid, "identitas", identity(RESIDENT))
    assert r.status_code == 200 and r.json()["hasil"] == "diterima", r.text
    assert _account(sessions).nama == RESIDENT.nama


@pytest.mark.parametrize("gap", [0.0, 0.02])
async def test_parallel_wrong_passwords_check_no_more_passwords_than_the_lockout_allows(
    api: ApiClient, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch, gap: float
) -> None:
    seed_register(sessions)
    await register(api, RESIDENT)
    checked: list[str] = []
    verify = probolinggo_akun.verify_password

    def counting(hashed: str | None, password: str) -> bool:
        checked.append(password)
        return verify(hashed, password)

    monkeypatch.setattr(probolinggo_akun, "verify_password", counting)

    async def guess(i: int) -> int:
        await asyncio.sleep(i * gap)
        return int((await login(api, RESIDENT.phone, f"salah-{i}")).status_code)

    codes = await asyncio.gather(*[guess(i) for i in range(40)])
    assert len(checked) <= get_settings().probolinggo.slow_after
    assert set(codes) <= {401, 429} and codes.count(401) < len(checked) + 1
    r = await login(api, RESIDENT.phone)
    assert r.status_code == 429, "the right password waits out the lock too"


async def test_parallel_password_steps_send_one_first_code(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    handle = await wf_start(
        workers.client, workers.task_queue, sessions, StatusWarga.warga_kota, RESIDENT.phone
    )
    answers = await asyncio.gather(
        *[handle.execute_update(W.kata_sandi, Isian()) for _ in range(4)], return_exceptions=True
    )
    sent = [a for a in answers if isinstance(a, Jawaban) and a.hasil == Hasil.terkirim]
    assert len(sent) == 1, answers
    assert all(isinstance(a, Jawaban | WorkflowUpdateFailedError) for a in answers), answers
    assert len(otp_messages(sessions, reg_id(handle))) == 1
    status = await handle.query(W.status)
    assert status.langkah == "otp" and status.sisa_kirim_ulang == 3


async def test_parallel_password_requests_over_http_send_one_sms(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    rid = await start(api, RESIDENT)
    rs = await asyncio.gather(
        *[post(api, rid, "kata_sandi", {"kata_sandi": PASSWORD}) for _ in range(4)]
    )
    assert sorted(r.status_code for r in rs) == [200, 409, 409, 409], [r.text for r in rs]
    assert len(otp_messages(sessions, rid)) == 1


async def test_parallel_registrations_for_one_number_send_no_more_codes_than_the_hourly_cap(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    cap = get_settings().probolinggo.max_otp_per_phone_per_hour
    rids = [await start(api, RESIDENT) for _ in range(cap + 7)]
    rs = await asyncio.gather(
        *[post(api, rid, "kata_sandi", {"kata_sandi": PASSWORD}) for rid in rids]
    )
    codes = [r.status_code for r in rs]
    assert codes.count(200) == cap and codes.count(410) == 7, codes
    refused = [r.json()["error"]["detail"]["alasan"] for r in rs if r.status_code == 410]
    assert set(refused) == {"batas_pengiriman_otp"}
    assert sum(len(otp_messages(sessions, rid)) for rid in rids) == cap
