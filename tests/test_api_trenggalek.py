"""The Trenggalek SOP over HTTP, against a real worker on the time-skipping server: a Fungsional
proposes an application, the chain reviews it level by level, the trail prints, the public page
publishes; every bad request gets a clear 4xx and changes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowExecutionStatus

from alur.security import hash_password
from alur.settings import Settings
from api.main import create_app
from db.models import AuditEvent, Case, Officer
from db.session import transaction
from db.trenggalek.models import TrenggalekUsulan
from tests.conftest import TEST_PAYLOAD_KEY, ApiClient, RunningWorkers
from workflows.trenggalek.models import RANTAI_TELAAH, UsulanMasuk

FUNGSIONAL = "trenggalek.fungsional"
KASI = "trenggalek.kasi"
KABID = "trenggalek.kepala_bidang"
SEKRETARIS = "trenggalek.sekretaris"
KADIS = "trenggalek.kepala_dinas"
LEVEL = {"kasi": KASI, "kepala_bidang": KABID, "sekretaris": SEKRETARIS, "kepala_dinas": KADIS}
MALANG = "malang.kabag"
SWAKELOLA = {
    "cara": "swakelola",
    "tim": ["Tim Aptika"],
    "tindak_lanjut_teknis": "Siapkan server",
    "tindak_lanjut_administrasi": "Nota dinas",
}
LAYANAN = {
    "nama_aplikasi": "Antrean MPP",
    "ringkasan_publik": "Ambil nomor antrean dari rumah.",
    "tautan": "https://antrean.trenggalekkab.go.id",
}


async def propose(api: ApiClient, key: str | None = None, who: str = FUNGSIONAL) -> Any:
    headers = await api.as_officer(who)
    if key:
        headers["Idempotency-Key"] = key
    return await api.http.post(
        "/trenggalek/usulan", json={"judul": "Aplikasi antrean MPP"}, headers=headers
    )


async def new_case(api: ApiClient) -> str:
    r = await propose(api)
    assert r.status_code == 201, r.text
    return str(r.json()["nomor_kasus"])


async def my_task(api: ApiClient, who: str, number: str, step: str) -> None:
    """Wait until ``who``'s inbox shows the case at ``step``, as the officer would see it."""
    headers = await api.as_officer(who)
    for _ in range(400):
        r = await api.http.get("/tasks", headers=headers)
        assert r.status_code == 200, r.text
        if any(t["case_number"] == number and t["step"] == step for t in r.json()):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{who} never got {step} of {number}")


async def post(
    api: ApiClient, who: str, number: str, step: str, body: dict[str, Any], key: str | None = None
) -> Any:
    headers = await api.as_officer(who)
    if key:
        headers["Idempotency-Key"] = key
    return await api.http.post(f"/trenggalek/kasus/{number}/{step}", json=body, headers=headers)


async def act(api: ApiClient, who: str, number: str, step: str, body: dict[str, Any]) -> Any:
    """Act as ``who`` once the task is in their inbox."""
    await my_task(api, who, number, step)
    r = await post(api, who, number, step, body)
    assert r.status_code == 202, r.text
    return r.json()


async def write_all(
    api: ApiClient, number: str, label: str, first: str = "pengumpulan_data"
) -> None:
    steps = [("pengumpulan_data", FUNGSIONAL), ("analisis", FUNGSIONAL), ("perumusan", KASI)]
    names = [s for s, _ in steps]
    for step, who in steps[names.index(first) :]:
        await act(api, who, number, step, {"teks": f"{step} {label}\nbaris tetap"})


async def climb(api: ApiClient, number: str, to: str = "kepala_dinas") -> None:
    for role in RANTAI_TELAAH[: RANTAI_TELAAH.index(to)]:
        body = {"keputusan": "teruskan", "catatan": f"Diteruskan oleh {role}"}
        await act(api, LEVEL[role], number, "telaah_pimpinan", body)
    await my_task(api, LEVEL[to], number, "telaah_pimpinan")


async def finish(api: ApiClient, number: str) -> None:
    await act(api, KADIS, number, "telaah_pimpinan", {"keputusan": "setuju"})
    await act(api, KABID, number, "tindak_lanjut", SWAKELOLA)
    await act(api, FUNGSIONAL, number, "penyiapan_layanan", LAYANAN)
    await api.workers.client.get_workflow_handle(f"trenggalek-{number}").result()


