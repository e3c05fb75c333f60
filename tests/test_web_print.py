"""Trenggalek's printed record as an officer gets it with a browser: opened with the web session
(no header to add), printed by headless Chromium to A4, and read back from the PDF as a naskah
dinas: the kop with the agency's address, the place-and-date line, the Kepala Dinas's signature
with name and NIP, "Halaman i dari N" on every page, every disposition with its author, role title
and note, the refusal reason, the late step marked, and no raw code anywhere."""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import WorkflowEnvironment

from alur.settings_trenggalek import TrenggalekSettings
from api.web.flowchart import flowchart_svg, progress_from_tasks
from api.web.session import COOKIE
from api.web.trail_words import tanggal
from db.models import AuditEvent, Officer, Task
from sop.trenggalek import TRENGGALEK
from tests.browser import print_to_pdf
from tests.conftest import ApiClient
from tests.test_api_trenggalek import (
    FUNGSIONAL,
    KADIS,
    KASI,
    SEKRETARIS,
    act,
    climb,
    finish,
    my_task,
    new_case,
    post,
    write_all,
)

A4_POINTS = (595, 842)
RAW_CODES = (
    "telaah_pimpinan",
    "aksi_diterima",
    "aksi_ditolak",
    "kepala_dinas",
    "kepala_bidang",
    "pengumpulan_data",
    "sla_terlampaui",
    "trenggalek.",
    "langkah_selesai",
    "wrong_role",
)


def _pages(pdf: PdfReader) -> list[str]:
    return [re.sub(r"\s+", " ", page.extract_text() or "") for page in pdf.pages]


async def session_cookie(api: ApiClient, username: str) -> str:
    """Log in through the login form as a browser would; the session cookie's value."""
    form = await api.http.get("/petugas/masuk")
    assert form.status_code == 200, form.text
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    r = await api.http.post(
        "/petugas/masuk",
        data={"username": username, "password": "alur-demo-2026", "csrf": token.group(1)},
    )
    assert r.status_code == 303, r.text
    value = r.cookies.get(COOKIE)
    assert value
    api.http.cookies.clear()  # the rest of the test sends the cookie only where it means to
    return str(value)


async def _wait_overdue(sessions: sessionmaker[Session], number: str, role: str) -> None:
    for _ in range(300):
        with sessions() as s:
            if s.scalar(
                select(Task.overdue).where(
                    Task.case_number == number, Task.role == role, Task.status == "open"
                )
            ):
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the {role}'s task of {number} never turned overdue")


