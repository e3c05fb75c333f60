"""The officers' web app in headless Chromium, for the browser tests of every SOP: the app served
by uvicorn on a free local port inside the test's event loop (over the test database and a real
worker on the time-skipping server), the browser (Debian's ``chromium``, driven by playwright, no
browser download), an officer logged in through the login form in a context of their own, and a
driver that fills a step's form on the case page as the officer would.

A test module names this module in its ``pytest_plugins`` for the fixtures (``site``, ``chrome``,
``artefacts``: imported by name, a fixture is "redefined" by every test that takes it, as the
linter sees it) and imports the helpers. The helpers are imported before pytest registers the
plugin, so its assertions could not be rewritten anyway: PYTEST_DONT_REWRITE says so, and pytest
does not warn about it.

Screenshots go to ``$ALUR_TEST_ARTEFACTS/web`` (the test's temporary directory when unset), so
CI can keep them.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.orm import Session, sessionmaker

from tests.browser import chromium
from tests.conftest import RunningWorkers
from tests.web_helpers import PASSWORD, web_app

pytest.importorskip("playwright")
from playwright.async_api import Browser, BrowserContext, Page, async_playwright  # noqa: E402

STEP_WAIT_S = 20.0
"""How long a case page is reloaded waiting for a step's form (the workflow takes a moment)."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def artefacts(tmp_path: Path) -> Path:
    where = Path(os.environ.get("ALUR_TEST_ARTEFACTS") or tmp_path) / "web"
    where.mkdir(parents=True, exist_ok=True)
    return where


@pytest.fixture
async def site(
    workers: RunningWorkers, sessions: sessionmaker[Session], demo_officers: list[str]
) -> AsyncIterator[str]:
    """The app served over HTTP on a free port; yields its base URL."""
    port = _free_port()
    app = web_app(workers, sessions, public_base_url=f"http://127.0.0.1:{port}")
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    serving = asyncio.create_task(server.serve())
    for _ in range(200):
        if server.started:
            break
        await asyncio.sleep(0.02)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await serving


@pytest.fixture
async def chrome() -> AsyncIterator[Browser]:
    path = chromium()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=path, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        await browser.close()


async def logged_in(chrome: Browser, site: str, username: str, **context: Any) -> Page:
    """A fresh browser context logged in through the login form."""
    ctx: BrowserContext = await chrome.new_context(base_url=site, **context)
    page = await ctx.new_page()
    await page.goto("/petugas/masuk")
    await page.get_by_label("Nama pengguna").fill(username)
    await page.get_by_label("Kata sandi").fill(PASSWORD)
    await page.get_by_role("button", name="Masuk").click()
    await page.wait_for_url("**/petugas/tugas")
    return page


async def open_form(page: Page, number: str, step: str) -> None:
    """The case page, reloaded until the form of ``step`` is there; when it never comes, the
    failure says what the page said instead (whose turn it is, and why not this officer's)."""
    form = f'form[action="/petugas/kasus/{number}/{step}"]'
    await page.goto(f"/petugas/kasus/{number}")
    deadline = asyncio.get_running_loop().time() + STEP_WAIT_S
    while await page.locator(form).count() == 0:
        if asyncio.get_running_loop().time() >= deadline:
            shown = await page.locator("#langkah, #posisi").all_inner_texts()
            raise AssertionError(f"no form for {step} within {STEP_WAIT_S:.0f} s: {shown}")
        await asyncio.sleep(0.1)
        await page.reload()


async def act(page: Page, number: str, step: str, fields: dict[str, str]) -> str:
    """Fill the step's form by its labels' fields and send it; the page's message after."""
    await open_form(page, number, step)
    for name, value in fields.items():
        field = page.locator(f"#f-{name}")
        if await field.evaluate("e => e.tagName") == "SELECT":
            await field.select_option(value)
        else:
            await field.fill(value)
    await page.get_by_role("button", name="Kirim").click()
    await page.wait_for_load_state()
    return await page.inner_text("main")
