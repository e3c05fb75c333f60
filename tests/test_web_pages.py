"""The officers' web app over HTTP, against a real worker on the time-skipping server: login and
its throttle, CSRF, the inbox and its claims, the case page and the forms of every Malang step,
the leaders' summary and the operator's codec by session."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import AuditEvent, Case, Notification, Task
from sop.malang import MALANG
from tests.conftest import RunningWorkers
from tests.web_helpers import (
    KABAG,
    KASUBAG,
    STAF,
    TIK,
    browser,
    csrf_of,
    file_report,
    form_page,
    log_in,
    submit,
    text_of,
    web_app,
)


@pytest.fixture
def app(
    workers: RunningWorkers, sessions: sessionmaker[Session], demo_officers: list[str]
) -> FastAPI:
    return web_app(workers, sessions)


async def test_login_page_logs_in_shows_name_and_title_and_logs_out(app: FastAPI) -> None:
    async with browser(app) as client:
        r = await client.get("/petugas/tugas", follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"] == "/petugas/masuk?lanjut=/petugas/tugas"
        r = await log_in(client, KABAG, "salah")
        assert r.status_code == 401
        assert "Nama pengguna atau kata sandi salah" in text_of(r.text)
        r = await log_in(client, KABAG)
        assert r.status_code == 200
        cookie = next(c for c in client.cookies.jar if c.name == "alur_sesi")
        assert cookie.has_nonstandard_attr("HttpOnly")
        assert not cookie.secure  # not in production
        text = text_of(r.text)
        assert "Kabag Pemerintahan (demo)" in text and "Kabag Pemerintahan" in text
        assert "tugas terlambat" in text and "menunggu" in text
        r = await client.post("/petugas/keluar", data={"csrf": csrf_of(r.text)})
        assert r.status_code == 200 and "Masuk sebagai petugas" in r.text
        r = await client.get("/petugas/tugas", follow_redirects=False)
        assert r.status_code == 303


async def test_session_cookie_is_no_bearer_token_and_bearer_is_no_session(app: FastAPI) -> None:
    async with browser(app) as client:
        await log_in(client, KABAG)
        session = client.cookies["alur_sesi"]
        r = await client.get("/auth/me", headers={"Authorization": f"Bearer {session}"})
        assert r.status_code == 401
        token = (
            await client.post("/auth/login", data={"username": KABAG, "password": "alur-demo-2026"})
        ).json()["access_token"]
    async with browser(app) as other:
        other.cookies.set("alur_sesi", token)
        r = await other.get("/petugas/tugas", follow_redirects=False)
        assert r.status_code == 303


async def test_every_form_without_its_csrf_token_is_403(app: FastAPI) -> None:
    async with browser(app) as client:
        await client.get("/petugas/masuk")
        r = await client.post(
            "/petugas/masuk", data={"username": KABAG, "password": "alur-demo-2026"}
        )
        assert r.status_code == 403
        assert "Formulir tidak sah" in text_of(r.text)
        await log_in(client, TIK)
        number = await file_report(client)
        page = await form_page(client, number, "penerimaan")
        r = await client.post(f"/petugas/kasus/{number}/penerimaan", data={"keputusan": "teruskan"})
        assert r.status_code == 403
        r = await client.post(
            f"/petugas/kasus/{number}/penerimaan",
            data={"keputusan": "teruskan", "csrf": "palsu"},
        )
        assert r.status_code == 403
        r = await client.post("/petugas/keluar", data={})
        assert r.status_code == 403
        assert f'action="/petugas/kasus/{number}/penerimaan"' in page  # the case did not move
        assert 'action="/petugas/kasus/' in (await client.get(f"/petugas/kasus/{number}")).text


async def test_login_is_throttled_as_the_api_login(app: FastAPI) -> None:
    async with browser(app) as client:
        statuses = [(await log_in(client, KASUBAG, "salah")).status_code for _ in range(3)]
        assert statuses == [401, 401, 429]
        r = await log_in(client, KASUBAG)  # the right password waits too
        assert r.status_code == 429
        assert "Terlalu banyak percobaan masuk" in text_of(r.text)
        assert int(r.headers["Retry-After"]) > 0
    r = await httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://testserver"
    ).post("/auth/login", data={"username": KASUBAG, "password": "alur-demo-2026"})
    assert r.status_code == 429  # one throttle for both doors


async def _walk(app: FastAPI, number: str, clients: dict[str, httpx.AsyncClient]) -> None:
    tik, kabag, kasubag, staf = (clients[u] for u in (TIK, KABAG, KASUBAG, STAF))
    r = await submit(tik, number, "penerimaan", {"keputusan": "teruskan"})
    assert r.status_code == 200, text_of(r.text)
    text = text_of(r.text)
    assert "sudah dikirim" in text and "menunggu" in text  # where the case went
    await submit(kabag, number, "disposisi", {"kasubag": KASUBAG, "instruksi": "Tindak lanjuti"})
    await submit(kasubag, number, "perintah", {"pelaksana": STAF, "instruksi": "Siapkan"})
    await submit(staf, number, "draf_tanggapan", {"draf": "Akan diperbaiki."})
    await submit(staf, number, "pengajuan_draf", {})
    r = await submit(kasubag, number, "telaah", {"setuju": "false"})
    assert r.status_code == 422  # notes are needed to send it back: said beside the field
    assert 'id="galat-catatan"' in r.text and "wajib diisi" in text_of(r.text)
    await submit(kasubag, number, "telaah", {"setuju": "false", "catatan": "Sebut tanggalnya"})
    await submit(staf, number, "draf_tanggapan", {"draf": "Diperbaiki Rabu 25 November."})
    await submit(staf, number, "pengajuan_draf", {})
    await submit(kasubag, number, "telaah", {"setuju": "true"})
    r = await submit(tik, number, "penyampaian", {})
    assert r.status_code == 200


async def test_a_complaint_goes_through_all_seven_steps_by_the_forms(
    app: FastAPI, sessions: sessionmaker[Session], workers: RunningWorkers
) -> None:
    async with (
        browser(app) as tik,
        browser(app) as kabag,
        browser(app) as kasubag,
        browser(app) as staf,
    ):
        clients = {TIK: tik, KABAG: kabag, KASUBAG: kasubag, STAF: staf}
        for who, client in clients.items():
            assert (await log_in(client, who)).status_code == 200
        number = await file_report(tik)
        await form_page(tik, number, "penerimaan")
        inbox = text_of((await tik.get("/petugas/tugas")).text)
        assert number in inbox and "Terima pengaduan" in inbox
        await _walk(app, number, clients)
        await workers.client.get_workflow_handle(f"malang-{number}").result()
        page = text_of((await tik.get(f"/petugas/kasus/{number}")).text)
    assert "Diperbaiki Rabu 25 November." in page
    assert "B*** S******" in page and "+62812****7890" in page
    assert "Budi" not in page and "3456" not in page
    assert "Sebut tanggalnya" in page  # the revise round's note is in the trail
    for code in ("aksi_diterima", "draf_tanggapan", "malang.kasubag"):
        assert code not in page
    with sessions() as s:
        case = s.scalar(select(Case).where(Case.case_number == number))
        done = s.scalars(select(Task).where(Task.case_number == number).order_by(Task.id)).all()
        sent = s.scalars(select(Notification).where(Notification.case_number == number)).all()
    assert case is not None and case.status == "selesai"
    assert [t.step for t in done].count("telaah") == 2
    assert [n.purpose for n in sent if n.purpose == "tanggapan"] == ["tanggapan"]


async def test_two_tabs_on_one_step_one_wins_the_other_reads_who(
    app: FastAPI, sessions: sessionmaker[Session]
) -> None:
    async with browser(app) as tab1, browser(app) as tab2:
        await log_in(tab1, TIK)
        await log_in(tab2, TIK)
        number = await file_report(tab1)
        page1 = await form_page(tab1, number, "penerimaan")
        page2 = await form_page(tab2, number, "penerimaan")
        sends = [
            tab.post(
                f"/petugas/kasus/{number}/penerimaan",
                data={
                    "csrf": csrf_of(page),
                    "kunci": page.split('name="kunci" value="')[1].split('"')[0],
                    "keputusan": "teruskan",
                },
            )
            for tab, page in ((tab1, page1), (tab2, page2))
        ]
        results = await asyncio.gather(*sends)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 409], [text_of(r.text)[:300] for r in results]
    lost = next(r for r in results if r.status_code == 409)
    assert "sudah ditindaklanjuti oleh Pengelola TIK (demo)" in text_of(lost.text)


async def test_claim_release_delegate_in_the_inbox_and_trail(
    app: FastAPI, sessions: sessionmaker[Session], workers: RunningWorkers
) -> None:
    from alur.security import hash_password
    from db.models import Officer
    from db.session import transaction

    with transaction(sessions) as s:
        s.add(
            Officer(
                username="malang.pengelola_tik2",
                full_name="Sari Wulandari",
                password_hash=hash_password("alur-demo-2026"),
                agency="malang-bagpem",
                unit="Bagian Pemerintahan",
                role="pengelola_tik",
                phone="+6281200009999",
            )
        )
    async with browser(app) as me, browser(app) as colleague:
        await log_in(me, TIK)
        await log_in(colleague, "malang.pengelola_tik2")
        number = await file_report(me)
        await form_page(me, number, "penerimaan")
        for _ in range(100):
            with sessions() as s:
                task = s.scalar(select(Task).where(Task.case_number == number))
            if task is not None:
                break
            await asyncio.sleep(0.02)
        assert task is not None
        inbox = await me.get("/petugas/tugas?saring=belum_diklaim")
        assert number in inbox.text
        token = csrf_of(inbox.text)
        # both claim at once: one wins
        r1, r2 = await asyncio.gather(
            me.post(f"/petugas/tugas/{task.id}/klaim", data={"csrf": token}),
            colleague.post(
                f"/petugas/tugas/{task.id}/klaim",
                data={"csrf": csrf_of((await colleague.get("/petugas/tugas")).text)},
            ),
        )
        assert sorted((r1.status_code, r2.status_code)) == [200, 409]
        winner, loser = (me, colleague) if r1.status_code == 200 else (colleague, me)
        lost = r2 if r1.status_code == 200 else r1
        assert "sedang dikerjakan oleh" in text_of(lost.text)
        # the loser cannot act on it, on the page or through the JSON API
        page = await loser.get(f"/petugas/kasus/{number}")
        assert f'action="/petugas/kasus/{number}/penerimaan"' not in page.text
        assert "sedang dikerjakan oleh" in text_of(page.text)
        loser_name = TIK if loser is me else "malang.pengelola_tik2"
        bearer = (
            await loser.post(
                "/auth/login", data={"username": loser_name, "password": "alur-demo-2026"}
            )
        ).json()["access_token"]
        r = await loser.post(
            f"/malang/kasus/{number}/penerimaan",
            json={"keputusan": "teruskan"},
            headers={"Authorization": f"Bearer {bearer}"},
        )
        assert r.status_code == 409 and r.json()["error"]["code"] == "sudah_diklaim"
        # the winner hands it to the loser, who then takes the step
        loser_user = loser_name
        token = csrf_of((await winner.get("/petugas/tugas")).text)
        r = await winner.post(
            f"/petugas/tugas/{task.id}/delegasi", data={"csrf": token, "kepada": loser_user}
        )
        assert r.status_code == 200 and "rekan Anda dikabari" in text_of(r.text)
        with sessions() as s:
            phone = s.scalar(select(Officer.phone).where(Officer.username == loser_user))
        for _ in range(200):
            with sessions() as s:
                told = s.scalars(
                    select(Notification).where(
                        Notification.case_number == number, Notification.purpose == "delegasi"
                    )
                ).all()
            if told:
                break
            await asyncio.sleep(0.05)
        assert len(told) == 1
        assert (told[0].channel, told[0].recipient) == ("sms", phone)
        assert number in told[0].body and f"/petugas/kasus/{number}" in told[0].body
        mine = text_of((await loser.get("/petugas/tugas?saring=saya")).text)
        assert number in mine
        token = csrf_of((await loser.get("/petugas/tugas")).text)
        r = await loser.post(f"/petugas/tugas/{task.id}/lepas", data={"csrf": token})
        assert r.status_code == 200 and "dikembalikan" in text_of(r.text)
        r = await submit(loser, number, "penerimaan", {"keputusan": "teruskan"})
        assert r.status_code == 200
    with sessions() as s:
        events = [
            e.event
            for e in s.scalars(
                select(AuditEvent).where(AuditEvent.case_number == number).order_by(AuditEvent.id)
            )
        ]
    assert events.count("tugas_diklaim") == 1
    assert "tugas_didelegasikan" in events and "tugas_dilepas" in events
    assert "aksi_diterima" in events


async def test_finished_filter_and_leaders_view(app: FastAPI, workers: RunningWorkers) -> None:
    async with browser(app) as tik, browser(app) as staf, browser(app) as kabag:
        await log_in(tik, TIK)
        await log_in(staf, STAF)
        await log_in(kabag, KABAG)
        number = await file_report(tik)
        await submit(tik, number, "penerimaan", {"keputusan": "teruskan"})
        done = text_of((await tik.get("/petugas/tugas?saring=selesai")).text)
        assert number in done and "Selesai" in done
        r = await staf.get("/petugas/ringkasan")
        assert r.status_code == 403 and "pimpinan" in text_of(r.text)
        assert "Seluruh instansi" not in (await staf.get("/petugas/tugas")).text
        r = await kabag.get("/petugas/ringkasan")
        assert r.status_code == 200
        summary = text_of(r.text)
        assert "Kasus terbuka per langkah" in summary
        assert f"2. {MALANG.step('disposisi').kegiatan}" in summary
        everything = text_of((await kabag.get("/petugas/tugas?saring=instansi")).text)
        assert number in everything


async def test_another_agency_cannot_open_the_case_page(app: FastAPI) -> None:
    async with browser(app) as tik, browser(app) as kasi:
        await log_in(tik, TIK)
        await log_in(kasi, "trenggalek.kasi")
        number = await file_report(tik)
        r = await kasi.get(f"/petugas/kasus/{number}")
        assert r.status_code == 403 and "instansi lain" in text_of(r.text)
        r = await kasi.get("/petugas/kasus/MLG-TIDAK-ADA")
        assert r.status_code == 404


async def test_operator_gets_the_temporal_link_and_the_codec_takes_the_session(
    app: FastAPI,
) -> None:
    payload: dict[str, Any] = {
        "payloads": [{"metadata": {"encoding": base64.b64encode(b"json/plain").decode()}}]
    }
    async with browser(app) as tik, browser(app) as operator:
        await log_in(tik, TIK)
        await log_in(operator, "kominfo.operator")
        number = await file_report(tik)
        page = await operator.get(f"/petugas/kasus/{number}")
        assert page.status_code == 200
        assert f"http://localhost:8233/namespaces/default/workflows/malang-{number}" in page.text
        assert 'action="/petugas/kasus/' not in page.text  # operators read, never act
        assert "Temporal UI" not in (await tik.get(f"/petugas/kasus/{number}")).text
        r = await operator.post("/codec/encode", json=payload)
        assert r.status_code == 200, r.text
        r = await tik.post("/codec/encode", json=payload)
        assert r.status_code == 403
    async with browser(app) as nobody:
        assert (await nobody.post("/codec/encode", json=payload)).status_code == 401


async def test_a_form_sent_twice_acts_once(app: FastAPI, sessions: sessionmaker[Session]) -> None:
    async with browser(app) as tik:
        await log_in(tik, TIK)
        number = await file_report(tik)
        page = await form_page(tik, number, "penerimaan")
        data = {
            "csrf": csrf_of(page),
            "kunci": page.split('name="kunci" value="')[1].split('"')[0],
            "keputusan": "teruskan",
        }
        first = await tik.post(f"/petugas/kasus/{number}/penerimaan", data=data)
        again = await tik.post(f"/petugas/kasus/{number}/penerimaan", data=data)
    assert (first.status_code, again.status_code) == (200, 200)
    assert "sudah dikirim" in text_of(again.text)  # the first answer again, nothing done twice

    def accepted() -> int:
        with sessions() as s:
            rows = s.scalars(
                select(AuditEvent).where(
                    AuditEvent.case_number == number, AuditEvent.event == "aksi_diterima"
                )
            ).all()
        return len(rows)

    for _ in range(100):  # the trail is written by the workflow's activity, a moment later
        if accepted():
            break
        await asyncio.sleep(0.03)
    await asyncio.sleep(0.3)
    assert accepted() == 1
