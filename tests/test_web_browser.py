"""The officers' web app in headless Chromium (Debian's ``chromium``, driven by playwright; no
browser download): four Malang officers take a complaint through all seven steps with one
revise round using only the forms, two tabs race on one step, a keyboard-only login, the inbox
on a phone screen, and a form without its CSRF token.

The app is served by uvicorn on a free local port inside the test's event loop, over the test
database and a real worker on the time-skipping server (``tests.web_browser_site``). Screenshots
of the inbox, the case page and the flowchart are written to ``$ALUR_TEST_ARTEFACTS/web`` (the
test's temporary directory when unset), so CI can keep them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.web_browser_site import act, logged_in, open_form
from tests.web_helpers import KABAG, KASUBAG, PASSWORD, REPORT, STAF, TIK

pytest.importorskip("playwright")
from playwright.async_api import Browser  # noqa: E402

pytest_plugins = ["tests.web_browser_site"]
"""The fixtures ``site``, ``chrome`` and ``artefacts``."""


async def file_report(site: str, **extra: Any) -> str:
    async with httpx.AsyncClient(base_url=site) as http:
        r = await http.post("/malang/laporan", json={**REPORT, **extra})
        assert r.status_code == 201, r.text
        return str(r.json()["nomor_kasus"])


async def test_four_officers_take_a_complaint_through_seven_steps_with_the_forms(
    site: str, chrome: Browser, artefacts: Path
) -> None:
    tik = await logged_in(chrome, site, TIK)
    kabag = await logged_in(chrome, site, KABAG)
    kasubag = await logged_in(chrome, site, KASUBAG)
    staf = await logged_in(chrome, site, STAF)
    number = await file_report(site)

    await open_form(tik, number, "penerimaan")
    await tik.goto("/petugas/tugas")
    assert number in await tik.inner_text("main")
    await tik.screenshot(path=str(artefacts / "inbox.png"), full_page=True)

    said = await act(tik, number, "penerimaan", {"keputusan": "teruskan"})
    assert "sudah dikirim" in said and "menunggu Kabag Pemerintahan" in said
    await act(kabag, number, "disposisi", {"kasubag": KASUBAG, "instruksi": "Tindak lanjuti"})
    await act(kasubag, number, "perintah", {"pelaksana": STAF, "instruksi": "Siapkan jawaban"})
    await act(staf, number, "draf_tanggapan", {"draf": "Akan diperbaiki."})
    await act(staf, number, "pengajuan_draf", {})
    said = await act(kasubag, number, "telaah", {"setuju": "false"})
    assert "wajib diisi" in await kasubag.inner_text("#galat-catatan")
    await act(kasubag, number, "telaah", {"setuju": "false", "catatan": "Sebut tanggalnya"})
    await act(staf, number, "draf_tanggapan", {"draf": "Diperbaiki Rabu 25 November."})
    await act(staf, number, "pengajuan_draf", {})
    await act(kasubag, number, "telaah", {"setuju": "true"})
    said = await act(tik, number, "penyampaian", {})
    assert "sudah dikirim" in said

    async with httpx.AsyncClient(base_url=site) as http:
        for _ in range(200):
            public = (await http.get(f"/publik/kasus/{number}")).json()
            if public["status"] == "selesai":
                break
            await asyncio.sleep(0.05)
    assert public["tanggapan"] == "Diperbaiki Rabu 25 November."
    citizen = await (await chrome.new_context(base_url=site)).new_page()
    await citizen.goto(f"/lacak/{number}")
    tracked = await citizen.inner_text("body")
    assert "Diperbaiki Rabu 25 November." in tracked and "Budi" not in tracked
    await tik.goto(f"/petugas/kasus/{number}")
    text = await tik.inner_text("main")
    assert "Diperbaiki Rabu 25 November." in text and "Sebut tanggalnya" in text
    assert "B*** S******" in text and "Budi" not in text
    await tik.screenshot(path=str(artefacts / "kasus.png"), full_page=True)
    await tik.locator(".bagan svg").first.screenshot(path=str(artefacts / "bagan.png"))
    assert (artefacts / "bagan.png").stat().st_size > 1000


@pytest.mark.parametrize("run", range(3))
async def test_two_tabs_on_one_step_one_succeeds_the_other_reads_409(
    site: str, chrome: Browser, run: int
) -> None:
    first = await logged_in(chrome, site, TIK)
    second = await first.context.new_page()  # another tab of the same browser
    number = await file_report(site)
    await open_form(first, number, "penerimaan")
    await open_form(second, number, "penerimaan")
    for tab in (first, second):
        await tab.locator("#f-keputusan").select_option("teruskan")
    answers = await asyncio.gather(
        *(
            tab.wait_for_event("response", lambda r: r.request.method == "POST")
            for tab in (first, second)
        ),
        first.get_by_role("button", name="Kirim").click(),
        second.get_by_role("button", name="Kirim").click(),
    )
    assert sorted(r.status for r in answers[:2]) == [303, 409]
    for tab in (first, second):
        await tab.wait_for_load_state()
    texts = [await tab.inner_text("#pesan-kasus") for tab in (first, second)]
    assert sum("sudah dikirim" in t for t in texts) == 1, texts
    assert sum("sudah ditindaklanjuti oleh Pengelola TIK (demo)" in t for t in texts) == 1, texts


async def test_login_with_the_keyboard_only(site: str, chrome: Browser) -> None:
    ctx = await chrome.new_context(base_url=site)
    page = await ctx.new_page()
    await page.goto("/petugas/masuk")
    # the page opens with the cursor in the username; Tab goes on to the password
    assert await page.evaluate("document.activeElement.id") == "username"
    await page.keyboard.type(KABAG)
    await page.keyboard.press("Tab")
    await page.keyboard.type(PASSWORD)
    assert await page.evaluate("document.activeElement.id") == "password"
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/petugas/tugas")
    assert "Kabag Pemerintahan (demo)" in await page.inner_text("header")
    # and out again: Tab from the page's top reaches the skip link, the menu, then Keluar
    for _ in range(8):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.textContent") == "Keluar":
            break
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/petugas/masuk")


async def test_the_inbox_fits_a_phone_screen(
    site: str, chrome: Browser, artefacts: Path, sessions: sessionmaker[Session]
) -> None:
    long_title = "Lampu jalan mati di sepanjang Jalan Ijen sampai Jalan Besar Ijen " * 2
    numbers = [await file_report(site, judul=long_title[:190]) for _ in range(3)]
    phone = await logged_in(
        chrome, site, TIK, viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True
    )
    await open_form(phone, numbers[-1], "penerimaan")
    await phone.goto("/petugas/tugas")
    for n in numbers:
        assert n in await phone.inner_text("main")
    wide = await phone.evaluate("document.documentElement.scrollWidth")
    assert wide <= 360, f"the inbox scrolls sideways: {wide}px wide on a 360px screen"
    await phone.screenshot(path=str(artefacts / "inbox-ponsel.png"), full_page=True)
    await phone.goto(f"/petugas/kasus/{numbers[0]}")
    wide = await phone.evaluate("document.documentElement.scrollWidth")
    assert wide <= 360, f"the case page scrolls sideways: {wide}px"


async def test_a_form_without_its_csrf_token_is_refused(site: str, chrome: Browser) -> None:
    page = await logged_in(chrome, site, TIK)
    number = await file_report(site)
    await open_form(page, number, "penerimaan")
    await page.locator("#f-keputusan").select_option("teruskan")
    await page.evaluate(
        "document.querySelector('form[action$=\"/penerimaan\"] input[name=csrf]').remove()"
    )
    async with page.expect_response(lambda r: r.request.method == "POST") as answer:
        await page.get_by_role("button", name="Kirim").click()
    assert (await answer.value).status == 403
    assert "Formulir tidak sah" in await page.inner_text("main")
    await open_form(page, number, "penerimaan")  # the case did not move
