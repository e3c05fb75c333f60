"""MAGESTY over HTTP against a real worker on the time-skipping server: a citizen registers,
activates with the WhatsApp code (read from the dev outbox), logs in, requests an OPD service, the
OPD serves it, the citizen answers the survey and the Satker reads the statistics; every bad request
gets a clear 4xx."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from activities.senders import Outgoing, PermanentSendError
from alur.seed_magelang import seed_magelang
from alur.settings import Settings
from api.magelang.akun import aturan_dari
from api.main import create_app
from db.session import transaction
from tests.conftest import TEST_PAYLOAD_KEY, ApiClient, RunningWorkers
from workflows.magelang.models import AturanAktivasi, LaporanStatistikInput
from workflows.magelang.statistik import MagestyLaporanStatistikWorkflow

AKTA = {
    "layanan_kode": "akta-kelahiran",
    "isian": {
        "nama_anak": "Bima Saputra",
        "tanggal_lahir": "2026-11-01",
        "nama_ibu": "Siti Rahayu",
        "nomor_kk": "3371010101010001",
    },
}
NILAI = [4, 3, 4, 4, 3, 4, 4, 3, 4]


@pytest.fixture
def katalog(sessions: sessionmaker[Session], demo_officers: list[str]) -> None:
    with transaction(sessions) as s:
        seed_magelang(s)


def _person() -> dict[str, str]:
    n = uuid.uuid4().int
    return {
        "nama": "Siti Rahayu",
        "whatsapp": f"0812-{n % 10**4:04d}-{n // 10**4 % 10**4:04d}",
        "email": f"siti.{uuid.uuid4().hex[:8]}@contoh.id",
        "password": "rahasia-sekali",
    }


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def register(api: ApiClient, person: dict[str, str] | None = None) -> dict[str, Any]:
    r = await api.http.post("/magelang/akun", json=person or _person())
    assert r.status_code == 201, r.text
    return dict(r.json())


async def codes(api: ApiClient, akun_id: int) -> list[str]:
    r = await api.http.get("/dev/outbox", params={"case_number": f"MGS-AKUN-{akun_id}"})
    assert r.status_code == 200, r.text
    found = [re.search(r"\b(\d{6})\b", m["body"]) for m in reversed(r.json())]
    return [m.group(1) for m in found if m]


async def activated_citizen(api: ApiClient) -> str:
    """A registered, activated and logged-in citizen's token."""
    person = _person()
    reg = await register(api, person)
    [kode] = await codes(api, reg["akun_id"])
    r = await api.http.post(
        "/magelang/akun/aktivasi", json={"kode": kode}, headers=bearer(reg["token_pendaftaran"])
    )
    assert r.status_code == 200, r.text
    r = await api.http.post(
        "/magelang/login", json={"akun": person["email"], "password": person["password"]}
    )
    assert r.status_code == 200, r.text
    return str(r.json()["access_token"])


async def file_request(api: ApiClient, token: str, body: dict[str, Any] = AKTA) -> str:
    r = await api.http.post("/magelang/permohonan", json=body, headers=bearer(token))
    assert r.status_code == 201, r.text
    return str(r.json()["nomor_kasus"])


async def serve(api: ApiClient, number: str, who: str = "magelang.opd", **body: Any) -> Any:
    """Act as ``who`` once the request has reached pelayanan_opd."""
    payload = body or {"keputusan": "selesai", "hasil": "Akta terbit", "dokumen_ref": "AKTA-42"}
    for _ in range(200):
        r = await api.http.post(
            f"/magelang/kasus/{number}/pelayanan_opd",
            json=payload,
            headers=await api.as_officer(who),
        )
        if r.status_code != 409 or r.json()["error"]["code"] not in ("wrong_step", "case_busy"):
            return r
        await asyncio.sleep(0.02)
    raise AssertionError(f"{number} never reached pelayanan_opd")


