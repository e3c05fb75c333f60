"""The invented SOP of tests/sop_contoh.py over HTTP, as docs/sop-baru.md walks it: the proof that
a new SOP is its catalogue, step table and workflow, and nothing more.

The app is the real one with the contoh router included; the workers are the real case-record and
notification activities on the time-skipping server, with the contoh workflow registered
(``worker.build_workers`` takes no extra workflows, so the two workers are built here as it builds
them). Everything is read back the way an officer reads it: GET /tasks, the case view, the outbox.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.calendar import CalendarActivities
from activities.case_records import CaseRecordActivities
from activities.dev_outbox import DevOutboxSender
from activities.notifications import NotificationActivities
from alur.security import hash_password
from alur.seed import DEMO_PASSWORD
from alur.settings import Settings
from alur.settings_kalender import KalenderSettings
from api.main import create_app
from db.models import AuditEvent, Officer
from db.session import transaction
from tests.conftest import TEST_PAYLOAD_KEY, ApiClient, RunningWorkers
from tests.sop_contoh import CONTOH, LANGKAH, ContohSuratKeterangan, router

PETUGAS, LURAH, CAMAT = "contoh.petugas_loket", "contoh.lurah", "contoh.camat"
LAIN = "lain.petugas_loket"
"""A counter officer of another kelurahan: same role, other agency."""
PHONES = {PETUGAS: "+6281300000001", LURAH: "+6281300000002", CAMAT: "+6281300000003"}
LAIN_PHONE = "+6281300000009"


def _seed_officers(sessions: sessionmaker[Session]) -> None:
    hashed = hash_password(DEMO_PASSWORD)
    people = [
        (PETUGAS, "petugas_loket", CONTOH.agensi, PHONES[PETUGAS]),
        (LURAH, "lurah", CONTOH.agensi, PHONES[LURAH]),
        (CAMAT, "camat", CONTOH.agensi, PHONES[CAMAT]),
        (LAIN, "petugas_loket", "lain-kelurahan", LAIN_PHONE),
        ("lain.lurah", "lurah", "lain-kelurahan", LAIN_PHONE),
    ]
    with transaction(sessions) as s:
        for username, role, agency, phone in people:
            s.add(
                Officer(
                    username=username,
                    full_name=f"{role} (uji)",
                    password_hash=hashed,
                    agency=agency,
                    unit="Kelurahan Contoh",
                    role=role,
                    phone=phone,
                )
            )


@pytest.fixture
async def api(
    ts_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> AsyncIterator[ApiClient]:
    """The app with the contoh router, and the two workers with the contoh workflow."""
    queue = f"contoh-{uuid.uuid4().hex[:8]}"
    sender = DevOutboxSender()
    # The step deadlines, on the always-open test calendar (see tests/conftest.py): the step's
    # own activity computes them (trail.ONE_ACTIVITY_PATCH), the calendar's for older runs.
    always_open = KalenderSettings(selalu_kerja=True)
    records = CaseRecordActivities(sessions, always_open)
    notify = NotificationActivities(sender, sessions, None)
    _seed_officers(sessions)
    settings = Settings(
        environment="test",
        task_queue=queue,
        payload_key=TEST_PAYLOAD_KEY,
        public_base_url="http://testserver",
    )
    calendar = CalendarActivities(settings.model_copy(update={"kalender": always_open}))
    app = create_app(settings, sessions=sessions, temporal=ts_env.client)
    app.include_router(router)
    with ThreadPoolExecutor(max_workers=4) as pool:
        main = Worker(
            ts_env.client,
            task_queue=queue,
            workflows=[ContohSuratKeterangan],
            activities=[
                records.record_case,
                records.enter_step,
                records.complete_step,
                records.record_audit,
                records.record_breach,
                records.close_case,
                calendar.batas_waktu,
            ],
            activity_executor=pool,
        )
        notifications = Worker(
            ts_env.client,
            task_queue=f"{queue}-notifications",
            activities=[notify.notify_citizen, notify.notify_officers],
            activity_executor=pool,
        )
        transport = httpx.ASGITransport(app=app)
        async with main, notifications:
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as h:
                yield ApiClient(h, RunningWorkers(ts_env.client, queue, sender))


# --- what an officer does and sees --------------------------------------------------------------
async def apply(api: ApiClient) -> str:
    r = await api.http.post("/contoh/permohonan", json={"jenis": "domisili", "nama": "Siti Aminah"})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "diterima"
    return str(r.json()["nomor_kasus"])


async def post(api: ApiClient, who: str, number: str, step: str, body: dict[str, Any]) -> Any:
    headers = await api.as_officer(who)
    return await api.http.post(f"/contoh/kasus/{number}/{step}", json=body, headers=headers)


async def act(api: ApiClient, who: str, number: str, step: str, body: dict[str, Any]) -> None:
    """Act as ``who`` once the case has reached ``step`` (409 until then)."""
    for _ in range(300):
        r = await post(api, who, number, step, body)
        if r.status_code != 409 or r.json()["error"]["code"] not in ("wrong_step", "case_busy"):
            assert r.status_code == 202, r.text
            assert r.json()["langkah"] == step
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{number} never reached {step}")


async def my_tasks(api: ApiClient, who: str, number: str) -> list[dict[str, Any]]:
    r = await api.http.get("/tasks", headers=await api.as_officer(who))
    assert r.status_code == 200, r.text
    return [t for t in r.json() if t["case_number"] == number]


async def task_of(api: ApiClient, who: str, number: str, step: str, round: int = 1) -> Any:
    """The open task of ``step`` in ``who``'s GET /tasks, once it is there."""
    for _ in range(300):
        for t in await my_tasks(api, who, number):
            if t["step"] == step and t["round"] == round:
                return t
        await asyncio.sleep(0.02)
    raise AssertionError(f"{step} (round {round}) never reached {who}'s tasks")


