"""A Trenggalek proposal in headless Chromium, with only the web app's forms: five officers of
Diskominfo each log in through the login form in a browser of their own; the Fungsional proposes,
the text is written, the leadership chain sends it back once (the Sekretaris: "Tambah biaya") and
the Kepala Dinas approves on the second round; the provision and the service are recorded. After
each action the officer reads where the case went. Then the case page's link opens the printed
record with the officer's session, Chromium prints it to an A4 PDF, and the PDF is read back.

Screenshots of the case page and of its flowchart are kept in ``$ALUR_TEST_ARTEFACTS/web``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.web_browser_site import act, logged_in, open_form

pytest.importorskip("playwright")
from playwright.async_api import Browser, Page  # noqa: E402

pytest_plugins = ["tests.web_browser_site"]
"""The fixtures ``site``, ``chrome`` and ``artefacts``."""

FUNGSIONAL = "trenggalek.fungsional"
KASI = "trenggalek.kasi"
KABID = "trenggalek.kepala_bidang"
SEKRETARIS = "trenggalek.sekretaris"
KADIS = "trenggalek.kepala_dinas"

KASI_T, KABID_T, SEKRETARIS_T, KADIS_T = "Kasi", "Kepala Bidang", "Sekretaris", "Kepala Dinas"
"""The levels' titles as the pages begin them (the agency's full titles follow)."""

REVIEW_FORM = 'form[action="/petugas/kasus/{number}/telaah_pimpinan"]'


def sent(step: str, next_: str, who: str) -> re.Pattern[str]:
    """What the case page says after the form of step ``step`` (its number in the SOP) was taken
    and the case moved on to step ``next_``, waiting on ``who``."""
    return re.compile(
        rf"«{step}\. [^»]+» sudah dikirim\. Kasus kini di langkah «{next_}\. [^»]+», "
        rf"menunggu (?:[^.]+ \()?{re.escape(who)}\b"
    )


def said(text: str) -> str:
    """The page's text with its spaces folded, as it reads."""
    return re.sub(r"\s+", " ", text)


async def propose(fungsional: Page) -> str:
    """The proposal from the inbox's link, first with a name too short (said beside it)."""
    await fungsional.get_by_role("link", name="Buat usulan aplikasi baru").click()
    await fungsional.wait_for_url("**/petugas/usulan")
    await fungsional.get_by_label("Nama aplikasi yang diusulkan").fill("A")
    await fungsional.get_by_role("button", name="Buat usulan").click()
    await fungsional.wait_for_load_state()
    assert await fungsional.locator("#galat-judul").count() == 1
    await fungsional.get_by_label("Nama aplikasi yang diusulkan").fill("Aplikasi antrean MPP")
    await fungsional.get_by_label("Ringkasan usulan").fill("Antrean dari rumah")
    await fungsional.get_by_role("button", name="Buat usulan").click()
    await fungsional.wait_for_url(re.compile(r".*/petugas/kasus/[^/?]+$"))
    return fungsional.url.rsplit("/", 1)[1]