async def answer_survey(api: ApiClient, token: str, number: str, nilai: list[int] = NILAI) -> Any:
    for _ in range(200):
        r = await api.http.post(
            f"/magelang/permohonan/{number}/survei", json={"nilai": nilai}, headers=bearer(token)
        )
        if r.status_code != 409 or r.json()["error"]["code"] != "survei_belum_dibuka":
            return r
        await asyncio.sleep(0.02)
    raise AssertionError("survey never opened")


async def test_citizen_registers_activates_requests_is_served_and_rates_the_service(
    api: ApiClient, katalog: None
) -> None:
    person = _person()
    reg = await register(api, person)
    assert reg["kode_terkirim"] and reg["status"] == "menunggu_aktivasi"
    daftar = bearer(reg["token_pendaftaran"])
    r = await api.http.post(
        "/magelang/login", json={"akun": person["email"], "password": person["password"]}
    )
    assert (r.status_code, r.json()["error"]["code"]) == (403, "akun_belum_aktif")

    [kode] = await codes(api, reg["akun_id"])
    wrong = "000000" if kode != "000000" else "111111"
    r = await api.http.post("/magelang/akun/aktivasi", json={"kode": wrong}, headers=daftar)
    assert r.status_code == 422
    assert (r.json()["error"]["code"], r.json()["error"]["detail"]) == (
        "kode_salah",
        {"sisa_percobaan": 4},
    )
    r = await api.http.post("/magelang/akun/aktivasi", json={"kode": kode}, headers=daftar)
    assert r.status_code == 200 and r.json()["hasil"] == "benar"
    r = await api.http.post("/magelang/akun/aktivasi", json={"kode": kode}, headers=daftar)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "sudah_aktif")

    r = await api.http.post(
        "/magelang/login", json={"akun": person["whatsapp"], "password": person["password"]}
    )
    assert r.status_code == 200, r.text
    token = r.json()["access_token"]
    me = (await api.http.get("/magelang/akun/saya", headers=bearer(token))).json()
    assert me["status"] == "aktif" and me["whatsapp"].startswith("+62812") and "*" in me["whatsapp"]

    catalogue = (await api.http.get("/magelang/layanan")).json()
    akta = next(s for s in catalogue if s["kode"] == "akta-kelahiran")
    assert akta["opd"]["singkatan"] == "Disdukcapil"
    assert {f["kode"] for f in akta["isian"] if f["wajib"]} == {
        "nama_anak",
        "tanggal_lahir",
        "nama_ibu",
        "nomor_kk",
    }

    number = await file_request(api, token)
    for _ in range(200):  # the task appears once the workflow has opened the step
        inbox = await api.http.get("/magelang/tugas", headers=await api.as_officer("magelang.opd"))
        if inbox.json():
            break
        await asyncio.sleep(0.02)
    assert [(t["case_number"], t["step"]) for t in inbox.json()] == [(number, "pelayanan_opd")]
    other = await api.http.get(
        "/magelang/tugas", headers=await api.as_officer("magelang.opd.dinkes")
    )
    assert other.json() == []
    r = await api.http.get("/magelang/tugas", headers=await api.as_officer("magelang.satker"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "bukan_petugas_opd")
    r = await serve(api, number)
    assert r.status_code == 202, r.text
    r = await answer_survey(api, token, number)
    assert r.status_code == 200, r.text
    assert r.json() == {"ikm": "91.67", "mutu": "A", "kinerja": "Sangat Baik"}
    await api.workers.client.get_workflow_handle(f"magesty-{number}").result()

    mine = (await api.http.get(f"/magelang/permohonan/{number}", headers=bearer(token))).json()
    assert (mine["status"], mine["keputusan"], mine["dokumen_ref"]) == (
        "selesai",
        "selesai",
        "AKTA-42",
    )
    assert mine["survei"] == {"status": "terjawab", "ikm": "91.67"}
    outbox = (await api.http.get("/dev/outbox", params={"case_number": number})).json()
    assert [m["channel"] for m in outbox] == ["whatsapp"] and "AKTA-42" in outbox[0]["body"]

    view = (
        await api.http.get(
            f"/magelang/kasus/{number}", headers=await api.as_officer("magelang.opd")
        )
    ).json()
    assert view["pemohon"]["nama"] == "S*** R*****"
    assert [t["step"] for t in view["tugas"]] == ["pelayanan_opd"]
    # another OPD's officer may not read the form (it holds personal data); the Satker may
    other_opd = await api.http.get(
        f"/magelang/kasus/{number}", headers=await api.as_officer("magelang.opd.dlh")
    )
    assert (other_opd.status_code, other_opd.json()["error"]["code"]) == (403, "opd_lain")
    satker = await api.http.get(
        f"/magelang/kasus/{number}", headers=await api.as_officer("magelang.satker")
    )
    assert satker.status_code == 200 and satker.json()["pemohon"]["nama"] == "S*** R*****"

    stats = await api.http.get(
        "/magelang/statistik", headers=await api.as_officer("magelang.satker")
    )
    assert stats.status_code == 200, stats.text
    body = stats.json()
    assert body["pengguna"]["aktif"] == 1
    dukcapil = next(o for o in body["opd"] if o["kode"] == "disdukcapil")
    assert dukcapil["permohonan"]["selesai"] == 1
    assert dukcapil["ikm"]["ikm"] == "91.67"


async def test_satker_reads_the_daily_report_the_workflow_stored(
    api: ApiClient, katalog: None
) -> None:
    satker = await api.as_officer("magelang.satker")
    r = await api.http.get("/magelang/statistik/laporan", headers=satker)
    assert (r.status_code, r.json()["error"]["code"]) == (404, "laporan_tidak_ada")
    result = await api.workers.client.execute_workflow(
        MagestyLaporanStatistikWorkflow.run,
        LaporanStatistikInput(),
        id=f"magesty-statistik-{uuid.uuid4().hex[:6]}",
        task_queue=api.workers.task_queue,
    )
    r = await api.http.get("/magelang/statistik/laporan", headers=satker)
    assert r.status_code == 200, r.text
    assert r.json()["tanggal"] == result.tanggal.isoformat()
    r = await api.http.get(
        "/magelang/statistik/laporan", params={"tanggal": "kemarin"}, headers=satker
    )
    assert r.status_code == 422
    for who in ("magelang.opd", "malang.kabag"):
        r = await api.http.get("/magelang/statistik", headers=await api.as_officer(who))
        assert (r.status_code, r.json()["error"]["code"]) == (403, "wrong_role")


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"whatsapp": "12345"}, "whatsapp"),
        ({"whatsapp": "0274-123456"}, "whatsapp"),  # a Yogyakarta landline
        ({"email": "bukan-email"}, "email"),
        ({"password": "pendek"}, "password"),
        ({"nama": ""}, "nama"),
    ],
)
async def test_registration_refuses_malformed_data(
    api: ApiClient, change: dict[str, str], where: str
) -> None:
    r = await api.http.post("/magelang/akun", json={**_person(), **change})
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "invalid_request"
    assert r.json()["error"]["detail"][0]["lokasi"] == where