async def test_proposal_revised_once_approved_published_and_trail_prints(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    r = await propose(api)
    assert r.status_code == 201, r.text
    created = r.json()
    number, agenda = created["nomor_kasus"], created["nomor_agenda"]
    assert agenda.endswith("/APTIKA/" + agenda.rsplit("/", 1)[1])
    await write_all(api, number, "v1")
    await climb(api, number, to="sekretaris")
    await act(
        api,
        SEKRETARIS,
        number,
        "telaah_pimpinan",
        {"keputusan": "revisi", "catatan": "Tambah <b>biaya</b>", "kembali_ke": "analisis"},
    )
    await write_all(api, number, "v2", first="analisis")
    await climb(api, number)
    await finish(api, number)

    view = (
        await api.http.get(f"/trenggalek/kasus/{number}", headers=await api.as_officer(KASI))
    ).json()
    assert (view["status"], view["nomor_agenda"]) == ("selesai", agenda)
    assert [(t["step"], t["role"], t["round"]) for t in view["tugas"]][5:9] == [
        ("telaah_pimpinan", "sekretaris", 1),
        ("analisis", "fungsional", 2),
        ("perumusan", "kasi", 2),
        ("telaah_pimpinan", "kasi", 2),
    ]
    versions = [(v["putaran"], v["langkah"], v["penulis"]) for v in view["versi_naskah"]]
    assert versions == [
        (1, "pengumpulan_data", FUNGSIONAL),
        (1, "analisis", FUNGSIONAL),
        (1, "perumusan", KASI),
        (2, "analisis", FUNGSIONAL),
        (2, "perumusan", KASI),
    ]
    second = view["versi_naskah"][3]
    assert "-analisis v1" in second["diff"]
    assert "+analisis v2" in second["diff"]
    assert view["versi_naskah"][0]["diff"] is None

    headers = await api.as_officer(KADIS)
    trail = (await api.http.get(f"/trenggalek/kasus/{number}/jejak", headers=headers)).json()
    assert trail["nomor_agenda"] == agenda
    reviews = [
        (d["putaran"], d["peran"], d["keputusan"], d["penulis"])
        for d in trail["disposisi"]
        if d["langkah"] == "telaah_pimpinan"
    ]
    assert reviews == [
        (1, "kasi", "teruskan", KASI),
        (1, "kepala_bidang", "teruskan", KABID),
        (1, "sekretaris", "revisi", SEKRETARIS),
        (2, "kasi", "teruskan", KASI),
        (2, "kepala_bidang", "teruskan", KABID),
        (2, "sekretaris", "teruskan", SEKRETARIS),
        (2, "kepala_dinas", "setuju", KADIS),
    ]
    assert [d["no"] for d in trail["disposisi"]] == list(range(1, len(trail["disposisi"]) + 1))
    sendback = trail["disposisi"][5]
    assert (sendback["catatan"], sendback["kembali_ke"]) == ("Tambah <b>biaya</b>", "analisis")
    assert sendback["nama_peran"] == "Sekretaris Dinas"
    assert sendback["waktu_wib"].endswith("WIB")
    provision = next(d for d in trail["disposisi"] if d["langkah"] == "tindak_lanjut")
    assert "swakelola" in provision["catatan"]
    assert "Tim Aptika" in provision["catatan"]

    page = await api.http.get(f"/trenggalek/kasus/{number}/jejak.html", headers=headers)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert agenda in html
    assert "@media print" in html
    assert "Tambah &lt;b&gt;biaya&lt;/b&gt;" in html
    assert "<b>biaya</b>" not in html
    assert "Sekretaris Dinas" in html
    assert "WIB" in html

    public = await api.http.get(f"/trenggalek/publik/aplikasi/{number}")
    assert public.status_code == 200
    assert public.json()["nama_aplikasi"] == "Antrean MPP"
    assert public.json()["cara_penyediaan"] == "swakelola"
    public_html = await api.http.get(f"/trenggalek/publik/aplikasi/{number}.html")
    assert public_html.status_code == 200
    assert "Antrean MPP" in public_html.text
    listed = (await api.http.get("/trenggalek/publik/aplikasi")).json()
    assert [a["nomor_kasus"] for a in listed] == [number]
    for text in (public.text, public_html.text):
        for personal in ("trenggalek.", "(demo)", "Tim Aptika", "biaya"):
            assert personal not in text


async def test_retried_proposal_with_same_key_creates_one_case(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    first = await propose(api, key="usulan-42")
    again = await propose(api, key="usulan-42")

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["nomor_kasus"] == again.json()["nomor_kasus"]
    assert first.json()["nomor_agenda"] == again.json()["nomor_agenda"]
    with sessions() as s:
        assert s.scalar(select(func.count()).select_from(TrenggalekUsulan)) == 1
        assert s.scalar(select(func.count()).select_from(Case)) == 1


async def test_only_a_fungsional_of_diskominfo_may_propose(api: ApiClient) -> None:
    wrong_role = await propose(api, who=KASI)
    wrong_agency = await propose(api, who=MALANG)
    anonymous = await api.http.post("/trenggalek/usulan", json={"judul": "Aplikasi"})
    headers = await api.as_officer(FUNGSIONAL)
    too_short = await api.http.post("/trenggalek/usulan", json={"judul": "A"}, headers=headers)

    assert (wrong_role.status_code, wrong_role.json()["error"]["code"]) == (403, "wrong_role")
    assert (wrong_agency.status_code, wrong_agency.json()["error"]["code"]) == (
        403,
        "wrong_agency",
    )
    assert anonymous.status_code == 401
    assert too_short.status_code == 422


async def test_bad_actions_get_clear_errors_and_change_nothing(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    number = await new_case(api)
    await my_task(api, FUNGSIONAL, number, "pengumpulan_data")
    data = {"teks": "Data program"}

    wrong_role = await post(api, KASI, number, "pengumpulan_data", data)
    wrong_agency = await post(api, MALANG, number, "pengumpulan_data", data)
    out_of_order = await post(api, KADIS, number, "telaah_pimpinan", {"keputusan": "setuju"})
    empty_text = await post(api, FUNGSIONAL, number, "pengumpulan_data", {"teks": ""})
    unknown = await post(api, FUNGSIONAL, "TRG-TIDAK-ADA", "pengumpulan_data", data)

    assert (wrong_role.status_code, wrong_role.json()["error"]["code"]) == (403, "wrong_role")
    assert (wrong_agency.status_code, wrong_agency.json()["error"]["code"]) == (
        403,
        "wrong_agency",
    )
    assert (out_of_order.status_code, out_of_order.json()["error"]["code"]) == (409, "wrong_step")
    assert out_of_order.json()["error"]["detail"] == {"langkah_sekarang": "pengumpulan_data"}
    assert empty_text.status_code == 422
    assert unknown.status_code == 404

    # a retried action (same Idempotency-Key) acts once and gets the same answer
    once = await post(api, FUNGSIONAL, number, "pengumpulan_data", data, key="aksi-1")
    await my_task(api, FUNGSIONAL, number, "analisis")
    twice = await post(api, FUNGSIONAL, number, "pengumpulan_data", data, key="aksi-1")
    assert (once.status_code, twice.status_code) == (202, 202)
    assert once.json() == twice.json()

    await act(api, FUNGSIONAL, number, "analisis", {"teks": "Analisis"})
    await act(api, KASI, number, "perumusan", {"teks": "Rumusan"})
    await my_task(api, KASI, number, "telaah_pimpinan")
    kasi_approves = await post(api, KASI, number, "telaah_pimpinan", {"keputusan": "setuju"})
    kabid_too_early = await post(
        api, KABID, number, "telaah_pimpinan", {"keputusan": "teruskan", "catatan": "ok"}
    )
    no_target = await post(
        api, KASI, number, "telaah_pimpinan", {"keputusan": "revisi", "catatan": "perbaiki"}
    )
    no_reason = await post(api, KASI, number, "telaah_pimpinan", {"keputusan": "tolak"})
    assert (kasi_approves.status_code, kasi_approves.json()["error"]["code"]) == (
        422,
        "keputusan_tidak_sah",
    )
    assert (kabid_too_early.status_code, kabid_too_early.json()["error"]["code"]) == (
        403,
        "wrong_role",
    )
    assert (no_target.status_code, no_reason.status_code) == (422, 422)

    await climb(api, number)
    kadis_forwards = await post(
        api, KADIS, number, "telaah_pimpinan", {"keputusan": "teruskan", "catatan": "?"}
    )
    assert kadis_forwards.status_code == 422
    await act(api, KADIS, number, "telaah_pimpinan", {"keputusan": "setuju"})
    await my_task(api, KABID, number, "tindak_lanjut")
    vendor_without_ref = {**SWAKELOLA, "cara": "penyedia", "tim": []}
    assert (await post(api, KABID, number, "tindak_lanjut", vendor_without_ref)).status_code == 422
    bad_link = {**LAYANAN, "tautan": "javascript:alert(1)"}
    await act(api, KABID, number, "tindak_lanjut", SWAKELOLA)
    await my_task(api, FUNGSIONAL, number, "penyiapan_layanan")
    assert (await post(api, FUNGSIONAL, number, "penyiapan_layanan", bad_link)).status_code == 422
    await act(api, FUNGSIONAL, number, "penyiapan_layanan", LAYANAN)
    await api.workers.client.get_workflow_handle(f"trenggalek-{number}").result()

    closed = await post(api, FUNGSIONAL, number, "penyiapan_layanan", LAYANAN)
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "case_closed")
    with sessions() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.case_number == number)).all()
    # refused at the door: the workflow refused nothing; the one 403 is in the trail, who and why
    refused = [e for e in events if e.event == "aksi_ditolak"]
    assert [(e.actor, e.step, e.detail["kode"], e.detail["ditolak_oleh"]) for e in refused] == [
        (KASI, "pengumpulan_data", "wrong_role", "api"),
        (MALANG, "pengumpulan_data", "wrong_agency", "api"),
        (KABID, "telaah_pimpinan", "wrong_role", "api"),
    ]
    accepted = [e.step for e in events if e.event == "aksi_diterima"]
    assert accepted.count("pengumpulan_data") == 1


