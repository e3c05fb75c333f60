"""The survey's free text (saran) is a citizen's own words: it is kept in the database and never
travels through the workflow, so it is in no history, encrypted or not."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.magelang.models import MagestySaran, MagestySurvei
from tests import magelang_helpers as mg
from tests.conftest import ApiClient
from tests.test_magelang_api import (
    NILAI,
    activated_citizen,
    bearer,
    file_request,
    katalog,  # noqa: F401 (the fixture the tests use)
    serve,
)

SARAN = "Loket Disdukcapil di Jl. Sudirman 12 perlu kursi tunggu, ibu saya Bu Ratna berdiri lama"


async def _served(api: ApiClient) -> tuple[str, str]:
    token = await activated_citizen(api)
    number = await file_request(api, token)
    r = await serve(api, number)
    assert r.status_code == 202, r.text
    return token, number


async def _answer(api: ApiClient, token: str, number: str, **extra: object) -> object:
    for _ in range(200):
        r = await api.http.post(
            f"/magelang/permohonan/{number}/survei",
            json={"nilai": NILAI, **extra},
            headers=bearer(token),
        )
        if r.status_code != 409 or r.json()["error"]["code"] != "survei_belum_dibuka":
            return r
        await asyncio.sleep(0.02)
    raise AssertionError("survey never opened")


@pytest.mark.usefixtures("katalog")
async def test_the_suggestion_is_kept_with_the_survey_and_never_in_the_history(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    token, number = await _served(api)
    r = await _answer(api, token, number, saran=SARAN)
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    handle = api.workers.client.get_workflow_handle(f"magesty-{number}")
    await handle.result()

    with sessions() as s:
        survey = s.scalars(select(MagestySurvei).where(MagestySurvei.case_number == number)).one()
        waiting = s.scalars(select(MagestySaran).where(MagestySaran.case_number == number)).all()
    assert survey.status == "terjawab" and survey.saran == SARAN
    assert waiting == []  # moved into the survey, not kept twice
    history = await handle.fetch_history()
    decoded = b"".join(await mg.decoded_payloads(api.workers.client, history))
    assert b"Bu Ratna" not in decoded and b"kursi tunggu" not in decoded


@pytest.mark.usefixtures("katalog")
async def test_a_refused_answer_keeps_no_suggestion(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    token, number = await _served(api)
    r = await _answer(api, token, number)
    assert r.status_code == 200  # type: ignore[attr-defined]
    again = await _answer(api, token, number, saran="Ulasan kedua yang ditolak")
    assert again.status_code == 409  # type: ignore[attr-defined]
    with sessions() as s:
        kept = s.scalars(select(MagestySaran.saran).where(MagestySaran.case_number == number))
        assert list(kept) == []