async def view(api: ApiClient, number: str, who: str = PETUGAS) -> dict[str, Any]:
    r = await api.http.get(f"/contoh/kasus/{number}", headers=await api.as_officer(who))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def closed(api: ApiClient, number: str) -> dict[str, Any]:
    await api.workers.client.get_workflow_handle(f"contoh-{number}").result()
    return await view(api, number)


def lines(case: dict[str, Any]) -> list[tuple[str, str | None, int | None]]:
    return [(a["event"], a["step"], a["round"]) for a in case["jejak_audit"]]


def _step_lines(step: str, round: int) -> list[tuple[str, str | None, int | None]]:
    return [(e, step, round) for e in ("langkah_dimulai", "aksi_diterima", "langkah_selesai")]


# --- the tests ----------------------------------------------------------------------------------
def test_every_step_of_the_table_has_its_route() -> None:
    app = create_app(Settings(environment="test"))
    app.include_router(router)
    head = "/contoh/kasus/{nomor_kasus}/"
    paths = app.openapi()["paths"]
    posts = {p.removeprefix(head) for p in paths if p.startswith(head) and "post" in paths[p]}
    assert posts == {s.kode for s in CONTOH.langkah} == set(LANGKAH.by_kode)
    assert [LANGKAH.roles(s.kode) for s in CONTOH.langkah] == [
        ("petugas_loket",),
        ("petugas_loket",),
        ("lurah",),
    ]