async def test_rejected_proposal_closes_and_has_no_public_page(api: ApiClient) -> None:
    number = await new_case(api)
    await write_all(api, number, "v1")
    await climb(api, number, to="kepala_bidang")
    await act(
        api, KABID, number, "telaah_pimpinan", {"keputusan": "tolak", "catatan": "Tidak prioritas"}
    )
    await api.workers.client.get_workflow_handle(f"trenggalek-{number}").result()

    view = (
        await api.http.get(f"/trenggalek/kasus/{number}", headers=await api.as_officer(KABID))
    ).json()
    assert view["status"] == "ditolak"
    assert view["alasan_penolakan"] == "Ditolak oleh kepala_bidang: Tidak prioritas"
    public = await api.http.get(f"/trenggalek/publik/aplikasi/{number}")
    assert (public.status_code, public.json()["error"]["code"]) == (404, "not_published")
    again = await post(api, KADIS, number, "telaah_pimpinan", {"keputusan": "setuju"})
    assert (again.status_code, again.json()["error"]["code"]) == (409, "case_closed")


async def test_trail_is_for_the_agencys_officers_only(api: ApiClient) -> None:
    number = await new_case(api)
    url = f"/trenggalek/kasus/{number}/jejak"

    other = await api.http.get(url, headers=await api.as_officer(MALANG))
    other_html = await api.http.get(url + ".html", headers=await api.as_officer(MALANG))
    anonymous = await api.http.get(url + ".html")
    missing = await api.http.get(
        "/trenggalek/kasus/TRG-TIDAK-ADA/jejak", headers=await api.as_officer(KASI)
    )
    own = await api.http.get(url, headers=await api.as_officer(SEKRETARIS))

    assert (other.status_code, other.json()["error"]["code"]) == (403, "wrong_agency")
    assert other_html.status_code == 403
    assert anonymous.status_code == 401
    assert missing.status_code == 404
    assert own.status_code == 200
    assert own.json()["arsip"][0]["peristiwa"] == "kasus_dibuka"


