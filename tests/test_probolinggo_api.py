"""View Probolinggo registration and login over HTTP, against a real worker on the time-skipping
server: the straight paths, every refusal with its clear 4xx, expiry with the data gone, the
login lockout, and the registration's whole history read back without any personal data in it."""

from __future__ import annotations

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from activities.probolinggo.refs import (
    client_ref,
    nik_ref,
    otp_hash,
    otp_proof,
    phone_ref,
    secret_key,
)
from alur.codec import EncryptionCodec
from alur.masking import mask_nik
from alur.nik import make_nik
from alur.security import hash_password
from alur.settings import Settings, get_settings
from api.main import create_app
from db.login_throttle import LoginThrottle
from db.probolinggo.models import ProbolinggoAccount, ProbolinggoOtpSend
from db.session import transaction
from tests.conftest import TEST_PAYLOAD_KEY, ApiClient, RunningWorkers
from tests.probolinggo_helpers import (
    NON_RESIDENT,
    PASSWORD,
    RESIDENT,
    RESIDENT_2,
    Person,
    accounts,
    add_unverified_account,
    audit,
    draft_row,
    payloads,
    sample_residents,
    seed_register,
)
from workflows.probolinggo.workflow import ProbolinggoRegistrasiWorkflow as W
from workflows.probolinggo.workflow import workflow_id_for


def _national(phone: str) -> str:
    """``+6281234500001`` → ``081234500001`` (how a citizen types it)."""
    return "0" + phone.removeprefix("+62")


