"""The Trenggalek trail as a clerk prints it: the page from ``GET .../jejak.html`` of a finished
proposal (here with a bearer token, as the API has always taken it; the web session is in
``test_web_print.py``), printed by a real headless browser to an A4 PDF, holds the kop, the agenda
entry and every disposition with its author's name, role title, decision in words and note, the
page numbers, the signature, and none of the screen-only controls nor any raw code."""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alur.settings_trenggalek import TrenggalekSettings
from db.models import Officer
from tests.browser import print_to_pdf
from tests.conftest import ApiClient
from tests.test_api_trenggalek import (
    FUNGSIONAL,
    KABID,
    KADIS,
    act,
    climb,
    finish,
    new_case,
    write_all,
)

A4_POINTS = (595, 842)
CODES = ("telaah_pimpinan", "aksi_diterima", "kepala_dinas", "kepala_bidang", "trenggalek.")


def _text(pdf: PdfReader) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in pdf.pages))


def _without_typed(text: str, trail: dict[str, object]) -> str:
    """The PDF's text without what officers typed (their notes and texts are theirs)."""
    for d in trail["disposisi"]:  # type: ignore[attr-defined]
        if d["catatan"]:
            text = text.replace(d["catatan"], "")
    for v in trail["versi_naskah"]:  # type: ignore[attr-defined]
        for line in v["teks"].splitlines():
            text = text.replace(line, "")
    return text


async def test_printed_trail_holds_every_disposition_on_a4(
    api: ApiClient, sessions: sessionmaker[Session], tmp_path: Path
) -> None:
    number = await new_case(api)
    await write_all(api, number, "v1")
    await climb(api, number)
    await finish(api, number)
    headers = await api.as_officer(FUNGSIONAL)
    trail = (await api.http.get(f"/trenggalek/kasus/{number}/jejak", headers=headers)).json()
    page = await api.http.get(f"/trenggalek/kasus/{number}/jejak.html", headers=headers)
    assert page.status_code == 200
    with sessions() as s:
        kadis = s.scalar(select(Officer).where(Officer.username == KADIS))
    assert kadis is not None and kadis.nip

    pdf = await print_to_pdf(page.text, tmp_path)

    for sheet in pdf.pages:
        size = (round(float(sheet.mediabox.width)), round(float(sheet.mediabox.height)))
        assert size == A4_POINTS
    text = _text(pdf)
    assert trail["nomor_agenda"] and trail["nomor_agenda"] in text
    assert number in text
    assert TrenggalekSettings().alamat_kop in text
    assert "Lembar Disposisi" in text
    assert "Selesai: disetujui dan informasinya diterbitkan" in text
    assert trail["disposisi"], "a finished proposal has dispositions"
    for row in trail["disposisi"]:
        assert row["nama_peran"] in text
        assert row["nama_penulis"] in text
        assert row["keputusan_teks"] in text
        if row["catatan"]:
            assert row["catatan"].split("\n")[0][:30] in text
    assert f"Halaman 1 dari {len(pdf.pages)}" in text
    assert trail["tempat_tanggal"] in text
    assert trail["penandatangan"] == {
        "jabatan": "Kepala Dinas Komunikasi dan Informatika",
        "nama": kadis.full_name,
        "nip": kadis.nip,
    }
    assert f"{kadis.full_name} NIP. {kadis.nip}" in text
    assert "Cetak" not in text  # the print button is for the screen only
    assert text.count("WIB") >= len(trail["disposisi"])
    system_words = _without_typed(text, trail)
    for code in CODES:
        assert code not in system_words, code
    assert "(demo) (" not in text  # a name, then its title: not "Kasi (demo) (trenggalek.kasi)"


async def test_a_rejected_proposal_prints_its_reason_and_an_unsigned_block(
    api: ApiClient, tmp_path: Path
) -> None:
    number = await new_case(api)
    await write_all(api, number, "v1")
    await climb(api, number, to="kepala_bidang")
    await act(
        api, KABID, number, "telaah_pimpinan", {"keputusan": "tolak", "catatan": "Tidak prioritas"}
    )
    await api.workers.client.get_workflow_handle(f"trenggalek-{number}").result()
    headers = await api.as_officer(FUNGSIONAL)
    trail = (await api.http.get(f"/trenggalek/kasus/{number}/jejak", headers=headers)).json()
    assert trail["alasan_penolakan"] == "Ditolak oleh kepala_bidang: Tidak prioritas"  # the API's
    assert trail["penandatangan"]["nama"] is None  # the Kepala Dinas did not decide
    page = await api.http.get(f"/trenggalek/kasus/{number}/jejak.html", headers=headers)

    text = _text(await print_to_pdf(page.text, tmp_path))
    assert (
        "Alasan penolakan Ditolak oleh Kepala Bidang Aplikasi dan Informatika: Tidak prioritas"
        in text
    )
    assert "Ditolak" in text and "NIP. ....." in text
    assert "kepala_bidang" not in text