async def test_letter_runs_three_steps_with_one_send_back_and_a_trail_of_each_line_once(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    number = await apply(api)

    task = await task_of(api, PETUGAS, number, "verifikasi")
    assert task["title"] == f"Verifikasi berkas surat keterangan domisili {number}"
    assert task["overdue"] is False and task["role"] == "petugas_loket"
    assert await my_tasks(api, LURAH, number) == []

    # The lurah may not verify, nor may a counter officer of another kelurahan: 403, in the trail.
    r = await post(api, LURAH, number, "verifikasi", {"lengkap": True})
    assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_role"
    assert r.json()["error"]["message"] == (
        "Langkah verifikasi dilakukan oleh peran petugas_loket, bukan lurah"
    )
    r = await post(api, LAIN, number, "verifikasi", {"lengkap": True})
    assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_agency"
    await act(api, PETUGAS, number, "verifikasi", {"lengkap": True})

    task = await task_of(api, PETUGAS, number, "konsep_surat")
    assert task["title"] == "Susun konsep surat keterangan domisili"
    surat = {"nomor_surat": "470/12/KC/2026", "isi": "Menerangkan berdomisili di RT 01 RW 02."}
    await act(api, PETUGAS, number, "konsep_surat", surat)

    task = await task_of(api, LURAH, number, "persetujuan")
    assert task["title"] == "Setujui surat keterangan domisili nomor 470/12/KC/2026"
    assert await my_tasks(api, PETUGAS, number) == []
    # A send-back without notes is refused at the door, in Indonesian; with notes it goes back.
    r = await post(api, LURAH, number, "persetujuan", {"setuju": False})
    assert r.status_code == 422
    assert "catatan wajib diisi bila surat dikembalikan untuk revisi" in r.text
    kembali = {"setuju": False, "catatan": "Alamat belum lengkap"}
    await act(api, LURAH, number, "persetujuan", kembali)

    task = await task_of(api, PETUGAS, number, "konsep_surat", round=2)
    assert task["title"] == (
        "Susun konsep surat keterangan domisili (revisi ke-1: Alamat belum lengkap)"
    )
    surat["isi"] = "Menerangkan berdomisili di Jl. Melati 3, RT 01 RW 02."
    await act(api, PETUGAS, number, "konsep_surat", surat)
    await task_of(api, LURAH, number, "persetujuan", round=2)
    await act(api, LURAH, number, "persetujuan", {"setuju": True})

    case = await closed(api, number)
    assert case["status"] == "selesai" and case["langkah_sekarang"] is None
    assert case["tanggapan"] == (
        "Surat keterangan domisili nomor 470/12/KC/2026 dapat diambil di loket."
    )
    assert case["sla_terlampaui"] is False
    assert [(t["step"], t["round"], t["status"], t["completed_by"]) for t in case["tugas"]] == [
        ("verifikasi", 1, "done", PETUGAS),
        ("konsep_surat", 1, "done", PETUGAS),
        ("persetujuan", 1, "done", LURAH),
        ("konsep_surat", 2, "done", PETUGAS),
        ("persetujuan", 2, "done", LURAH),
    ]
    assert lines(case) == [
        ("kasus_dibuka", None, None),
        ("langkah_dimulai", "verifikasi", 1),
        ("aksi_ditolak", "verifikasi", None),
        ("aksi_ditolak", "verifikasi", None),
        *_step_lines("verifikasi", 1)[1:],
        *_step_lines("konsep_surat", 1),
        *_step_lines("persetujuan", 1),
        *_step_lines("konsep_surat", 2),
        *_step_lines("persetujuan", 2),
        ("kasus_selesai", None, None),
    ]
    refused = [a for a in case["jejak_audit"] if a["event"] == "aksi_ditolak"]
    assert [(a["actor"], a["detail"]["kode"]) for a in refused] == [
        (LURAH, "wrong_role"),
        (LAIN, "wrong_agency"),
    ]
    verdicts = [
        a["detail"]["keputusan"]
        for a in case["jejak_audit"]
        if a["event"] == "aksi_diterima" and a["step"] == "persetujuan"
    ]
    assert verdicts == ["revisi", "setuju"]
    with sessions() as s:
        keys = s.scalars(select(AuditEvent.event_key).where(AuditEvent.case_number == number))
        assert len(set(keys.all())) == len(case["jejak_audit"])
    assert await my_tasks(api, PETUGAS, number) == await my_tasks(api, LURAH, number) == []


async def test_late_verification_is_breached_shown_overdue_and_escalated_to_the_lurah(
    api: ApiClient, ts_env: WorkflowEnvironment
) -> None:
    number = await apply(api)
    await task_of(api, PETUGAS, number, "verifikasi")

    await ts_env.sleep(timedelta(minutes=16))  # past verifikasi's 15 menit
    for _ in range(300):
        case = await view(api, number)
        if "eskalasi" in [a["event"] for a in case["jejak_audit"]]:
            break
        await asyncio.sleep(0.02)
    else:
        raise AssertionError("the breach was never escalated")

    assert case["sla_terlampaui"] is True
    task = await task_of(api, PETUGAS, number, "verifikasi")
    assert task["overdue"] is True
    breach = next(a for a in case["jejak_audit"] if a["event"] == "sla_terlampaui")
    assert breach["step"] == "verifikasi"
    assert breach["detail"]["mutu_baku"] == "15 menit"
    assert breach["detail"]["pelaksana"] == "petugas_loket"
    escalation = next(a for a in case["jejak_audit"] if a["event"] == "eskalasi")
    assert escalation["detail"]["kepada_peran"] == "lurah"
    assert escalation["detail"]["terkirim"] == 1

    r = await api.http.get("/dev/outbox", params={"case_number": number})
    assert r.status_code == 200, r.text
    sent = r.json()
    assert [(m["recipient"], m["purpose"], m["channel"]) for m in sent] == [
        (PHONES[LURAH], "eskalasi", "sms")
    ]
    assert sent[0]["body"] == (
        f"[Alur] Kasus {number}: langkah verifikasi melewati mutu baku 15 menit. "
        "Mohon ditindaklanjuti oleh petugas_loket."
    )

    # The late officer still acts: an incomplete file closes the case, late, with its reason.
    catatan = "Surat pengantar RT/RW belum ada"
    await act(api, PETUGAS, number, "verifikasi", {"lengkap": False, "catatan": catatan})
    case = await closed(api, number)
    assert case["status"] == "ditutup"
    assert case["alasan_penutupan"] == f"Berkas tidak lengkap: {catatan}"
    assert [e for e, _, _ in lines(case)] == [
        "kasus_dibuka",
        "langkah_dimulai",
        "sla_terlampaui",
        "eskalasi",
        "aksi_diterima",
        "langkah_selesai",
        "kasus_ditutup",
    ]
    done = next(a for a in case["jejak_audit"] if a["event"] == "langkah_selesai")
    assert done["detail"]["tepat_waktu"] is False
    assert [t["overdue"] for t in case["tugas"]] == [True]
    r = await post(api, PETUGAS, number, "konsep_surat", {"nomor_surat": "1", "isi": "x"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "case_closed"