async def start(api: ApiClient, person: Person, status_warga: str = "warga_kota") -> str:
    r = await api.http.post(
        "/probolinggo/registrasi",
        json={"status_warga": status_warga, "telepon": _national(person.phone)},
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["telepon"] == person.phone and body["langkah"] == "kata_sandi"
    return str(body["id_registrasi"])


async def post(api: ApiClient, rid: str, step: str, body: dict[str, Any] | None = None) -> Any:
    return await api.http.post(f"/probolinggo/registrasi/{rid}/{step}", json=body or {})


async def outbox_code(api: ApiClient, rid: str) -> str:
    r = await api.http.get("/dev/outbox", params={"case_number": rid})
    assert r.status_code == 200
    otps = [m for m in r.json() if m["purpose"] == "otp"]
    found = re.search(r"\b(\d{6})\b", otps[0]["body"])
    assert found is not None
    return found.group(1)


def identity(person: Person, **changes: Any) -> dict[str, Any]:
    data = person.identity(**changes)
    data["tanggal_lahir"] = data["tanggal_lahir"].isoformat()
    return data


async def register(api: ApiClient, person: Person, status_warga: str = "warga_kota") -> str:
    rid = await start(api, person, status_warga)
    r = await post(api, rid, "kata_sandi", {"kata_sandi": PASSWORD})
    assert r.status_code == 200 and r.json()["hasil"] == "terkirim", r.text
    r = await post(api, rid, "otp", {"kode": await outbox_code(api, rid)})
    assert r.status_code == 200 and r.json()["langkah"] == "nik", r.text
    r = await post(api, rid, "nik", {"nik": person.nik})
    assert r.status_code == 200 and r.json()["langkah"] == "identitas", r.text
    r = await post(api, rid, "identitas", identity(person))
    assert r.status_code == 200, r.text
    assert r.json()["hasil"] == "diterima" and r.json()["langkah"] is None
    return rid


async def login(api: ApiClient, phone: str, password: str = PASSWORD) -> Any:
    return await api.http.post(
        "/probolinggo/login", json={"telepon": phone, "kata_sandi": password}
    )


async def test_resident_registers_logs_in_and_reads_own_account(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    seed_register(sessions)
    rid = await register(api, RESIDENT)
    r = await api.http.get(f"/probolinggo/registrasi/{rid}")
    assert r.status_code == 200 and r.json()["status"] == "selesai"
    r = await login(api, f"+62 {RESIDENT.phone[3:6]} {RESIDENT.phone[6:]}")
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    r = await api.http.get("/probolinggo/akun", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["nama"] == RESIDENT.nama and me["siak_terverifikasi"] is True
    assert me["nik"] == "3574********0001" and RESIDENT.phone not in me["telepon"]
    # the citizen's token opens no officer route, an officer's token not the citizen's account
    assert (
        await api.http.get("/tasks", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 401
    officer = await api.as_officer("probolinggo.admin")
    assert (await api.http.get("/probolinggo/akun", headers=officer)).status_code == 401


async def test_non_resident_registers_through_the_api(api: ApiClient) -> None:
    rid = await register(api, NON_RESIDENT, "warga_luar_kota")
    assert (await login(api, NON_RESIDENT.phone)).status_code == 200
    r = await api.http.get("/dev/outbox", params={"case_number": rid})
    assert any("Registrasi berhasil" in m["body"] for m in r.json())


async def test_bad_requests_get_clear_4xx(api: ApiClient, sessions: sessionmaker[Session]) -> None:
    r = await api.http.post(
        "/probolinggo/registrasi", json={"status_warga": "warga_kota", "telepon": "0335-421234"}
    )
    assert r.status_code == 422 and "seluler" in r.json()["error"]["message"]
    r = await api.http.post(
        "/probolinggo/registrasi", json={"status_warga": "turis", "telepon": "081234500001"}
    )
    assert r.status_code == 422
    assert (await api.http.get("/probolinggo/registrasi/PRB-NOPE")).status_code == 404
    rid = await start(api, RESIDENT_2)
    r = await post(api, rid, "nik", {"nik": RESIDENT_2.nik})
    assert r.status_code == 409 and r.json()["error"]["code"] == "langkah_lain"
    assert draft_row(sessions, rid).nik is None  # nothing stored out of order
    r = await post(api, rid, "kata_sandi", {"kata_sandi": "pendek"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "kata_sandi_lemah"
    r = await post(api, rid, "kata_sandi", {"kata_sandi": "sandi" + RESIDENT_2.phone[-10:]})
    assert r.status_code == 422
    assert r.json()["error"]["detail"]["aturan_dilanggar"] == ["Tidak memuat nomor HP Anda"]
    assert (await post(api, rid, "kata_sandi", {"kata_sandi": PASSWORD})).status_code == 200
    r = await post(api, rid, "otp", {"kode": "12345"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    code = await outbox_code(api, rid)
    r = await post(api, rid, "otp", {"kode": f"{(int(code) + 1) % 1_000_000:06d}"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "otp_salah"
    assert r.json()["error"]["detail"]["sisa_percobaan"] == 4
    r = await post(api, rid, "otp/kirim-ulang")
    assert r.status_code == 429 and int(r.headers["Retry-After"]) <= 30
    assert (await post(api, rid, "otp", {"kode": code})).status_code == 200
    r = await post(api, rid, "nik", {"nik": "35740112038500"})
    assert r.status_code == 422
    r = await post(api, rid, "nik", {"nik": "3574011203850099"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "tidak_ada_di_siak"


async def test_taken_number_and_taken_nik_are_refused(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    seed_register(sessions)
    await register(api, RESIDENT)
    r = await api.http.post(
        "/probolinggo/registrasi",
        json={"status_warga": "warga_kota", "telepon": RESIDENT.phone},
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "nomor_terdaftar"
    other = Person(**{**RESIDENT.__dict__, "phone": "+6281234500077"})
    rid = await start(api, other)
    await post(api, rid, "kata_sandi", {"kata_sandi": PASSWORD})
    await post(api, rid, "otp", {"kode": await outbox_code(api, rid)})
    r = await post(api, rid, "nik", {"nik": RESIDENT.nik})
    assert r.status_code == 409 and r.json()["error"]["code"] == "nik_terdaftar"


async def test_identity_mismatch_names_the_fields(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    seed_register(sessions)
    rid = await start(api, RESIDENT_2)
    await post(api, rid, "kata_sandi", {"kata_sandi": PASSWORD})
    await post(api, rid, "otp", {"kode": await outbox_code(api, rid)})
    await post(api, rid, "nik", {"nik": RESIDENT_2.nik})
    r = await post(api, rid, "identitas", identity(RESIDENT_2, tempat_lahir="Surabaya"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "identitas_tidak_sesuai"
    assert r.json()["error"]["detail"]["detail"] == ["tempat_lahir"]
    assert (await post(api, rid, "identitas", identity(RESIDENT_2))).status_code == 200


async def test_expired_registration_answers_410_and_its_data_is_gone(
    api: ApiClient, sessions: sessionmaker[Session], ts_env: WorkflowEnvironment
) -> None:
    rid = await start(api, NON_RESIDENT, "warga_luar_kota")
    await post(api, rid, "kata_sandi", {"kata_sandi": PASSWORD})
    await ts_env.sleep(timedelta(minutes=16))
    handle = api.workers.client.get_workflow_handle(workflow_id_for(rid))
    await handle.result()
    r = await api.http.get(f"/probolinggo/registrasi/{rid}")
    assert r.status_code == 410
    error = r.json()["error"]
    assert "15 menit" in error["message"] and "telah dihapus" in error["message"]
    assert error["detail"]["data_pribadi_dihapus"] is True
    r = await post(api, rid, "otp", {"kode": "123456"})
    assert r.status_code == 410
    draft = draft_row(sessions, rid)
    assert draft.phone is None and draft.password_hash is None
    r = await api.http.get("/dev/outbox", params={"case_number": rid})
    assert all(NON_RESIDENT.phone not in m["recipient"] for m in r.json())
    assert all(not re.search(r"\d{6}", m["body"]) for m in r.json())


def _earlier_sends(sessions: sessionmaker[Session], n: int, **refs: str | None) -> None:
    with transaction(sessions) as s:
        for i in range(n):
            s.add(
                ProbolinggoOtpSend(
                    send_key=f"earlier-{uuid.uuid4().hex}",
                    registration_id=f"PRB-OLD{i}",
                    phone_ref=refs.get("phone_ref") or f"other-{i}",
                    client_ref=refs.get("client_ref"),
                    sent_at=datetime.now(UTC) - timedelta(minutes=20),
                )
            )


async def test_hourly_caps_on_a_number_and_an_address_refuse_a_new_registration(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    phone = "+6281277700001"
    caps = get_settings().probolinggo  # the API fixture's settings, as the environment gives them
    _earlier_sends(
        sessions, caps.max_otp_per_phone_per_hour, phone_ref=phone_ref(secret_key(), phone)
    )
    r = await api.http.post(
        "/probolinggo/registrasi", json={"status_warga": "warga_luar_kota", "telepon": phone}
    )
    assert r.status_code == 429 and r.headers["Retry-After"] == "3600"
    assert r.json()["error"]["code"] == "batas_per_jam"
    # another number from an address that already asked for many codes: refused too
    _earlier_sends(
        sessions, caps.max_otp_per_client_per_hour, client_ref=client_ref(secret_key(), "127.0.0.1")
    )
    r = await api.http.post(
        "/probolinggo/registrasi",
        json={"status_warga": "warga_luar_kota", "telepon": "+6281277700002"},
    )
    assert r.status_code == 429


def _add_account(sessions: sessionmaker[Session]) -> None:
    """RESIDENT's account, password ``PASSWORD``."""
    with transaction(sessions) as s:
        s.add(
            ProbolinggoAccount(
                registration_id="PRB-LOGIN",
                phone=RESIDENT.phone,
                nik_ref=nik_ref(secret_key(), RESIDENT.nik),
                nik_tersamar=mask_nik(RESIDENT.nik),
                nama=RESIDENT.nama,
                tempat_lahir=RESIDENT.tempat_lahir,
                tanggal_lahir=RESIDENT.tanggal_lahir,
                jenis_kelamin="L",
                alamat=RESIDENT.alamat,
                status_warga="warga_kota",
                password_hash=hash_password(PASSWORD),
            )
        )


async def test_login_slows_down_then_locks_the_account(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    _add_account(sessions)
    for _ in range(2):
        r = await login(api, RESIDENT.phone, "salah-123")
        assert r.status_code == 401 and r.json()["error"]["code"] == "login_gagal"
    r = await login(api, RESIDENT.phone, "salah-123")
    assert r.status_code == 429 and r.headers["Retry-After"] == "30"
    # while it waits, not even the right password gets in
    r = await login(api, RESIDENT.phone)
    assert r.status_code == 429 and r.json()["error"]["code"] == "akun_terkunci"
    _wait_out(sessions)
    r = await login(api, RESIDENT.phone, "salah-123")
    assert r.status_code == 429 and r.headers["Retry-After"] == "60"
    _wait_out(sessions)
    r = await login(api, RESIDENT.phone, "salah-123")
    assert r.status_code == 429 and r.headers["Retry-After"] == str(15 * 60)
    _wait_out(sessions)
    # after the lock, one more wrong password locks it again at once
    r = await login(api, RESIDENT.phone, "salah-123")
    assert r.status_code == 429 and r.headers["Retry-After"] == str(15 * 60)
    _wait_out(sessions)
    assert (await login(api, RESIDENT.phone)).status_code == 200
    with sessions() as s:
        account = s.scalars(select(ProbolinggoAccount)).one()
    assert account.failed_logins == 0 and account.locked_until is None
    # an unknown number gets the same answer as a wrong password
    r = await login(api, "+6281299999999")
    assert r.status_code == 401 and r.json()["error"]["code"] == "login_gagal"


def _wait_out(sessions: sessionmaker[Session]) -> None:
    """The lock's time passes (the login clock is the real one, not Temporal's)."""
    with transaction(sessions) as s:
        s.execute(update(LoginThrottle).values(locked_until=None))


@asynccontextmanager
async def configured_api(
    workers: RunningWorkers, sessions: sessionmaker[Session], **probolinggo: Any
) -> AsyncIterator[ApiClient]:
    """The API as the ``api`` fixture builds it, but with ``ALUR_PROBOLINGGO__...`` settings of
    the test's own (the workers keep theirs)."""
    settings = Settings(
        environment="test",
        task_queue=workers.task_queue,
        payload_key=TEST_PAYLOAD_KEY,  # type: ignore[arg-type]
        public_base_url="http://testserver",
        probolinggo=probolinggo,  # type: ignore[arg-type]
    )
    app = create_app(settings, sessions=sessions, temporal=workers.client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield ApiClient(http, workers)


async def test_configured_resend_cap_cooldown_and_hourly_cap_are_what_the_citizen_gets(
    workers: RunningWorkers, sessions: sessionmaker[Session], ts_env: WorkflowEnvironment
) -> None:
    limits = {"max_kirim_ulang": 1, "otp_jeda_kirim_ulang": 10, "max_otp_per_phone_per_hour": 2}
    async with configured_api(workers, sessions, **limits) as api:
        rid = await start(api, NON_RESIDENT, "warga_luar_kota")
        r = await post(api, rid, "kata_sandi", {"kata_sandi": PASSWORD})
        assert r.status_code == 200 and r.json()["hasil"] == "terkirim", r.text
        shown = (await api.http.get(f"/probolinggo/registrasi/{rid}")).json()
        assert shown["sisa_kirim_ulang"] == 1  # the registration carries the configured cap
        # the configured 10-second cooldown, not the default 30
        r = await post(api, rid, "otp/kirim-ulang")
        assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 10
        await ts_env.sleep(timedelta(seconds=11))
        r = await post(api, rid, "otp/kirim-ulang")
        assert r.status_code == 200 and r.json()["hasil"] == "terkirim", r.text
        await ts_env.sleep(timedelta(seconds=11))
        # one resend allowed: the second is refused
        r = await post(api, rid, "otp/kirim-ulang")
        assert r.status_code == 429 and r.json()["error"]["code"] == "batas", r.text
        assert "1 kali" in r.json()["error"]["message"]
        shown = (await api.http.get(f"/probolinggo/registrasi/{rid}")).json()
        assert shown["sisa_kirim_ulang"] == 0
        # two codes went to this number within the hour: the configured cap of 2 is reached
        r = await api.http.post(
            "/probolinggo/registrasi",
            json={"status_warga": "warga_luar_kota", "telepon": NON_RESIDENT.phone},
        )
        assert r.status_code == 429 and r.json()["error"]["code"] == "batas_per_jam", r.text


async def test_configured_login_limits_lock_after_that_many_failures(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    _add_account(sessions)
    limits = {"slow_after": 1, "slow_base": 10, "lock_after": 2, "lock_for": "PT2M"}
    async with configured_api(workers, sessions, **limits) as api:
        r = await login(api, RESIDENT.phone, "salah-123")
        assert r.status_code == 429 and r.headers["Retry-After"] == "10"
        _wait_out(sessions)
        r = await login(api, RESIDENT.phone, "salah-123")
        assert r.status_code == 429 and r.headers["Retry-After"] == "120"
        r = await login(api, RESIDENT.phone)
        assert r.status_code == 429 and r.json()["error"]["code"] == "akun_terkunci"
        _wait_out(sessions)
        assert (await login(api, RESIDENT.phone)).status_code == 200


async def test_registration_history_holds_no_personal_data_raw_or_decoded(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    seed_register(sessions)
    rid = await start(api, RESIDENT_2)
    await post(api, rid, "kata_sandi", {"kata_sandi": PASSWORD})
    code = await outbox_code(api, rid)
    await post(api, rid, "otp", {"kode": code})
    await post(api, rid, "nik", {"nik": RESIDENT_2.nik})
    r = await post(api, rid, "identitas", identity(RESIDENT_2))
    assert r.status_code == 200
    with sessions() as s:
        password_hash = s.scalars(select(ProbolinggoAccount.password_hash)).one()
    stored_otp = otp_hash(otp_proof(secret_key(), rid, code))
    secrets_ = {
        "phone": RESIDENT_2.phone,
        "phone (national)": RESIDENT_2.phone.removeprefix("+62"),
        "NIK": RESIDENT_2.nik,
        "name": RESIDENT_2.nama,
        "surname": "Aminah",
        "address": RESIDENT_2.alamat,
        "password": PASSWORD,
        "password hash": password_hash,
        "OTP code": code,
        "OTP hash": stored_otp,
    }
    handle = api.workers.client.get_workflow_handle_for(W.run, workflow_id_for(rid))
    assert (await handle.result()).status == "selesai"
    history = await handle.fetch_history()
    raw = b"".join(event.SerializeToString() for event in history.events)
    codec = EncryptionCodec.from_base64(TEST_PAYLOAD_KEY)
    found = [p for event in history.events for p in payloads(event)]
    decoded = await codec.decode(found)
    assert len(decoded) > 20  # inputs, update arguments and answers, activity inputs and results
    clear = b"".join(p.data for p in decoded)
    assert rid.encode() in clear  # the decoded history is really read...
    for what, value in secrets_.items():
        assert value.encode() not in raw, f"{what} in the raw history"
        assert value.encode() not in clear, f"{what} in the decoded history"
    desc = await handle.describe()
    shown = " ".join(str(pair.value) for pair in desc.typed_search_attributes)
    assert RESIDENT_2.phone not in shown and RESIDENT_2.nik not in shown
    assert rid in shown


async def _at_nik(api: ApiClient, person: Person, status_warga: str) -> str:
    """A registration of ``person`` through password and OTP, waiting on the NIK."""
    rid = await start(api, person, status_warga)
    assert (await post(api, rid, "kata_sandi", {"kata_sandi": PASSWORD})).status_code == 200
    r = await post(api, rid, "otp", {"kode": await outbox_code(api, rid)})
    assert r.status_code == 200 and r.json()["langkah"] == "nik", r.text
    return rid


async def test_a_kota_probolinggo_nik_on_the_non_resident_path_is_sent_to_the_resident_path(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    seed_register(sessions)
    resident = sample_residents()[2]  # row 3: Wonoasih, 35.74.02
    # someone else's number, the resident's NIK, "not a resident": the register would be skipped
    impostor = Person(**{**resident.__dict__, "phone": "+6285712300031"})
    rid = await _at_nik(api, impostor, "warga_luar_kota")
    r = await post(api, rid, "nik", {"nik": resident.nik})
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "nik_warga_kota"
    assert '"Warga Kota Probolinggo"' in error["message"] and resident.nik not in error["message"]
    assert error["detail"]["langkah"] == "nik"  # still at the NIK step: nothing went on
    assert draft_row(sessions, rid).nik is None  # the refused NIK is not kept
    r = await post(api, rid, "identitas", identity(resident))
    assert r.status_code == 409 and r.json()["error"]["code"] == "langkah_lain"
    assert accounts(sessions) == []
    # the resident, on the resident's path, registers and is verified by the register
    rid = await register(api, resident)
    [account] = accounts(sessions)
    assert (account.nik_ref, account.siak_terverifikasi) == (
        nik_ref(secret_key(), resident.nik),
        True,
    )


async def test_an_unverified_account_of_a_resident_s_nik_gives_way_to_the_verified_resident(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    seed_register(sessions)
    squatter_phone = "+6285712300032"
    add_unverified_account(
        sessions, nik=RESIDENT.nik, phone=squatter_phone, registration_id="PRB-LAMA"
    )
    r = await login(api, squatter_phone, "Sandi-Penyamar-2026")
    assert r.status_code == 200, r.text
    squatter = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert (await api.http.get("/probolinggo/akun", headers=squatter)).status_code == 200

    rid = await register(api, RESIDENT)  # not refused with nik_terdaftar

    [account] = accounts(sessions)
    assert (account.nik_ref, account.nama, account.phone) == (
        nik_ref(secret_key(), RESIDENT.nik),
        RESIDENT.nama,
        RESIDENT.phone,
    )
    assert account.siak_terverifikasi
    # the squatter can no longer log in, and their old token opens nothing (not the resident's)
    r = await login(api, squatter_phone, "Sandi-Penyamar-2026")
    assert r.status_code == 401 and r.json()["error"]["code"] == "login_gagal"
    assert (await api.http.get("/probolinggo/akun", headers=squatter)).status_code == 401
    r = await login(api, RESIDENT.phone)
    assert r.status_code == 200, r.text
    me = await api.http.get(
        "/probolinggo/akun", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
    )
    assert me.json()["nama"] == RESIDENT.nama and me.json()["siak_terverifikasi"] is True
    # the verified registration's trail says an unverified account was replaced, and by which
    # registration it had been made; nothing personal
    [line] = audit(sessions, rid, "akun_tidak_terverifikasi_diganti")
    assert line.step == "registrasi_berhasil"
    assert line.detail == {"registrasi_akun_diganti": "PRB-LAMA", "siak": True}
    events = [e.event for e in audit(sessions, rid)]
    assert events.index("akun_tidak_terverifikasi_diganti") < events.index("akun_dibuat")
    shown = repr(line.detail)
    for personal in (RESIDENT.nik, RESIDENT.phone, squatter_phone, RESIDENT.nama, "Penyamar"):
        assert personal not in shown


async def test_a_verified_account_still_refuses_its_nik_to_anyone_else(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    seed_register(sessions)
    await register(api, RESIDENT)
    rid = await _at_nik(
        api, Person(**{**RESIDENT.__dict__, "phone": "+6281234500078"}), "warga_kota"
    )
    r = await post(api, rid, "nik", {"nik": RESIDENT.nik})
    assert r.status_code == 409 and r.json()["error"]["code"] == "nik_terdaftar"
    [account] = accounts(sessions)
    assert account.phone == RESIDENT.phone


async def test_a_birth_date_in_the_future_is_refused_and_nothing_stored(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    born = date(1976, 5, 15)
    person = Person(
        nik=make_nik("357305", born, "L", 11),  # Kota Malang, …150576…
        nama="Slamet Riyadi",
        tempat_lahir="Malang",
        tanggal_lahir=born,
        jenis_kelamin="L",
        alamat="Jl. Ijen No. 3, Malang",
        phone="+6285712300033",
    )
    rid = await _at_nik(api, person, "warga_luar_kota")
    assert (await post(api, rid, "nik", {"nik": person.nik})).status_code == 200
    # the NIK's day, month and two-digit year, in a century still to come
    r = await post(api, rid, "identitas", identity(person, tanggal_lahir=date(2076, 5, 15)))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "tanggal_lahir_masa_depan"
    assert error["message"] == "Tanggal lahir tidak boleh di masa depan"
    assert draft_row(sessions, rid).tanggal_lahir is None and accounts(sessions) == []
    # nor two centuries back: the NIK can only mean 1976
    r = await post(api, rid, "identitas", identity(person, tanggal_lahir=date(1876, 5, 15)))
    assert r.status_code == 422 and r.json()["error"]["code"] == "identitas_tidak_sesuai"
    assert r.json()["error"]["detail"]["detail"] == ["tanggal_lahir"]
    assert accounts(sessions) == []
    assert (await post(api, rid, "identitas", identity(person))).status_code == 200
    [account] = accounts(sessions)
    assert account.tanggal_lahir == born