async def test_printed_record_opens_with_the_session_and_reads_as_a_naskah_dinas(
    api: ApiClient, ts_env: WorkflowEnvironment, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    number = await new_case(api)
    await write_all(api, number, "v1")
    await climb(api, number, to="sekretaris")
    sendback = {"keputusan": "revisi", "catatan": "Tambah rincian biaya", "kembali_ke": "analisis"}
    await act(api, SEKRETARIS, number, "telaah_pimpinan", sendback)
    await my_task(api, FUNGSIONAL, number, "analisis")
    refused = await post(api, KASI, number, "analisis", {"teks": "bukan bagian Kasi"})
    assert refused.status_code == 403, refused.text
    await write_all(api, number, "v2", first="analisis")
    await climb(api, number)
    await ts_env.sleep(timedelta(minutes=20))  # the Kepala Dinas passes the step's 15 minutes
    await _wait_overdue(sessions, number, "kepala_dinas")
    await finish(api, number)

    url = f"/trenggalek/kasus/{number}/jejak.html"
    anonymous = await api.http.get(url, headers={"Accept": "text/html"})
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/petugas/masuk?lanjut={url}"
    cookie = await session_cookie(api, FUNGSIONAL)
    page = await api.http.get(url, headers={"Cookie": f"{COOKIE}={cookie}", "Accept": "text/html"})
    assert page.status_code == 200, page.text
    other_agency = await session_cookie(api, "malang.kabag")
    foreign = await api.http.get(url, headers={"Cookie": f"{COOKIE}={other_agency}"})
    assert foreign.status_code == 403

    trail = (
        await api.http.get(
            f"/trenggalek/kasus/{number}/jejak", headers=await api.as_officer(FUNGSIONAL)
        )
    ).json()
    with sessions() as s:
        kadis = s.scalar(select(Officer).where(Officer.username == KADIS))
        approved = s.scalar(
            select(AuditEvent.at).where(
                AuditEvent.case_number == number,
                AuditEvent.event == "aksi_diterima",
                AuditEvent.actor == KADIS,
            )
        )
    assert kadis is not None and kadis.nip and approved is not None

    pdf = await print_to_pdf(page.text, tmp_path)
    pages = _pages(pdf)
    text = " ".join(pages)
    for sheet in pdf.pages:
        size = (round(float(sheet.mediabox.width)), round(float(sheet.mediabox.height)))
        assert size == A4_POINTS
    n = len(pages)
    assert n >= 2
    for i, page_text in enumerate(pages, start=1):
        assert f"Halaman {i} dari {n}" in page_text

    # kop, place and date, signature
    assert "PEMERINTAH KABUPATEN TRENGGALEK" in text
    assert TrenggalekSettings().alamat_kop in text
    assert f"Trenggalek, {tanggal(approved)}" in text
    assert trail["tempat_tanggal"] == f"Trenggalek, {tanggal(approved)}"
    signature = pages[-1]
    assert TRENGGALEK.role("kepala_dinas").nama in signature
    assert kadis.full_name in signature and f"NIP. {kadis.nip}" in signature

    # every disposition with its author, role title and note; the decisions in words
    assert len(trail["disposisi"]) >= 14
    for d in trail["disposisi"]:
        assert d["nama_penulis"] in text and d["nama_peran"] in text
        if d["catatan"]:
            assert d["catatan"].split("\n")[0][:30] in text
    assert "Dikembalikan untuk diperbaiki, kembali ke langkah 2. Melakukan telaah" in text
    assert "Tambah rincian biaya" in text
    assert "Diteruskan ke jenjang berikutnya" in text and "Disetujui" in text

    # the refusal and its reason in words; the late step marked where it happened
    assert "Aksi ditolak" in text
    assert (
        "Alasan penolakan: Langkah «2. Melakukan telaah/rumusan pemanfaatan aplikasi sebagai "
        "bahan persetujuan pimpinan» dilakukan oleh peran Fungsional, bukan Kasi"
    ) in text
    assert "Melewati mutu baku waktu" in text
    assert "TERLAMBAT melewati mutu baku 15 menit" in text
    late = [d for d in trail["disposisi"] if d["terlambat"]]
    assert [(d["peran"], d["keputusan"]) for d in late] == [("kepala_dinas", "setuju")]

    # nothing for the screen, no codes
    assert "Cetak" not in text and "Kembali ke halaman kasus" not in text
    assert f'href="/petugas/kasus/{number}"' in page.text  # on the screen, the way back
    system_words = text
    for d in trail["disposisi"]:  # what officers typed is theirs ("Diteruskan oleh kasi")
        if d["catatan"]:
            system_words = system_words.replace(d["catatan"], "")
    for v in trail["versi_naskah"]:  # and the texts they wrote
        for line in v["teks"].splitlines():
            system_words = system_words.replace(line, "")
    for code in RAW_CODES:
        at = system_words.find(code)
        assert at < 0, system_words[max(0, at - 200) : at + 100]
    assert "(demo) (" not in text
    assert "WIB" in text and re.search(r"(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu), \d", text)


async def test_the_flowchart_of_a_finished_case_marks_its_late_step(
    api: ApiClient, ts_env: WorkflowEnvironment, sessions: sessionmaker[Session]
) -> None:
    """The case's tasks as stored, laid over the SOP's drawing: every step done with its actual
    time, the Kepala Dinas's late review marked, nothing current."""
    number = await new_case(api)
    await write_all(api, number, "v1")
    await climb(api, number)
    await ts_env.sleep(timedelta(minutes=20))
    await _wait_overdue(sessions, number, "kepala_dinas")
    with sessions() as s:
        live = progress_from_tasks(s.scalars(select(Task).where(Task.case_number == number)))
    assert (live.sekarang, live.sekarang_terlambat) == ("telaah_pimpinan", True)
    await finish(api, number)
    with sessions() as s:
        done = progress_from_tasks(s.scalars(select(Task).where(Task.case_number == number)))
    assert done.sekarang is None
    assert set(done.selesai) == {s.kode for s in TRENGGALEK.langkah}
    assert [k for k, a in done.selesai.items() if a.terlambat] == ["telaah_pimpinan"]
    assert done.selesai["telaah_pimpinan"].putaran == 4  # one task per level of the chain
    root = ET.fromstring(flowchart_svg(TRENGGALEK, done))
    late = {
        el.get("data-langkah")
        for el in root.iter()
        if "terlambat" in (el.get("class") or "").split()
    }
    assert late == {"telaah_pimpinan"}
    assert "Realisasi: 2" in " ".join(root.itertext())  # 20 minutes and more
