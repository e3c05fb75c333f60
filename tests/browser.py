"""Headless Chromium for tests of pages meant to be printed: Debian's ``chromium`` package.

Without it those tests skip and say why; with ``ALUR_REQUIRE_BROWSER=1`` (as ``.ci/run`` sets) a
missing browser fails them instead, so CI cannot pass by skipping.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

PRINT_TIMEOUT_S = 90.0
"""Chromium's first start on a cold machine takes seconds; a hung one must not hang the suite."""


def chromium() -> str:
    """The browser's path (``ALUR_CHROMIUM`` or ``chromium`` on PATH), or skip/fail saying why."""
    found = os.environ.get("ALUR_CHROMIUM") or shutil.which("chromium")
    if found:
        return found
    reason = "no headless Chromium: install Debian's package (apt-get install chromium)"
    if os.environ.get("ALUR_REQUIRE_BROWSER") == "1":
        pytest.fail(f"ALUR_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


async def print_to_pdf(html: str, directory: Path) -> PdfReader:
    """Print a page as a user's browser would (A4, print CSS applied) and read the PDF back."""
    page, pdf = directory / "page.html", directory / "page.pdf"
    page.write_text(html, encoding="utf-8")
    proc = await asyncio.create_subprocess_exec(
        chromium(),
        "--headless",
        "--no-sandbox",  # CI runs as root
        "--disable-gpu",
        "--no-pdf-header-footer",
        f"--user-data-dir={directory / 'profile'}",
        f"--print-to-pdf={pdf}",
        page.as_uri(),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, err = await asyncio.wait_for(proc.communicate(), PRINT_TIMEOUT_S)
    except TimeoutError:
        proc.kill()
        raise
    assert proc.returncode == 0 and pdf.exists(), err.decode(errors="replace")[-2000:]
    return PdfReader(pdf)