async def test_a_proposal_sent_back_once_and_approved_in_the_browser(
    site: str, chrome: Browser, artefacts: Path, tmp_path: Path
) -> None:
    fungsional = await logged_in(chrome, site, FUNGSIONAL)
    kasi = await logged_in(chrome, site, KASI)
    kabid = await logged_in(chrome, site, KABID)
    sekretaris = await logged_in(chrome, site, SEKRETARIS)
    kadis = await logged_in(chrome, site, KADIS)
    number = await propose(fungsional)

    async def write(round_: str, first: str) -> None:
        steps = [
            ("pengumpulan_data", fungsional, "Fungsional"),
            ("analisis", fungsional, "Fungsional"),
            ("perumusan", kasi, KASI_T),
        ]
        start = [s for s, _, _ in steps].index(first)
        for n, (step, page, _) in enumerate(steps[start:], start=start + 1):
            text = said(await act(page, number, step, {"teks": f"{step} {round_}"}))
            who = steps[n][2] if n < len(steps) else KASI_T  # then step 4, the Kasi's level
            assert sent(str(n), str(n + 1), who).search(text), text

    async def review(page: Page, fields: dict[str, str], next_: str, who: str) -> None:
        text = said(await act(page, number, "telaah_pimpinan", fields))
        assert sent("4", next_, who).search(text), text
        if next_ == "4":  # the next level's turn: this officer's form is gone
            assert await page.locator(REVIEW_FORM.format(number=number)).count() == 0
            assert f"Menunggu {who}" in await page.inner_text("#langkah")

    await write("v1", first="pengumpulan_data")
    await act(kasi, number, "telaah_pimpinan", {"keputusan": "setuju"})
    assert "Hanya Kepala Dinas yang dapat menyetujui" in await kasi.inner_text("#galat-keputusan")
    forward = {"keputusan": "teruskan", "catatan": "Lanjut"}
    await review(kasi, forward, "4", KABID_T)
    await review(kabid, forward, "4", SEKRETARIS_T)
    await open_form(sekretaris, number, "telaah_pimpinan")
    assert "perumusan v1" in await sekretaris.inner_text("main")  # the text under review
    back = {"keputusan": "revisi", "catatan": "Tambah biaya", "kembali_ke": "analisis"}
    await review(sekretaris, back, "2", "Fungsional")
    await write("v2", first="analisis")
    forward = {"keputusan": "teruskan", "catatan": "Ok"}
    await review(kasi, forward, "4", KABID_T)
    await review(kabid, forward, "4", SEKRETARIS_T)
    await review(sekretaris, forward, "4", KADIS_T)
    await review(kadis, {"keputusan": "setuju"}, "5", KABID_T)
    plan = {
        "cara": "swakelola",
        "tim": "Tim Aptika\nTim Jaringan\n",
        "tindak_lanjut_teknis": "Siapkan server",
        "tindak_lanjut_administrasi": "Nota dinas",
    }
    text = said(await act(kabid, number, "tindak_lanjut", plan))
    assert sent("5", "6", "Fungsional").search(text), text
    service = {
        "nama_aplikasi": "Antrean MPP",
        "ringkasan_publik": "Ambil nomor antrean dari rumah.",
        "tautan": "https://antrean.trenggalekkab.go.id",
    }
    text = said(await act(fungsional, number, "penyiapan_layanan", service))
    assert re.search(r"«6\. [^»]+» sudah dikirim\. Kasus sudah selesai\.", text), text

    await kasi.goto(f"/petugas/kasus/{number}")
    page = said(await kasi.inner_text("main"))
    assert "Status Selesai" in page, page
    assert "Catatan: Tambah biaya" in page  # the trail says why it went back
    assert "perumusan v2" in page  # the newest text is open
    await kasi.locator("#naskah summary", has_text="Versi 4:").click()  # an older one, opened
    assert "analisis v2" in await kasi.inner_text("#naskah")
    await kasi.screenshot(path=str(artefacts / "trenggalek-kasus.png"), full_page=True)
    await kasi.locator(".bagan svg").first.screenshot(path=str(artefacts / "trenggalek-bagan.png"))
    assert (artefacts / "trenggalek-bagan.png").stat().st_size > 1000

    # the record this case's officers print: opened from the page's link with the Kasi's
    # session, printed by Chromium to A4 and read back from the PDF
    await kasi.get_by_role("link", name="Cetak jejak (naskah dinas)").click()
    await kasi.wait_for_url(f"**/trenggalek/kasus/{number}/jejak.html")
    assert number in await kasi.inner_text("body")
    pdf_path = tmp_path / "jejak.pdf"
    await kasi.pdf(path=str(pdf_path), format="A4")
    pdf = PdfReader(pdf_path)
    printed = said(" ".join(p.extract_text() or "" for p in pdf.pages))
    assert number in printed
    assert "Tambah biaya" in printed  # the Sekretaris's note that sent it back
    assert f"Halaman 1 dari {len(pdf.pages)}" in printed
    assert "NIP" in printed  # the approving Kepala Dinas signs
    for code in ("telaah_pimpinan", "kepala_dinas", "aksi_diterima"):
        assert code not in printed, code  # no raw codes
    # it opened with the session: a browser without one is sent to the login page instead
    stranger = await (await chrome.new_context(base_url=site)).new_page()
    await stranger.goto(kasi.url)
    assert "/petugas/masuk?lanjut=" in stranger.url
    assert number not in await stranger.inner_text("main")
