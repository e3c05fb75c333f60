"""The Malang SOP over HTTP, against a real worker on the time-skipping server: a citizen files a
report, officers act step by step, and every bad request gets a clear 4xx and changes nothing."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

from db.models import AuditEvent, Case, Notification, Officer, Task
from tests.conftest import ApiClient
from tests.malang_helpers import ONE_REVISION

TIK, KABAG, KASUBAG, STAF = (
    "malang.pengelola_tik",
    "malang.kabag",
    "malang.kasubag",
    "malang.pelaksana",
)
REPORT = {
    "jenis": "pengaduan",
    "kanal": "sambat_online",
    "judul": "Lampu jalan mati",
    "isi": "Lampu jalan di Jl. Ijen mati sejak Senin.",
}
CONTACT = {"nama": "Budi Santoso", "telepon": "0812-3456-7890", "kanal_balasan": "whatsapp"}


async def file_report(api: ApiClient, **extra: Any) -> str:
    r = await api.http.post("/malang/laporan", json={**REPORT, **extra})
    assert r.status_code == 201, r.text
    return str(r.json()["nomor_kasus"])


async def act(api: ApiClient, who: str, number: str, step: str, body: dict[str, Any]) -> Any:
    """Act as ``who`` once the case has reached ``step`` (409 until then)."""
    headers = await api.as_officer(who)
    for _ in range(200):
        r = await api.http.post(f"/malang/kasus/{number}/{step}", json=body, headers=headers)
        if r.status_code != 409 or r.json()["error"]["code"] not in ("wrong_step", "case_busy"):
            assert r.status_code == 202, r.text
            return r.json()
        await asyncio.sleep(0.02)
    raise AssertionError(f"{number} never reached {step}")


async def officer_view(api: ApiClient, number: str, who: str = TIK) -> dict[str, Any]:
    r = await api.http.get(f"/malang/kasus/{number}", headers=await api.as_officer(who))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def wait_closed(api: ApiClient, number: str) -> dict[str, Any]:
    handle = api.workers.client.get_workflow_handle(f"malang-{number}")
    await handle.result()
    r = await api.http.get(f"/publik/kasus/{number}")
    return dict(r.json())


async def walk_to_review(api: ApiClient, number: str) -> None:
    await act(api, TIK, number, "penerimaan", {"keputusan": "teruskan"})
    await act(api, KABAG, number, "disposisi", {"kasubag": KASUBAG, "instruksi": "Tindak lanjuti"})
    await act(api, KASUBAG, number, "perintah", {"pelaksana": STAF, "instruksi": "Siapkan"})


async def test_complaint_walks_all_seven_steps_and_citizen_gets_the_answer(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    number = await file_report(api, kontak=CONTACT)
    await walk_to_review(api, number)
    await act(api, STAF, number, "draf_tanggapan", {"draf": "Akan diperbaiki."})
    await act(api, STAF, number, "pengajuan_draf", {})
    await act(api, KASUBAG, number, "telaah", {"setuju": False, "catatan": "Sebut tanggalnya"})
    await act(api, STAF, number, "draf_tanggapan", {"draf": "Diperbaiki Rabu 25 November."})
    await act(api, STAF, number, "pengajuan_draf", {})
    await act(api, KASUBAG, number, "telaah", {"setuju": True})
    await act(api, TIK, number, "penyampaian", {})
    public = await wait_closed(api, number)

    assert public["status"] == "selesai"
    assert public["tanggapan"] == "Diperbaiki Rabu 25 November."
    text = json.dumps(public)
    for personal in ("Budi", "0812", "+62812", "Ijen"):
        assert personal not in text

    view = await officer_view(api, number)
    assert view["kontak"] == {
        "nama": "B*** S******",
        "telepon": "+62812****7890",
        "kanal_balasan": "whatsapp",
    }
    done = [(t["step"], t["round"]) for t in view["tugas"]]
    assert done == ONE_REVISION
    notes = [
        a["detail"].get("catatan")
        for a in view["jejak_audit"]
        if a["event"] == "aksi_diterima" and a["step"] == "telaah"
    ]
    assert notes == ["Sebut tanggalnya", None]
    with sessions() as s:
        every = s.scalars(select(Notification).where(Notification.case_number == number)).all()
    sent = [n for n in every if n.purpose != "penugasan"]
    assert [(n.channel, n.recipient, n.purpose) for n in sent] == [
        ("whatsapp", "+6281234567890", "tanggapan")
    ]
    assert "Diperbaiki Rabu 25 November." in sent[0].body
    # each task addressed to a named officer told them once, by SMS (the Kasubag, the pelaksana)
    told = sorted((n.step or "", n.channel) for n in every if n.purpose == "penugasan")
    rounds = ("draf_tanggapan", "pengajuan_draf", "telaah")  # twice: one send-back
    assert told == sorted([("perintah", "sms")] + [(step, "sms") for step in rounds] * 2)


async def test_same_idempotency_key_files_one_case(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    headers = {"Idempotency-Key": "frontend-retry-7f3a"}
    first = await api.http.post("/malang/laporan", json=REPORT, headers=headers)
    again = await api.http.post("/malang/laporan", json=REPORT, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["nomor_kasus"] == again.json()["nomor_kasus"]
    with sessions() as s:
        assert s.scalar(select(func.count(Case.id))) == 1


async def test_bad_reports_are_422_with_a_message_and_nothing_is_filed(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    cases = [
        {**REPORT, "kontak": {"telepon": "021-5551234"}},
        {**REPORT, "kontak": {"telepon": "bukan nomor"}},
        {**REPORT, "jenis": "keluhan"},
        {k: v for k, v in REPORT.items() if k != "isi"},
    ]
    for body in cases:
        r = await api.http.post("/malang/laporan", json=body)
        assert r.status_code == 422, body
        assert r.json()["error"]["code"] == "invalid_request"
        assert r.json()["error"]["message"].startswith("Data tidak valid")
    r = await api.http.post(
        "/malang/laporan", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert r.status_code == 422
    r = await api.http.post(
        "/malang/laporan", json={**REPORT, "kontak": {"telepon": "021-5551234"}}
    )
    assert "seluler" in r.json()["error"]["message"]
    with sessions() as s:
        assert s.scalar(select(func.count(Case.id))) == 0


async def test_unknown_case_is_404_everywhere(api: ApiClient) -> None:
    assert (await api.http.get("/publik/kasus/MLG-NOPE")).status_code == 404
    headers = await api.as_officer(TIK)
    r = await api.http.get("/malang/kasus/MLG-NOPE", headers=headers)
    assert r.status_code == 404 and r.json()["error"]["code"] == "case_not_found"
    r = await api.http.post(
        "/malang/kasus/MLG-NOPE/penerimaan", json={"keputusan": "teruskan"}, headers=headers
    )
    assert r.status_code == 404


async def test_out_of_order_wrong_role_and_other_agency_are_refused_and_change_nothing(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    number = await file_report(api)
    await act(api, TIK, number, "penerimaan", {"keputusan": "teruskan"})
    await act(api, KABAG, number, "disposisi", {"kasubag": KASUBAG, "instruksi": "Tindak lanjuti"})
    # the case waits on perintah now
    await _wait_step(api, number, "perintah")
    with sessions() as s:
        before = s.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.case_number == number))

    r = await api.http.post(
        f"/malang/kasus/{number}/telaah",
        json={"setuju": True},
        headers=await api.as_officer(KASUBAG),
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "wrong_step"
    assert r.json()["error"]["detail"] == {"langkah_sekarang": "perintah"}

    r = await api.http.post(
        f"/malang/kasus/{number}/perintah",
        json={"pelaksana": STAF, "instruksi": "x"},
        headers=await api.as_officer(STAF),
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_role"

    r = await api.http.post(
        f"/malang/kasus/{number}/perintah",
        json={"pelaksana": STAF, "instruksi": "x"},
        headers=await api.as_officer("trenggalek.kasi"),
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "wrong_agency"
    r = await api.http.get(
        f"/malang/kasus/{number}", headers=await api.as_officer("trenggalek.kasi")
    )
    assert r.status_code == 403

    r = await api.http.post(
        f"/malang/kasus/{number}/perintah",
        json={"pelaksana": "malang.tidak_ada", "instruksi": "x"},
        headers=await api.as_officer(KASUBAG),
    )
    assert r.status_code == 422 and r.json()["error"]["code"] == "unknown_officer"

    r = await api.http.post(
        f"/malang/kasus/{number}/perintah",
        json={"pelaksana": STAF},
        headers=await api.as_officer(KASUBAG),
    )
    assert r.status_code == 422 and "instruksi" in r.json()["error"]["message"]

    # the case did not move; the two 403s are in its trail (who tried, and why), the 409 and
    # the 422s are not (a polling client or a typo would flood it)
    with sessions() as s:
        after = s.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_number == number, AuditEvent.id > before)
            .order_by(AuditEvent.id)
        ).all()
    assert [(e.event, e.actor, e.actor_role, e.step) for e in after] == [
        ("aksi_ditolak", STAF, "pelaksana", "perintah"),
        ("aksi_ditolak", "trenggalek.kasi", "kasi", "perintah"),
    ]
    assert after[0].detail["kode"] == "wrong_role"
    assert after[1].detail["kode"] == "wrong_agency"
    assert after[1].detail["instansi"] == "trenggalek-diskominfo"
    assert after[1].detail["alasan"] == "Kasus ini milik instansi lain"
    view = await officer_view(api, number)
    assert view["status_langsung"]["current_step"] == "perintah"
    shown = [e for e in view["jejak_audit"] if e["event"] == "aksi_ditolak"]
    assert [e["actor"] for e in shown] == [STAF, "trenggalek.kasi"]


async def _wait_step(api: ApiClient, number: str, step: str) -> None:
    handle = api.workers.client.get_workflow_handle(f"malang-{number}")
    for _ in range(200):
        status = await handle.query("status")
        if status["current_step"] == step:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"never reached {step}")


async def test_sending_a_draft_back_needs_notes(api: ApiClient) -> None:
    number = await file_report(api)
    await walk_to_review(api, number)
    await act(api, STAF, number, "draf_tanggapan", {"draf": "Draf"})
    await act(api, STAF, number, "pengajuan_draf", {})
    await _wait_step(api, number, "telaah")
    r = await api.http.post(
        f"/malang/kasus/{number}/telaah",
        json={"setuju": False},
        headers=await api.as_officer(KASUBAG),
    )
    assert r.status_code == 422
    assert "catatan wajib diisi" in r.json()["error"]["message"]


async def test_spam_is_closed_with_its_reason_and_later_actions_are_409(api: ApiClient) -> None:
    number = await file_report(api)
    await _wait_step(api, number, "penerimaan")
    r = await api.http.post(
        f"/malang/kasus/{number}/penerimaan",
        json={"keputusan": "spam"},
        headers=await api.as_officer(TIK),
    )
    assert r.status_code == 422 and "alasan" in r.json()["error"]["message"]
    await act(api, TIK, number, "penerimaan", {"keputusan": "spam", "alasan": "Iklan judi"})
    public = await wait_closed(api, number)
    assert public["status"] == "ditutup"
    assert public["alasan_penutupan"] == "Spam: Iklan judi"
    r = await api.http.post(
        f"/malang/kasus/{number}/disposisi",
        json={"kasubag": KASUBAG, "instruksi": "x"},
        headers=await api.as_officer(KABAG),
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "case_closed"


async def test_inbox_shows_my_tasks_with_deadline_and_turns_overdue(
    api: ApiClient, ts_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> None:
    number = await file_report(api)
    await _wait_step(api, number, "penerimaan")
    for _ in range(100):
        with sessions() as s:
            if s.scalar(select(Task.id).where(Task.case_number == number)):
                break
        await asyncio.sleep(0.02)
    mine = (await api.http.get("/tasks", headers=await api.as_officer(TIK))).json()
    task = next(t for t in mine if t["case_number"] == number)
    assert task["step"] == "penerimaan" and task["overdue"] is False
    from datetime import datetime

    opened, due = (datetime.fromisoformat(task[k]) for k in ("opened_at", "due_at"))
    assert due - opened == timedelta(minutes=15)
    kabag = (await api.http.get("/tasks", headers=await api.as_officer(KABAG))).json()
    assert all(t["case_number"] != number for t in kabag)

    await ts_env.sleep(timedelta(minutes=16))
    for _ in range(200):
        with sessions() as s:
            overdue = s.scalar(select(Task.overdue).where(Task.case_number == number))
        if overdue:
            break
        await asyncio.sleep(0.02)
    mine = (await api.http.get("/tasks", headers=await api.as_officer(TIK))).json()
    assert next(t for t in mine if t["case_number"] == number)["overdue"] is True
    view = await officer_view(api, number)
    assert view["sla_terlampaui"] is True
    assert "sla_terlampaui" in [a["event"] for a in view["jejak_audit"]]


async def test_login_and_tokens(api: ApiClient) -> None:
    r = await api.http.post("/auth/login", data={"username": TIK, "password": "salah"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "bad_credentials"
    r = await api.http.post("/auth/login", data={"username": "tidak.ada", "password": "x"})
    assert r.status_code == 401
    assert (await api.http.get("/tasks")).status_code == 401
    r = await api.http.get("/tasks", headers={"Authorization": "Bearer rusak"})
    assert r.status_code == 401 and r.json()["error"]["message"] == "Token tidak valid"
    me = (await api.http.get("/auth/me", headers=await api.as_officer(KABAG))).json()
    assert (me["role"], me["agency"]) == ("kabag", "malang-bagpem")


async def test_catalogue_is_served(api: ApiClient) -> None:
    sops = (await api.http.get("/sop")).json()
    assert len(sops) == 4
    malang = (await api.http.get("/sop/malang-pengelolaan-tik")).json()
    assert [s["kode"] for s in malang["langkah"]] == [
        "penerimaan",
        "disposisi",
        "perintah",
        "draf_tanggapan",
        "pengajuan_draf",
        "telaah",
        "penyampaian",
    ]
    assert {s["waktu"] for s in malang["langkah"]} == {"PT15M"}
    assert (await api.http.get("/sop/nope")).status_code == 404


async def test_a_retried_action_with_its_key_is_accepted_once(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    number = await file_report(api)
    await _wait_step(api, number, "penerimaan")
    headers = {**await api.as_officer(TIK), "Idempotency-Key": "klik-terima-1"}
    body = {"keputusan": "teruskan"}
    first = await api.http.post(f"/malang/kasus/{number}/penerimaan", json=body, headers=headers)
    assert first.status_code == 202
    await _wait_step(api, number, "disposisi")
    for _ in range(100):  # the read model catches up with the workflow
        with sessions() as s:
            done = s.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.case_number == number, AuditEvent.event == "aksi_diterima"
                )
            )
        if done:
            break
        await asyncio.sleep(0.02)
    again = await api.http.post(f"/malang/kasus/{number}/penerimaan", json=body, headers=headers)
    assert again.status_code == 202
    assert again.json() == first.json()
    with sessions() as s:
        events = s.scalars(
            select(AuditEvent.event).where(
                AuditEvent.case_number == number, AuditEvent.step == "penerimaan"
            )
        ).all()
    assert events.count("aksi_diterima") == 1 and "aksi_ditolak" not in events
    other = await api.http.post(
        f"/malang/kasus/{number}/penerimaan", json=body, headers=await api.as_officer(TIK)
    )
    assert other.status_code == 409


async def test_retrying_the_filing_after_the_case_closed_finds_it_closed(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    headers = {"Idempotency-Key": "frontend-retry-closed"}
    first = await api.http.post("/malang/laporan", json=REPORT, headers=headers)
    number = first.json()["nomor_kasus"]
    await act(api, TIK, number, "penerimaan", {"keputusan": "spam", "alasan": "Iklan judi"})
    assert (await wait_closed(api, number))["status"] == "ditutup"
    handle = api.workers.client.get_workflow_handle(f"malang-{number}")
    closed_run = (await handle.describe()).run_id

    again = await api.http.post("/malang/laporan", json=REPORT, headers=headers)

    assert again.status_code == 200 and again.json()["nomor_kasus"] == number
    assert (await api.http.get(f"/publik/kasus/{number}")).json()["status"] == "ditutup"
    latest = await handle.describe()  # no new run: the closed case is not reopened
    assert (latest.run_id, latest.status) == (closed_run, WorkflowExecutionStatus.COMPLETED)
    with sessions() as s:
        opened = s.scalars(
            select(AuditEvent.event).where(
                AuditEvent.case_number == number, AuditEvent.event == "kasus_dibuka"
            )
        ).all()
    assert len(opened) == 1


async def test_the_same_key_from_another_officer_is_another_action(api: ApiClient) -> None:
    number = await file_report(api)
    await _wait_step(api, number, "penerimaan")
    key = {"Idempotency-Key": "klik-1"}  # a frontend counting its clicks from 1, per officer
    r = await api.http.post(
        f"/malang/kasus/{number}/penerimaan",
        json={"keputusan": "teruskan"},
        headers={**await api.as_officer(TIK), **key},
    )
    assert r.status_code == 202
    await _wait_step(api, number, "disposisi")
    r = await api.http.post(
        f"/malang/kasus/{number}/disposisi",
        json={"kasubag": KASUBAG, "instruksi": "Koordinasikan"},
        headers={**await api.as_officer(KABAG), **key},
    )
    assert r.status_code == 202
    await _wait_step(api, number, "perintah")  # the Kabag's action was taken, not dropped


async def test_a_deactivated_officer_acts_on_nothing(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    """Their token is still valid, but the account is read with the case: 401 on a real case
    and on an unknown one alike (no case numbers learnt), nothing claimed, nothing in the trail."""
    number = await file_report(api)
    await _wait_step(api, number, "penerimaan")
    headers = await api.as_officer(TIK)
    with sessions() as s:
        s.execute(update(Officer).where(Officer.username == TIK).values(active=False))
        s.commit()
        before = s.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.case_number == number))
    try:
        for case in (number, "MLG-NOPE"):
            r = await api.http.post(
                f"/malang/kasus/{case}/penerimaan", json={"keputusan": "teruskan"}, headers=headers
            )
            assert r.status_code == 401, r.text
            assert r.json()["error"]["message"] == "Akun tidak aktif"
        with sessions() as s:
            after = s.scalar(
                select(func.count(AuditEvent.id)).where(AuditEvent.case_number == number)
            )
            task = s.scalars(select(Task).where(Task.case_number == number)).one()
        assert after == before and task.acting_action_id is None and task.status == "open"
    finally:
        with sessions() as s:
            s.execute(update(Officer).where(Officer.username == TIK).values(active=True))
            s.commit()


async def test_a_claim_whose_commit_was_lost_is_released_for_the_retry(
    api: ApiClient, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database drops the connection as the claim commits: the claim landed but the API saw
    an error (503) and sent no signal. The officer's retry, a moment later, goes through: it is
    not told for two minutes that they themselves already acted (the chaos test's find), even
    when it comes before the release has landed (5 runs)."""
    import api.cases.routes as routes

    real = routes._claim

    def lost_commit(*args: Any) -> None:
        real(*args)  # committed...
        monkeypatch.setattr(routes, "_claim", real)
        raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(routes, "RELEASE_RETRY_S", 0.05)
    headers = await api.as_officer(TIK)
    for _ in range(5):  # the retry raced the release: 1 run in 10 failed before ``_released``
        monkeypatch.setattr(routes, "_claim", lost_commit)
        number = await file_report(api)
        await _wait_step(api, number, "penerimaan")
        url = f"/malang/kasus/{number}/penerimaan"
        first = await api.http.post(url, json={"keputusan": "teruskan"}, headers=headers)
        assert first.status_code == 503, first.text
        for _ in range(100):
            retry = await api.http.post(url, json={"keputusan": "teruskan"}, headers=headers)
            if retry.status_code != 409 or retry.json()["error"]["code"] != "case_busy":
                break
            await asyncio.sleep(0.05)
        assert retry.status_code == 202, retry.text
        await _wait_step(api, number, "disposisi")
        with sessions() as s:
            refused = s.scalar(
                select(func.count(AuditEvent.id)).where(
                    AuditEvent.case_number == number, AuditEvent.event == "aksi_ditolak"
                )
            )
        assert refused == 0


