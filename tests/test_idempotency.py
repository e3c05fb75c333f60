"""An Idempotency-Key bound to its use: the service on SQLite and PostgreSQL (replay, reuse
refused, per principal, failure releases the key, a concurrent twin does nothing twice), then
through the real API: a reused key on a create is refused instead of silently answering another
request's case, and an officer's key is bound to its step, case and body."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi import Response
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from api.errors import AlurError, Conflict, Unavailable, Unprocessable
from api.idempotency import fingerprint, idempotent
from db.base import utcnow
from db.idempotency import IdempotencyRecord
from db.magelang.models import MagestyPermohonan
from db.migrate import upgrade
from db.models import Case
from db.session import make_engine, make_session_factory, transaction
from db.trenggalek.models import TrenggalekUsulan
from tests.conftest import ApiClient
from tests.db_backends import database


class Ask(BaseModel):
    judul: str
    isi: str = "-"


class Ticket(BaseModel):
    nomor: str
    status: str


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    with database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        yield make_session_factory(engine)
        engine.dispose()


def sub_response() -> Response:
    """The Response FastAPI hands a route: no status until the route sets one."""
    r = Response()
    r.status_code = None  # type: ignore[assignment]
    return r


def status_of(r: Response) -> int | None:
    """The status a route set on its Response (None: the route's default)."""
    found: int | None = r.status_code
    return found


class Work:
    """A route's work: counts how often it really ran."""

    def __init__(self, *, delay: float = 0.0, fail: BaseException | None = None) -> None:
        self.runs = 0
        self.delay = delay
        self.fail = fail

    async def __call__(self) -> Ticket:
        self.runs += 1
        await asyncio.sleep(self.delay)
        if self.fail is not None:
            raise self.fail
        return Ticket(nomor=f"K-{self.runs}", status="diterima")


async def call(
    sessions: sessionmaker[Session],
    work: Work,
    *,
    key: str | None = "k-1",
    principal: str = "malang.kabag",
    route: str = "POST /x/kasus/A/langkah",
    body: BaseModel | None = None,
    response: Response | None = None,
) -> Ticket:
    return await idempotent(
        sessions,
        principal=principal,
        key=key,
        route=route,
        body=body or Ask(judul="Lampu mati"),
        model=Ticket,
        first_status=201,
        replay_status=200,
        response=response or sub_response(),
        run=work,
    )


def records(sessions: sessionmaker[Session]) -> list[IdempotencyRecord]:
    with sessions() as s:
        return list(s.scalars(select(IdempotencyRecord).order_by(IdempotencyRecord.id)))


# --- the service ------------------------------------------------------------------------------
async def test_a_replay_gets_the_first_answer_and_the_work_runs_once(
    db: sessionmaker[Session],
) -> None:
    work = Work()
    first_r, again_r = sub_response(), sub_response()
    first = await call(db, work, response=first_r)
    again = await call(db, work, response=again_r, body=Ask(isi="-", judul="Lampu mati"))

    assert again == first == Ticket(nomor="K-1", status="diterima")
    assert work.runs == 1
    assert (status_of(first_r), status_of(again_r)) == (None, 200)
    [row] = records(db)
    assert (row.status_code, row.response) == (201, {"nomor": "K-1", "status": "diterima"})
    assert row.fingerprint == fingerprint("POST /x/kasus/A/langkah", Ask(judul="Lampu mati"))
    assert "Lampu" not in json.dumps([row.route, row.fingerprint, row.response])


async def test_the_status_the_work_set_is_stored(db: sessionmaker[Session]) -> None:
    r = sub_response()

    async def found_again() -> Ticket:
        r.status_code = 200
        return Ticket(nomor="K-9", status="diterima")

    await idempotent(
        db,
        principal="p",
        key="k",
        route="POST /r",
        body=Ask(judul="x"),
        model=Ticket,
        first_status=201,
        replay_status=200,
        response=r,
        run=found_again,
    )
    assert [row.status_code for row in records(db)] == [200]


@pytest.mark.parametrize(
    "other",
    [
        {"route": "POST /x/kasus/A/langkah_lain"},  # another step
        {"route": "POST /x/kasus/B/langkah"},  # another case
        {"body": Ask(judul="Jalan berlubang")},  # another body
        {"body": Ask(judul="Lampu mati", isi="lain")},
    ],
)
async def test_a_key_reused_for_another_request_is_refused(
    db: sessionmaker[Session], other: dict[str, Any]
) -> None:
    work = Work()
    await call(db, work)
    with pytest.raises(Unprocessable) as refused:
        await call(db, work, **other)

    assert refused.value.code == "idempotency_key_dipakai"
    assert refused.value.message == (
        "Idempotency-Key ini sudah dipakai untuk permintaan lain; buat kunci baru"
    )
    assert work.runs == 1
    assert len(records(db)) == 1


async def test_the_same_key_from_another_principal_is_another_request(
    db: sessionmaker[Session],
) -> None:
    mine, theirs = Work(), Work()
    await call(db, mine, principal="malang.kabag")
    their_answer = await call(db, theirs, principal="malang.kasubag", route="POST /x/lain")

    assert (mine.runs, theirs.runs) == (1, 1)
    assert their_answer.nomor == "K-1"
    assert sorted(r.principal for r in records(db)) == ["malang.kabag", "malang.kasubag"]


async def test_without_a_key_every_request_runs(db: sessionmaker[Session]) -> None:
    work = Work()
    await call(db, work, key=None)
    await call(db, work, key=None)
    assert work.runs == 2
    assert records(db) == []


@pytest.mark.parametrize(
    "failure",
    [Unavailable("Laporan belum dapat diterima, coba lagi"), asyncio.CancelledError()],
)
async def test_a_failed_first_attempt_leaves_nothing_reserved(
    db: sessionmaker[Session], failure: BaseException
) -> None:
    with pytest.raises(type(failure)):
        await call(db, Work(fail=failure))
    assert records(db) == []

    retry = Work()
    r = sub_response()
    assert await call(db, retry, response=r) == Ticket(nomor="K-1", status="diterima")
    assert retry.runs == 1 and status_of(r) is None
    assert [row.status_code for row in records(db)] == [201]


async def test_a_reservation_still_running_is_busy_and_an_abandoned_one_is_taken_over(
    db: sessionmaker[Session],
) -> None:
    fp = fingerprint("POST /x/kasus/A/langkah", Ask(judul="Lampu mati"))
    with transaction(db) as s:
        s.add(
            IdempotencyRecord(
                principal="malang.kabag", key="k-1", route="POST /x/kasus/A/langkah", fingerprint=fp
            )
        )
    work = Work()
    with pytest.raises(Conflict) as busy:
        await call(db, work)
    assert busy.value.code == "sedang_diproses"
    assert busy.value.message == "Permintaan yang sama sedang diproses, coba lagi sebentar lagi"
    assert work.runs == 0

    with transaction(db) as s:  # its process died ten minutes ago, mid-request
        row = s.scalars(select(IdempotencyRecord)).one()
        row.created_at = utcnow() - timedelta(minutes=10)
    assert await call(db, work) == Ticket(nomor="K-1", status="diterima")
    assert work.runs == 1
    assert [row.status_code for row in records(db)] == [201]


async def test_concurrent_twins_do_the_work_once_and_never_fail_otherwise(
    db: sessionmaker[Session],
) -> None:
    for i in range(20):
        work = Work(delay=0.02 if i % 2 else 0.0)
        outcomes = await asyncio.gather(
            *(call(db, work, key=f"twin-{i}") for _ in range(3)), return_exceptions=True
        )
        answers = [o for o in outcomes if isinstance(o, Ticket)]
        refusals = [o for o in outcomes if isinstance(o, AlurError)]
        assert len(answers) + len(refusals) == 3, outcomes  # nothing else, no crash
        assert work.runs == 1, i
        assert answers and all(a == Ticket(nomor="K-1", status="diterima") for a in answers)
        assert all((r.status, r.code) == (409, "sedang_diproses") for r in refusals)
    assert [r.status_code for r in records(db)] == [201] * 20


# --- through the real API ---------------------------------------------------------------------
REPORT = {
    "jenis": "pengaduan",
    "kanal": "sambat_online",
    "judul": "Lampu jalan mati",
    "isi": "Lampu jalan di Jl. Ijen mati sejak Senin.",
    "kontak": {"nama": "Budi Santoso", "telepon": "0812-3456-7890"},
}
REUSED = "Idempotency-Key ini sudah dipakai untuk permintaan lain; buat kunci baru"


def count(sessions: sessionmaker[Session], model: type[Any]) -> int:
    with sessions() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def assert_reused(r: Any) -> None:
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "idempotency_key_dipakai"
    assert r.json()["error"]["message"] == REUSED


async def test_malang_report_with_a_reused_key_is_refused_not_lost(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    key = {"Idempotency-Key": "laporan-1"}
    first = await api.http.post("/malang/laporan", json=REPORT, headers=key)
    assert first.status_code == 201, first.text

    other = await api.http.post(
        "/malang/laporan", json={**REPORT, "judul": "Jalan berlubang"}, headers=key
    )
    assert_reused(other)
    assert count(sessions, Case) == 1

    again = await api.http.post("/malang/laporan", json=REPORT, headers=key)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert count(sessions, Case) == 1

    stored = json.dumps([(r.route, r.fingerprint, r.response) for r in records(sessions)])
    for personal in ("Budi", "0812", "+62812", "Ijen", "Lampu"):
        assert personal not in stored


async def test_concurrent_twin_reports_make_one_case(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    for i in range(8):
        key = {"Idempotency-Key": f"kembar-{i}"}
        twins = await asyncio.gather(
            *(api.http.post("/malang/laporan", json=REPORT, headers=key) for _ in range(2))
        )
        codes = sorted(r.status_code for r in twins)
        assert codes in ([200, 201], [201, 409]), [r.text for r in twins]
        done = [r for r in twins if r.status_code in (200, 201)]
        assert len({r.json()["nomor_kasus"] for r in done}) == 1
        busy = [r for r in twins if r.status_code == 409]
        assert all(r.json()["error"]["code"] == "sedang_diproses" for r in busy)
    assert count(sessions, Case) == 8


async def test_trenggalek_proposal_with_a_reused_key_is_refused(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    headers = {**await api.as_officer("trenggalek.fungsional"), "Idempotency-Key": "usulan-7"}
    body = {"judul": "Aplikasi antrean MPP"}
    first = await api.http.post("/trenggalek/usulan", json=body, headers=headers)
    assert first.status_code == 201, first.text

    other = await api.http.post(
        "/trenggalek/usulan", json={"judul": "Aplikasi perizinan"}, headers=headers
    )
    assert_reused(other)
    assert count(sessions, TrenggalekUsulan) == 1

    again = await api.http.post("/trenggalek/usulan", json=body, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert count(sessions, TrenggalekUsulan) == 1


@pytest.fixture
def katalog(sessions: sessionmaker[Session], demo_officers: list[str]) -> None:
    from alur.seed_magelang import seed_magelang

    with transaction(sessions) as s:
        seed_magelang(s)


async def test_magelang_request_with_a_reused_key_is_refused(
    api: ApiClient, sessions: sessionmaker[Session], katalog: None
) -> None:
    from tests.test_magelang_api import AKTA, activated_citizen, bearer

    token = await activated_citizen(api)
    headers = {**bearer(token), "Idempotency-Key": "ajukan-7"}
    first = await api.http.post("/magelang/permohonan", json=AKTA, headers=headers)
    assert first.status_code == 201, first.text

    isian = {**cast(dict[str, str], AKTA["isian"]), "nama_anak": "Dewi Lestari"}
    same_service_other_form = {**AKTA, "isian": isian}
    other = await api.http.post(
        "/magelang/permohonan", json=same_service_other_form, headers=headers
    )
    assert_reused(other)
    assert count(sessions, MagestyPermohonan) == 1

    again = await api.http.post("/magelang/permohonan", json=AKTA, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    mine = (await api.http.get("/magelang/permohonan", headers=bearer(token))).json()
    assert [(p["nomor_kasus"], p["isian"]["nama_anak"]) for p in mine] == [
        (first.json()["nomor_kasus"], "Bima Saputra")
    ]
    stored = json.dumps([r.response for r in records(sessions)])
    assert "Bima" not in stored and "Siti" not in stored


# --- officer actions --------------------------------------------------------------------------
async def _act_when_ready(
    api: ApiClient, who: str, number: str, step: str, body: dict[str, Any], key: str
) -> Any:
    headers = {**await api.as_officer(who), "Idempotency-Key": key}
    for _ in range(200):
        r = await api.http.post(f"/malang/kasus/{number}/{step}", json=body, headers=headers)
        if r.status_code != 409 or r.json()["error"]["code"] not in ("wrong_step", "case_busy"):
            return r
        await asyncio.sleep(0.02)
    raise AssertionError(f"{number} never reached {step}")


async def test_an_officers_key_is_bound_to_the_step_case_and_body_it_was_sent_with(
    api: ApiClient,
) -> None:
    # Goes green once the officer-action router builder (being rewritten by another engineer)
    # calls api.idempotency.idempotent; until then the reuse cases below answer 202 and this test
    # fails, as the defect it pins down. Do not skip or xfail it.
    tik, kabag, key = "malang.pengelola_tik", "malang.kabag", "K-aksi-1"
    numbers = []
    for _ in range(2):
        r = await api.http.post("/malang/laporan", json=REPORT)
        assert r.status_code == 201, r.text
        numbers.append(r.json()["nomor_kasus"])
    number, other_case = numbers
    teruskan = {"keputusan": "teruskan"}

    first = await _act_when_ready(api, tik, number, "penerimaan", teruskan, key)
    assert first.status_code == 202, first.text

    disposisi = {"kasubag": "malang.kasubag", "instruksi": "Tindak lanjuti"}
    theirs = await _act_when_ready(api, kabag, number, "disposisi", disposisi, key)
    assert theirs.status_code == 202, theirs.text  # another officer's K is another action
    assert theirs.json()["action_id"] != first.json()["action_id"]

    tik_headers = {**await api.as_officer(tik), "Idempotency-Key": key}
    again = await api.http.post(
        f"/malang/kasus/{number}/penerimaan", json=teruskan, headers=tik_headers
    )
    assert again.status_code == 202, again.text
    assert again.json() == first.json()

    other_body = {"keputusan": "spam", "alasan": "Iklan"}
    perintah = {"pelaksana": "malang.pelaksana", "instruksi": "Siapkan"}
    assert_reused(
        await api.http.post(
            f"/malang/kasus/{number}/penerimaan", json=other_body, headers=tik_headers
        )
    )
    assert_reused(
        await api.http.post(f"/malang/kasus/{number}/perintah", json=perintah, headers=tik_headers)
    )
    assert_reused(
        await api.http.post(
            f"/malang/kasus/{other_case}/penerimaan", json=teruskan, headers=tik_headers
        )
    )
