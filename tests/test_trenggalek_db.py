"""Trenggalek's tables on SQLite and PostgreSQL: the migration creates and removes them, and the
activities that keep text versions and publish the public page write once when retried."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.trenggalek.activities import SimpanVersiInput, TerbitkanInput, TrenggalekActivities
from alur.case_ref import CaseRef
from api.trenggalek.trail import read_versions, wib
from db.migrate import downgrade, upgrade
from db.session import make_engine, make_session_factory
from db.trenggalek.models import TrenggalekAplikasiPublik, TrenggalekVersiNaskah
from tests.db_backends import database

TABLES = {"trenggalek_usulan", "trenggalek_versi_naskah", "trenggalek_aplikasi_publik"}
T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
CASE = CaseRef(
    workflow_id="trenggalek-TRG-DB-1",
    case_number="TRG-DB-1",
    sop="trenggalek-pemanfaatan-aplikasi",
    agency="trenggalek-diskominfo",
)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as url:
        upgrade(url)
        yield url


@pytest.fixture
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    eng = make_engine(db_url)
    yield make_session_factory(eng)
    eng.dispose()


def test_migration_creates_and_downgrade_removes_trenggalek_tables(db_url: str) -> None:
    eng = make_engine(db_url)
    assert TABLES <= set(inspect(eng).get_table_names())
    eng.dispose()
    downgrade(db_url, "0002")
    eng = make_engine(db_url)
    assert not TABLES & set(inspect(eng).get_table_names())
    eng.dispose()
    upgrade(db_url)


def _version(step: str, rnd: int, teks: str, minutes: int) -> SimpanVersiInput:
    return SimpanVersiInput(
        case=CASE,
        round=rnd,
        step=step,
        author="trenggalek.fungsional",
        author_role="fungsional",
        teks=teks,
        catatan=None,
        at=T0 + timedelta(minutes=minutes),
    )


def test_versions_and_public_page_are_written_once_when_retried(
    factory: sessionmaker[Session],
) -> None:
    acts = TrenggalekActivities(factory)
    env = ActivityEnvironment()
    first = _version("analisis", 1, "Biaya: 10 juta\nTim: 3 orang", 0)
    second = _version("analisis", 2, "Biaya: 12 juta\nTim: 3 orang", 30)
    page = TerbitkanInput(
        case=CASE,
        nama_aplikasi="Antrean MPP",
        ringkasan="Antrean dari rumah",
        tautan=None,
        media_komunikasi=None,
        cara_penyediaan="swakelola",
        disetujui_pada=T0,
        at=T0 + timedelta(hours=1),
    )

    for inp in (first, first, second, second):
        env.run(acts.simpan_versi, inp)
    env.run(acts.terbitkan_halaman, page)
    env.run(acts.terbitkan_halaman, page)

    with factory() as s:
        rows = s.scalars(select(TrenggalekVersiNaskah).order_by(TrenggalekVersiNaskah.id)).all()
        assert [(v.round, v.teks.splitlines()[0]) for v in rows] == [
            (1, "Biaya: 10 juta"),
            (2, "Biaya: 12 juta"),
        ]
        assert rows[0].created_at == T0
        [published] = s.scalars(select(TrenggalekAplikasiPublik)).all()
        assert published.diterbitkan_pada == T0 + timedelta(hours=1)
        versions = read_versions(s, CASE.case_number)
    assert versions[0].diff is None
    assert versions[1].diff is not None
    assert "-Biaya: 10 juta" in versions[1].diff
    assert "+Biaya: 12 juta" in versions[1].diff
    assert " Tim: 3 orang" in versions[1].diff


def test_times_print_in_western_indonesia_time() -> None:
    assert wib(datetime(2026, 11, 21, 17, 5, tzinfo=UTC)) == "22 November 2026 00.05 WIB"
