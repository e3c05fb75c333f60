"""MAGESTY's officer step with only the web app: the owning OPD's officer reads the citizen's
request (the citizen masked) and serves it through the form; an officer of another OPD is refused
the page; a decision without its output reads beside the field."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session, sessionmaker

from alur.seed_magelang import seed_magelang
from db.session import transaction
from tests.conftest import ApiClient, RunningWorkers
from tests.test_magelang_api import activated_citizen, file_request
from tests.web_helpers import browser, form_page, log_in, submit, text_of, web_app


@pytest.fixture
def app(
    workers: RunningWorkers, sessions: sessionmaker[Session], demo_officers: list[str]
) -> FastAPI:
    with transaction(sessions) as s:
        seed_magelang(s)
    return web_app(workers, sessions)


async def test_the_opd_officer_serves_a_request_through_the_form(
    app: FastAPI, workers: RunningWorkers
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        citizen = ApiClient(http, workers)
        number = await file_request(citizen, await activated_citizen(citizen))
    async with browser(app) as opd, browser(app) as dinkes:
        await log_in(opd, "magelang.opd")
        await log_in(dinkes, "magelang.opd.dinkes")
        page = text_of(await form_page(opd, number, "pelayanan_opd"))
        # the form as the citizen filled it (the OPD needs it), the citizen's account masked
        assert "Nama anak Bima Saputra" in page
        assert "Pemohon S*** R*****" in page and "+62812****" in page
        r = await dinkes.get(f"/petugas/kasus/{number}")
        assert r.status_code == 403
        r = await submit(opd, number, "pelayanan_opd", {"keputusan": "selesai"})
        assert r.status_code == 422
        assert 'id="galat-hasil"' in r.text and "wajib diisi" in text_of(r.text)
        r = await submit(opd, number, "pelayanan_opd", {"keputusan": "selesai", "hasil": "Terbit"})
        assert r.status_code == 200, text_of(r.text)
        assert "sudah dikirim" in text_of(r.text)
