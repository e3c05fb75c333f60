"""A Trenggalek proposal with only the web app: the Fungsional proposes, the text is written,
the leadership chain sends it back once and the Kepala Dinas approves, the provision and the
service are recorded, each through the form generated from its step; a level's decision that
its rule refuses reads beside the decision, in Indonesian."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import Case, Task
from tests.browser import print_to_pdf
from tests.conftest import RunningWorkers
from tests.web_helpers import browser, csrf_of, field_of, log_in, submit, text_of, web_app

FUNGSIONAL = "trenggalek.fungsional"
KASI = "trenggalek.kasi"
KABID = "trenggalek.kepala_bidang"
SEKRETARIS = "trenggalek.sekretaris"
KADIS = "trenggalek.kepala_dinas"


@pytest.fixture
def app(
    workers: RunningWorkers, sessions: sessionmaker[Session], demo_officers: list[str]
) -> FastAPI:
    return web_app(workers, sessions)


async def _propose(client: httpx.AsyncClient) -> str:
    page = await client.get("/petugas/usulan")
    assert page.status_code == 200
    r = await client.post(
        "/petugas/usulan",
        data={
            "csrf": csrf_of(page.text),
            "kunci": field_of(page.text, "kunci") or "",
            "judul": "A",
        },
    )
    assert r.status_code == 422 and 'id="galat-judul"' in r.text  # too short, said beside it
    r = await client.post(
        "/petugas/usulan",
        data={
            "csrf": csrf_of(page.text),
            "kunci": field_of(page.text, "kunci") or "",
            "judul": "Aplikasi antrean MPP",
            "ringkasan": "Antrean dari rumah",
        },
    )
    assert r.status_code == 200, text_of(r.text)
    return str(r.url).rsplit("/", 1)[1]


async def test_a_proposal_sent_back_once_and_approved_through_the_forms(
    app: FastAPI, sessions: sessionmaker[Session], workers: RunningWorkers, tmp_path: Path
) -> None:
    async with (
        browser(app) as fungsional,
        browser(app) as kasi,
        browser(app) as kabid,
        browser(app) as sekretaris,
        browser(app) as kadis,
    ):
        for client, who in (
            (fungsional, FUNGSIONAL),
            (kasi, KASI),
            (kabid, KABID),
            (sekretaris, SEKRETARIS),
            (kadis, KADIS),
        ):
            assert (await log_in(client, who)).status_code == 200
        assert (await kasi.get("/petugas/usulan")).status_code == 403
        number = await _propose(fungsional)

        async def write(round_: str, first: str = "pengumpulan_data") -> None:
            steps = [("pengumpulan_data", fungsional), ("analisis", fungsional)]
            steps.append(("perumusan", kasi))
            start = [s for s, _ in steps].index(first)
            for step, client in steps[start:]:
                r = await submit(client, number, step, {"teks": f"{step} {round_}"})
                assert r.status_code == 200, text_of(r.text)

        await write("v1")
        r = await submit(kasi, number, "telaah_pimpinan", {"keputusan": "setuju"})
        assert r.status_code == 422
        assert 'id="galat-keputusan"' in r.text
        assert "Hanya Kepala Dinas yang dapat menyetujui" in text_of(r.text)
        for client in (kasi, kabid):
            r = await submit(
                client, number, "telaah_pimpinan", {"keputusan": "teruskan", "catatan": "Lanjut"}
            )
            assert r.status_code == 200, text_of(r.text)
        page = text_of((await sekretaris.get(f"/petugas/kasus/{number}")).text)
        assert "perumusan v1" in page  # the text under review is on the page
        r = await submit(
            sekretaris,
            number,
            "telaah_pimpinan",
            {"keputusan": "revisi", "catatan": "Tambah biaya", "kembali_ke": "analisis"},
        )
        assert r.status_code == 200, text_of(r.text)
        await write("v2", first="analisis")
        for client in (kasi, kabid, sekretaris):
            await submit(
                client, number, "telaah_pimpinan", {"keputusan": "teruskan", "catatan": "Ok"}
            )
        await submit(kadis, number, "telaah_pimpinan", {"keputusan": "setuju"})
        r = await submit(
            kabid,
            number,
            "tindak_lanjut",
            {
                "cara": "swakelola",
                "tim": "Tim Aptika\nTim Jaringan\n",
                "tindak_lanjut_teknis": "Siapkan server",
                "tindak_lanjut_administrasi": "Nota dinas",
            },
        )
        assert r.status_code == 200, text_of(r.text)
        r = await submit(
            fungsional,
            number,
            "penyiapan_layanan",
            {
                "nama_aplikasi": "Antrean MPP",
                "ringkasan_publik": "Ambil nomor antrean dari rumah.",
                "tautan": "https://antrean.trenggalekkab.go.id",
            },
        )
        assert r.status_code == 200, text_of(r.text)
        await workers.client.get_workflow_handle(f"trenggalek-{number}").result()
        html = (await kasi.get(f"/petugas/kasus/{number}")).text
        printable = await kasi.get(f"/trenggalek/kasus/{number}/jejak.html")  # the page's link
        page = text_of(html)
    assert f'href="/trenggalek/kasus/{number}/jejak.html"' in html
    assert printable.status_code == 200 and number in printable.text
    # the record this case's officers print: Chromium, A4, read back from the PDF
    pdf = await print_to_pdf(printable.text, tmp_path)
    printed = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in pdf.pages))
    assert number in printed
    assert "Tambah biaya" in printed  # the Sekretaris's note that sent it back
    assert f"Halaman 1 dari {len(pdf.pages)}" in printed
    assert "NIP" in printed  # the approving Kepala Dinas signs
    assert "telaah_pimpinan" not in printed and "kepala_dinas" not in printed  # no raw codes
    assert "Tambah biaya" in page and "analisis v2" in page
    with sessions() as s:
        case = s.scalar(select(Case).where(Case.case_number == number))
        levels = s.scalars(
            select(Task.role)
            .where(Task.case_number == number, Task.step == "telaah_pimpinan")
            .order_by(Task.id)
        ).all()
    assert case is not None and case.status == "selesai"
    assert list(levels) == [
        "kasi",
        "kepala_bidang",
        "sekretaris",
        "kasi",
        "kepala_bidang",
        "sekretaris",
        "kepala_dinas",
    ]
