"""The Trenggalek trail as a clerk prints it: the page from ``GET .../jejak.html`` of a finished
proposal, printed by a real headless browser to an A4 PDF, holds the agenda entry and every
disposition with its author and note, and none of the screen-only controls."""

from __future__ import annotations

import re
from pathlib import Path

from pypdf import PdfReader

from tests.browser import print_to_pdf
from tests.conftest import ApiClient
from tests.test_api_trenggalek import FUNGSIONAL, climb, finish, new_case, write_all

A4_POINTS = (595, 842)


def _text(pdf: PdfReader) -> str:
    return re.sub(r"\s+", " ", " ".join(page.extract_text() or "" for page in pdf.pages))


async def test_printed_trail_holds_every_disposition_on_a4(api: ApiClient, tmp_path: Path) -> None:
    number = await new_case(api)
    await write_all(api, number, "v1")
    await climb(api, number)
    await finish(api, number)
    headers = await api.as_officer(FUNGSIONAL)
    trail = (await api.http.get(f"/trenggalek/kasus/{number}/jejak", headers=headers)).json()
    page = await api.http.get(f"/trenggalek/kasus/{number}/jejak.html", headers=headers)
    assert page.status_code == 200

    pdf = await print_to_pdf(page.text, tmp_path)

    for sheet in pdf.pages:
        size = (round(float(sheet.mediabox.width)), round(float(sheet.mediabox.height)))
        assert size == A4_POINTS
    text = _text(pdf)
    assert trail["nomor_agenda"] and trail["nomor_agenda"] in text
    assert number in text
    assert "Lembar Disposisi" in text
    assert trail["disposisi"], "a finished proposal has dispositions"
    for row in trail["disposisi"]:
        assert row["nama_peran"] in text
        assert row["nama_penulis"] in text
        if row["catatan"]:
            assert row["catatan"].split("\n")[0][:30] in text
    assert "Cetak" not in text  # the print button is for the screen only
    assert text.count("WIB") >= len(trail["disposisi"])