async def test_an_action_sent_as_the_case_opens_waits_for_its_first_task(
    dev_env: WorkflowEnvironment, sessions: sessionmaker[Session], demo_officers: list[str]
) -> None:
    """The README's walk-through sends its first action the moment the report is filed. On a
    loaded machine (CI's run-stack test, a worker just restarted) the case had not opened its first
    task yet, the workflow said so, and the officer got 409 ``case_busy``: every later step of
    the walk-through then failed. Here the worker comes up 0.5 s after the report is filed and the
    action is sent; it waits for the task and is accepted. Each of 5 runs, on the dev server."""
    from activities.dev_outbox import DevOutboxSender
    from tests.conftest import RunningWorkers, api_over
    from worker import build_workers

    for run in range(5):
        queue = f"late-{run}-{uuid.uuid4().hex[:6]}"
        later = RunningWorkers(dev_env.client, queue, DevOutboxSender())
        async with api_over(later, sessions) as api:
            headers = await api.as_officer(TIK)
            number = await file_report(api)
            url = f"/malang/kasus/{number}/penerimaan"
            action = asyncio.create_task(
                api.http.post(url, json={"keputusan": "teruskan"}, headers=headers)
            )
            await asyncio.sleep(0.5)
            ws = build_workers(
                dev_env.client, task_queue=queue, session_factory=sessions, sender=later.sender
            )
            async with ws[0], ws[1]:
                r = await action
                assert r.status_code == 202, (run, r.text)
                await _wait_step(api, number, "disposisi")