async def test_registering_a_number_twice_is_a_conflict(api: ApiClient) -> None:
    person = _person()
    await register(api, person)
    r = await api.http.post("/magelang/akun", json={**person, "email": "lain@contoh.id"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "akun_sudah_ada")
    r = await api.http.post("/magelang/akun", json={**person, "password": "sandi-yang-lain"})
    assert (r.status_code, r.json()["error"]["code"]) == (409, "akun_sudah_ada")


async def test_registering_again_before_activation_gives_a_new_token_for_the_same_account(
    api: ApiClient,
) -> None:
    person = _person()
    first = await register(api, person)
    r = await api.http.post("/magelang/akun", json=person)
    assert r.status_code == 200, r.text
    again = r.json()
    assert again["akun_id"] == first["akun_id"] and again["kode_terkirim"]
    [kode] = await codes(api, first["akun_id"])  # no second code, no second workflow
    r = await api.http.post(
        "/magelang/akun/aktivasi", json={"kode": kode}, headers=bearer(again["token_pendaftaran"])
    )
    assert r.status_code == 200, r.text
    r = await api.http.post("/magelang/akun", json=person)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "akun_sudah_ada")


async def test_number_that_cannot_receive_whatsapp_gets_a_clear_message(
    api: ApiClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def reject(message: Outgoing) -> None:
        raise PermanentSendError("Recipient is not a WhatsApp user", code=63003)

    monkeypatch.setattr(api.workers.sender, "send", reject)
    person = _person()
    r = await api.http.post("/magelang/akun", json=person)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "nomor_tidak_dapat_menerima"
    assert "WhatsApp" in r.json()["error"]["message"]


async def test_activation_and_resend_need_the_registration_token_and_respect_limits(
    api: ApiClient,
) -> None:
    reg = await register(api)
    r = await api.http.post("/magelang/akun/aktivasi", json={"kode": "123456"})
    assert r.status_code == 401
    officer = await api.as_officer("magelang.satker")
    r = await api.http.post("/magelang/akun/aktivasi", json={"kode": "123456"}, headers=officer)
    assert (r.status_code, r.json()["error"]["code"]) == (401, "wrong_token_type")
    daftar = bearer(reg["token_pendaftaran"])
    r = await api.http.post("/magelang/akun/aktivasi", json={"kode": "12a456"}, headers=daftar)
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_request"
    r = await api.http.post("/magelang/akun/kirim-ulang", headers=daftar)
    assert (r.status_code, r.json()["error"]["code"]) == (429, "tunggu_kirim_ulang")
    status = (await api.http.get("/magelang/akun/status", headers=daftar)).json()
    assert (status["kode"], status["sisa_kirim_ulang"], status["sisa_percobaan"]) == (
        "terkirim",
        3,
        5,
    )


async def test_login_refuses_wrong_password_and_unknown_accounts(api: ApiClient) -> None:
    person = _person()
    await register(api, person)
    for who, password in ((person["email"], "salah-sandi"), ("tidak.ada@contoh.id", "apa-saja")):
        r = await api.http.post("/magelang/login", json={"akun": who, "password": password})
        assert (r.status_code, r.json()["error"]["code"]) == (401, "bad_credentials")


async def test_bad_requests_and_wrong_actors_get_clear_errors(
    api: ApiClient, katalog: None
) -> None:
    token = await activated_citizen(api)
    other = await activated_citizen(api)
    post = api.http.post
    r = await post(
        "/magelang/permohonan",
        json={"layanan_kode": "tidak-ada", "isian": {}},
        headers=bearer(token),
    )
    assert (r.status_code, r.json()["error"]["code"]) == (422, "layanan_tidak_dikenal")
    missing = {"layanan_kode": "akta-kelahiran", "isian": {"nama_anak": "Bima"}}
    r = await post("/magelang/permohonan", json=missing, headers=bearer(token))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "isian_tidak_valid")
    assert r.json()["error"]["detail"] == {"isian": "tanggal_lahir"}
    extra = {**AKTA, "isian": {**AKTA["isian"], "golongan_darah": "O"}}  # type: ignore[dict-item]
    r = await post("/magelang/permohonan", json=extra, headers=bearer(token))
    assert (r.status_code, r.json()["error"]["code"]) == (422, "isian_tidak_valid")
    r = await post("/magelang/permohonan", json=AKTA, headers=await api.as_officer("magelang.opd"))
    assert (r.status_code, r.json()["error"]["code"]) == (401, "wrong_token_type")

    number = await file_request(api, token)
    r = await api.http.get(f"/magelang/permohonan/{number}", headers=bearer(other))
    assert (r.status_code, r.json()["error"]["code"]) == (404, "case_not_found")
    r = await post(
        f"/magelang/permohonan/{number}/survei", json={"nilai": NILAI}, headers=bearer(token)
    )
    assert (r.status_code, r.json()["error"]["code"]) == (409, "survei_belum_dibuka")
    r = await serve(api, number, who="magelang.opd.dinkes")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "opd_lain")
    r = await serve(api, number, who="magelang.satker")
    assert (r.status_code, r.json()["error"]["code"]) == (403, "bukan_petugas_opd")
    r = await serve(api, number, keputusan="ditolak")
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_request")
    key = {"Idempotency-Key": f"tolak-{number}"}
    refusal = {"keputusan": "ditolak", "alasan": "Nomor KK tidak terdaftar"}
    r = await post(
        f"/magelang/kasus/{number}/pelayanan_opd",
        json=refusal,
        headers={**await api.as_officer("magelang.opd"), **key},
    )
    assert r.status_code == 202
    first = r.json()
    for _ in range(200):  # until the request shows the OPD's decision (the action was taken)
        mine = (await api.http.get(f"/magelang/permohonan/{number}", headers=bearer(token))).json()
        if mine["keputusan"]:
            break
        await asyncio.sleep(0.02)
    r = await post(  # the same click again: the same answer, nothing done twice
        f"/magelang/kasus/{number}/pelayanan_opd",
        json=refusal,
        headers={**await api.as_officer("magelang.opd"), **key},
    )
    assert r.status_code == 202 and r.json() == first
    r = await answer_survey(api, token, number, nilai=[4, 4, 4, 4, 5, 4, 4, 4, 4])
    assert (r.status_code, r.json()["error"]["code"]) == (422, "invalid_request")
    assert "u5" in r.json()["error"]["message"]
    r = await answer_survey(api, token, number, nilai=[2] * 9)
    assert r.status_code == 200 and r.json()["mutu"] == "D"
    r = await answer_survey(api, token, number)
    assert r.status_code == 409
    assert r.json()["error"]["code"] in ("survei_sudah_dijawab", "case_closed")
    r = await serve(api, number)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "sudah_dilayani")
    mine = (await api.http.get(f"/magelang/permohonan/{number}", headers=bearer(token))).json()
    assert (mine["keputusan"], mine["alasan_penolakan"]) == ("ditolak", "Nomor KK tidak terdaftar")