@pytest.fixture
async def api_settings(
    workers: RunningWorkers, sessions: sessionmaker[Session], demo_officers: list[str]
) -> AsyncIterator[ApiClient]:
    """The API as ``api`` builds it, with an operator's ``ALUR_TRENGGALEK__...`` changes."""
    settings = Settings(
        environment="test",
        task_queue=workers.task_queue,
        payload_key=TEST_PAYLOAD_KEY,
        public_base_url="http://testserver",
        trenggalek={"max_rounds_per_run": 1, "kode_unit_agenda": "DISKOMINFO"},
    )
    app = create_app(settings, sessions=sessions, temporal=workers.client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield ApiClient(http, workers)


async def test_trenggalek_settings_set_the_agenda_unit_and_the_rounds_per_run(
    api_settings: ApiClient,
) -> None:
    api = api_settings
    r = await propose(api)
    assert r.status_code == 201, r.text
    number, agenda = r.json()["nomor_kasus"], r.json()["nomor_agenda"]
    assert agenda.split("/")[1] == "DISKOMINFO"
    await write_all(api, number, "v1")
    body = {"keputusan": "revisi", "catatan": "Perbaiki", "kembali_ke": "perumusan"}
    await act(api, KASI, number, "telaah_pimpinan", body)
    await write_all(api, number, "v2", first="perumusan")
    await climb(api, number)
    await finish(api, number)

    handle = api.workers.client.get_workflow_handle(f"trenggalek-{number}")
    info = (await handle.describe()).raw_description.workflow_execution_info
    first = api.workers.client.get_workflow_handle(handle.id, run_id=info.first_run_id)
    history = await first.fetch_history()
    # after one round (the setting, not the default 10) the workflow continued as new
    assert history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    r = await api.http.get(f"/trenggalek/kasus/{number}", headers=await api.as_officer(KASI))
    assert r.json()["status"] == "selesai"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("max_rounds_per_run", 0, "greater than 0"),
        ("max_rounds_per_run", "sepuluh", "valid integer"),
        ("kode_unit_agenda", "APTIKA/2", "should match pattern"),
        ("kode_unit_agenda", "", "should match pattern"),
        ("max_round_per_run", 5, "Extra inputs are not permitted"),
    ],
)
def test_trenggalek_settings_refuse_bad_values_by_name(
    field: str, value: object, message: str
) -> None:
    with pytest.raises(ValidationError) as err:
        Settings(trenggalek={field: value})
    text = str(err.value)
    assert f"trenggalek.{field}" in text and message in text


