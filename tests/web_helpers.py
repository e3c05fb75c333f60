"""Helpers for the officers' web app tests: the app over the test database and a real worker, a
logged-in browser-like client per officer (cookies kept), and a driver that fills a step's form
on the case page as an officer would."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from alur.settings import Settings
from api.main import create_app
from tests.conftest import TEST_PAYLOAD_KEY, RunningWorkers

PASSWORD = "alur-demo-2026"
TIK, KABAG, KASUBAG, STAF = (
    "malang.pengelola_tik",
    "malang.kabag",
    "malang.kasubag",
    "malang.pelaksana",
)
REPORT = {
    "jenis": "pengaduan",
    "kanal": "sambat_online",
    "judul": "Lampu jalan mati",
    "isi": "Lampu jalan di Jl. Ijen mati sejak Senin.",
    "kontak": {"nama": "Budi Santoso", "telepon": "0812-3456-7890", "kanal_balasan": "whatsapp"},
}


def web_app(workers: RunningWorkers, sessions: Any, **settings: Any) -> FastAPI:
    """The real app over the test database and the test's Temporal client."""
    return create_app(
        Settings(
            environment="test",
            task_queue=workers.task_queue,
            payload_key=SecretStr(TEST_PAYLOAD_KEY),
            **{"public_base_url": "http://testserver", **settings},
        ),
        sessions=sessions,
        temporal=workers.client,
    )


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def field_of(page: str, name: str) -> str | None:
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    return found.group(1) if found else None


def text_of(page: str) -> str:
    """The page's text as a person reads it (tags dropped, entities decoded, spaces folded)."""
    no_svg = re.sub(r"<svg.*?</svg>", " ", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", no_svg))).strip()


@asynccontextmanager
async def browser(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client that keeps cookies, as one browser does."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", follow_redirects=True
    ) as client:
        yield client


async def log_in(client: httpx.AsyncClient, username: str, password: str = PASSWORD) -> Any:
    page = await client.get("/petugas/masuk")
    return await client.post(
        "/petugas/masuk",
        data={"username": username, "password": password, "csrf": csrf_of(page.text)},
    )


async def file_report(client: httpx.AsyncClient, **extra: Any) -> str:
    r = await client.post("/malang/laporan", json={**REPORT, **extra})
    assert r.status_code == 201, r.text
    return str(r.json()["nomor_kasus"])


async def form_page(client: httpx.AsyncClient, number: str, step: str, tries: int = 300) -> str:
    """The case page once its form for ``step`` is there (the workflow takes a moment)."""
    action = f'action="/petugas/kasus/{number}/{step}"'
    for _ in range(tries):
        page = await client.get(f"/petugas/kasus/{number}")
        assert page.status_code == 200, page.text
        if action in page.text:
            return page.text
        await asyncio.sleep(0.03)
    raise AssertionError(f"{number}: no form for {step}; last page: {text_of(page.text)[:800]}")


async def submit(
    client: httpx.AsyncClient, number: str, step: str, data: dict[str, str]
) -> httpx.Response:
    """Fill and send the form of ``step`` as it is on the page (its token and key)."""
    page = await form_page(client, number, step)
    return await client.post(
        f"/petugas/kasus/{number}/{step}",
        data={"csrf": csrf_of(page), "kunci": field_of(page, "kunci") or "", **data},
    )