@pytest.fixture
async def api_settings(
    workers: RunningWorkers, sessions: sessionmaker[Session], demo_officers: list[str]
) -> AsyncIterator[ApiClient]:
    """The API as ``api`` builds it, with an operator's ``ALUR_MAGELANG__...`` changes."""
    settings = Settings(
        environment="test",
        task_queue=workers.task_queue,
        payload_key=TEST_PAYLOAD_KEY,
        public_base_url="http://testserver",
        magelang={
            "maks_kirim_ulang": 1,
            "jeda_kirim_ulang": 0,
            "maks_percobaan": 2,
            "token_warga_ttl": "PT1H",
            "pembaca_statistik": ["kepala_bidang"],
        },
    )
    app = create_app(settings, sessions=sessions, temporal=workers.client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield ApiClient(http, workers)


async def test_magelang_settings_change_the_limits_a_citizen_and_the_satker_meet(
    api_settings: ApiClient,
) -> None:
    api = api_settings
    person = _person()
    reg = await register(api, person)
    daftar = bearer(reg["token_pendaftaran"])
    status = (await api.http.get("/magelang/akun/status", headers=daftar)).json()
    assert (status["sisa_kirim_ulang"], status["sisa_percobaan"]) == (1, 2)
    r = await api.http.post("/magelang/akun/kirim-ulang", headers=daftar)  # no cooldown
    assert r.status_code == 202, r.text
    assert r.json()["sisa_kirim_ulang"] == 0
    r = await api.http.post("/magelang/akun/kirim-ulang", headers=daftar)  # the second: refused
    assert (r.status_code, r.json()["error"]["code"]) == (429, "batas_kirim_ulang")

    *_, kode = await codes(api, reg["akun_id"])  # the newest code, the first one is void
    r = await api.http.post("/magelang/akun/aktivasi", json={"kode": kode}, headers=daftar)
    assert r.status_code == 200, r.text
    r = await api.http.post(
        "/magelang/login", json={"akun": person["email"], "password": person["password"]}
    )
    assert r.status_code == 200, r.text
    lifetime = datetime.fromisoformat(r.json()["expires_at"]) - datetime.now(UTC)
    assert timedelta(minutes=55) < lifetime <= timedelta(hours=1)

    r = await api.http.get("/magelang/statistik", headers=await api.as_officer("magelang.satker"))
    assert (r.status_code, r.json()["error"]["code"]) == (403, "wrong_role")
    kabid = await api.as_officer("magelang.kepala_bidang")
    assert (await api.http.get("/magelang/statistik", headers=kabid)).status_code == 200


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("maks_kirim_ulang", -1, "greater than or equal to 0"),
        ("maks_percobaan", 0, "greater than 0"),
        ("kode_berlaku", "PT0S", "greater than 0 seconds"),
        ("akun_kedaluwarsa", "PT1M", "kode_berlaku must not be longer than akun_kedaluwarsa"),
        ("statistik_jam", "25:00", "valid time"),
        ("pembaca_statistik", [], "at least 1 item"),
        ("maks_kirimulang", 1, "Extra inputs are not permitted"),
    ],
)
def test_magelang_settings_refuse_bad_values_by_name(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(ValidationError) as err:
        Settings(magelang={field: value})
    text = str(err.value)  # names the nested setting (or the rule it breaks) and what is wrong
    assert text.startswith("1 validation error for Settings\nmagelang")
    assert field in text and message in text


def test_magelang_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALUR_MAGELANG__MAKS_KIRIM_ULANG", "1")
    monkeypatch.setenv("ALUR_MAGELANG__STATISTIK_JAM", "06:30")
    monkeypatch.setenv("ALUR_MAGELANG__PEMBACA_STATISTIK", '["satker"]')
    m = Settings().magelang
    assert (m.maks_kirim_ulang, m.pembaca_statistik) == (1, frozenset({"satker"}))
    assert m.statistik_offset == timedelta(hours=23, minutes=30)  # 06:30 WIB
    monkeypatch.setenv("ALUR_MAGELANG__MAKS_PERCOBAAN", "nol")
    with pytest.raises(ValidationError, match=r"magelang\.maks_percobaan"):
        Settings()


def test_magelang_settings_defaults_are_the_sops_rules() -> None:
    m = Settings().magelang
    assert aturan_dari(Settings()) == AturanAktivasi()  # the account workflow's own defaults
    assert (m.token_daftar_ttl, m.token_warga_ttl) == (timedelta(hours=24), timedelta(days=30))
    assert m.statistik_offset == timedelta(hours=17, minutes=5)  # 00:05 WIB


async def test_a_retried_request_gets_its_own_answer_and_a_reused_key_is_refused(
    api: ApiClient, katalog: None
) -> None:
    token = await activated_citizen(api)
    headers = {**bearer(token), "Idempotency-Key": "ajukan-1"}
    first = await api.http.post("/magelang/permohonan", json=AKTA, headers=headers)
    again = await api.http.post("/magelang/permohonan", json=AKTA, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()

    sampah = {
        "layanan_kode": "angkut-sampah",
        "isian": {
            "alamat": "Jl. Pahlawan 1",
            "perkiraan_volume": "2",
            "tanggal_diminta": "2026-12-01",
        },
    }
    reused = await api.http.post("/magelang/permohonan", json=sampah, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["error"]["code"] == "idempotency_key_dipakai"
    mine = (await api.http.get("/magelang/permohonan", headers=bearer(token))).json()
    assert [(p["nomor_kasus"], p["layanan"]) for p in mine] == [
        (first.json()["nomor_kasus"], "akta-kelahiran")
    ]