def test_trenggalek_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (
        Settings().trenggalek.max_rounds_per_run
        == UsulanMasuk.model_fields["max_rounds_per_run"].default
    )  # the workflow input's own default: recorded histories replay unchanged
    monkeypatch.setenv("ALUR_TRENGGALEK__MAX_ROUNDS_PER_RUN", "4")
    monkeypatch.setenv("ALUR_TRENGGALEK__KODE_UNIT_AGENDA", "KOMINFO")
    t = Settings().trenggalek
    assert (t.max_rounds_per_run, t.kode_unit_agenda) == (4, "KOMINFO")
    monkeypatch.setenv("ALUR_TRENGGALEK__MAX_ROUNDS_PER_RUN", "-1")
    with pytest.raises(ValidationError, match=r"trenggalek\.max_rounds_per_run"):
        Settings()


async def test_a_retried_proposal_after_rejection_is_found_not_reopened(api: ApiClient) -> None:
    key = "usulan-2026-001"
    first = await propose(api, key)
    number = first.json()["nomor_kasus"]
    await write_all(api, number, "v1")
    await my_task(api, KASI, number, "telaah_pimpinan")
    await act(api, KASI, number, "telaah_pimpinan", {"keputusan": "tolak", "catatan": "Duplikat"})
    handle = api.workers.client.get_workflow_handle(f"trenggalek-{number}")
    await handle.result()
    closed_run = (await handle.describe()).run_id

    again = await propose(api, key)

    assert again.status_code == 200 and again.json()["nomor_kasus"] == number
    latest = await handle.describe()
    assert (latest.run_id, latest.status) == (closed_run, WorkflowExecutionStatus.COMPLETED)
    view = await api.http.get(f"/trenggalek/kasus/{number}", headers=await api.as_officer(KASI))
    assert (view.json()["status"], view.json()["langkah_sekarang"]) == ("ditolak", None)


async def test_an_idempotency_key_belongs_to_the_officer_who_sent_it(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    with transaction(sessions) as s:
        s.add(
            Officer(
                username="trenggalek.fungsional.2",
                full_name="Fungsional kedua",
                password_hash=hash_password("alur-demo-2026"),
                agency="trenggalek-diskominfo",
                unit="Bidang Aplikasi dan Informatika",
                role="fungsional",
            )
        )
    key = "usulan-2026-001"  # the docs' example: two officers may well both send it
    mine = await propose(api, key)
    theirs = await propose(api, key, who="trenggalek.fungsional.2")
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["nomor_kasus"] != theirs.json()["nomor_kasus"]

    number = mine.json()["nomor_kasus"]
    await write_all(api, number, "v1")
    for who in (KASI, KABID):  # each level's "Teruskan" button sends key "teruskan-1"
        await my_task(api, who, number, "telaah_pimpinan")
        body = {"keputusan": "teruskan", "catatan": "Layak"}
        r = await post(api, who, number, "telaah_pimpinan", body, key="teruskan-1")
        assert r.status_code == 202, r.text
    await my_task(api, SEKRETARIS, number, "telaah_pimpinan")  # the Kabid's forward was taken
