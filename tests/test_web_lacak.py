"""Citizen tracking at ``/lacak/{nomor}``, public and without login, against a real worker: where
the case stands, the steps done with their dates, the response; and nothing personal (no name,
phone, e-mail, the citizen's text or title, nor any officer's name)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api.web.trail_words import waktu_wib
from db.models import AuditEvent, Officer
from sop.malang import MALANG
from tests.browser import print_to_pdf
from tests.conftest import ApiClient
from tests.test_api_malang import KASUBAG, REPORT, STAF, TIK, act, file_report, walk_to_review

CONTACT = {
    "nama": "Budi Santoso",
    "telepon": "0812-3456-7890",
    "email": "budi.santoso@example.org",
    "kanal_balasan": "whatsapp",
}
PERSONAL = ("Budi", "Santoso", "0812", "+62812", "3456", "example.org", "Ijen", REPORT["judul"])
RESPONSE = "Lampu diperbaiki Rabu 25 November."


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _steps(html: str) -> list[str]:
    """Each step's line of the page, in order, as words."""
    block = html.split('id="langkah"', 1)[1].split("</ol>", 1)[0]
    return [_text("<li" + li).strip() for li in block.split("<li")[1:]]


async def _page_when(api: ApiClient, number: str, ready: str) -> str:
    """The tracking page once it shows ``ready`` (the workflow moves on after the 202)."""
    for _ in range(300):
        html = str((await api.http.get(f"/lacak/{number}")).text)
        if ready in html:
            return html
        await asyncio.sleep(0.02)
    raise AssertionError(f"/lacak/{number} never showed {ready!r}")


async def _officer_names(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as s:
        return list(s.scalars(select(Officer.full_name)))


async def test_tracking_shows_status_steps_and_response_and_nothing_personal(
    api: ApiClient, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    number = await file_report(api, kontak=CONTACT)
    first = await api.http.get(f"/lacak/{number}")
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("text/html")
    assert first.headers["cache-control"] == "no-store"
    assert "Diterima" in _text(first.text)

    await walk_to_review(api, number)
    middle = await _page_when(api, number, 'id="langkah-4" class="berjalan"')
    steps = _steps(middle)
    assert len(steps) == len(MALANG.langkah)
    assert [s.rsplit(" ", 1)[-1] for s in steps[4:]] == ["Belum", "Belum", "Belum"]
    assert "Sedang berjalan" in steps[3]
    assert all("Selesai" in s for s in steps[:3])
    assert "Sedang diproses" in _text(middle)

    await act(api, STAF, number, "draf_tanggapan", {"draf": "Akan diperbaiki."})
    await act(api, STAF, number, "pengajuan_draf", {})
    await act(api, KASUBAG, number, "telaah", {"setuju": False, "catatan": "Budi minta tanggal"})
    await act(api, STAF, number, "draf_tanggapan", {"draf": RESPONSE})
    await act(api, STAF, number, "pengajuan_draf", {})
    await act(api, KASUBAG, number, "telaah", {"setuju": True})
    await act(api, TIK, number, "penyampaian", {})
    await api.workers.client.get_workflow_handle(f"malang-{number}").result()

    page = await api.http.get(f"/lacak/{number}")
    assert page.status_code == 200
    html, text = page.text, _text(page.text)
    assert "Selesai" in text and RESPONSE in text
    assert MALANG.identitas.nama in text
    with sessions() as s:
        done = {
            e.step: e.at
            for e in s.scalars(
                select(AuditEvent)
                .where(AuditEvent.case_number == number, AuditEvent.event == "langkah_selesai")
                .order_by(AuditEvent.id)
            )
        }
    steps = _steps(html)
    for step, line in zip(MALANG.langkah, steps, strict=True):
        assert line.startswith(f"{step.nomor}.")
        assert f"Selesai {waktu_wib(done[step.kode])}" in line  # the last round's date
        assert "Pelaksana: " + MALANG.role(step.pelaksana).nama in line
    for personal in PERSONAL:
        assert personal not in html, personal
    for name in await _officer_names(sessions):
        assert name not in html, name
    for code in ("draf_tanggapan", "pengelola_tik", "malang.", "sambat_online"):
        assert code not in text, code

    pdf = await print_to_pdf(html, tmp_path)  # what a citizen's browser shows
    printed = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in pdf.pages))
    assert f"Lacak kasus {number}" in printed
    assert RESPONSE in printed
    for personal in PERSONAL:
        assert personal not in printed


async def test_a_closed_case_shows_its_reason_in_words(api: ApiClient) -> None:
    number = await file_report(api)
    await act(api, TIK, number, "penerimaan", {"keputusan": "spam", "alasan": "Iklan pinjaman"})
    await api.workers.client.get_workflow_handle(f"malang-{number}").result()
    text = _text((await api.http.get(f"/lacak/{number}")).text)
    assert "Ditutup" in text
    assert "Alasan penutupan Spam: Iklan pinjaman" in text
    assert "Sedang berjalan" not in text


async def test_unknown_case_is_a_404_page(api: ApiClient) -> None:
    r = await api.http.get("/lacak/MLG-TIDAK-ADA")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "Kasus MLG-TIDAK-ADA tidak ditemukan" in r.text
    assert "<script" not in (await api.http.get("/lacak/%3Cscript%3E")).text
