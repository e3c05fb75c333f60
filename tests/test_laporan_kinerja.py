"""The SLA performance report (``db/laporan.py``, ``GET /laporan/kinerja`` and its CSV), on SQLite
and PostgreSQL, against a fixture whose every figure was worked out by hand below.

Percentiles are linear interpolation (PostgreSQL's percentile_cont): for n sorted values x1..xn,
h = (n - 1)·p + 1, answer x⌊h⌋ + (h - ⌊h⌋)·(x⌊h⌋+1 - x⌊h⌋).

The fixture (agency malang-bagpem, SOP malang-pengelolaan-tik, every Malang step's standard is 15
minutes = 900 s, due_at = opened + 900 s; times below are UTC, WIB is UTC+7). Period of the main
report: 2 to 6 November 2026 WIB = [2026-11-01 17:00Z, 2026-11-06 17:00Z). "now" = 2026-11-10.

disposisi (role kabag), opened 2 Nov:
  D1 case C1 done  elapsed 60   no claim          by kabag.satu   on time
  D2 case C2 done  elapsed 120  waited 20         by kabag.satu   on time
  D3 case C3 done  elapsed 300  waited 100        by kabag.satu   on time
  D4 case C4 done  elapsed 900  waited 300        by kabag.dua    on time (completed AT due_at)
  D5 case C5 done  elapsed 1800                   by kabag.dua    late: overdue flag + audit line
  D6 case C6 open, claimed by kabag.dua, due passed, flag not yet set (timer not fired)
  D7 case C7 cancelled (closed with its case), nobody took it
  → kasus 7, tugas 7, selesai 5, diukur 5: 60,120,300,900,1800
    median: h-1 = 4·0.5 = 2 → x3 = 300;  p90: h-1 = 3.6 → x4 + 0.6·(x5-x4) = 900 + 540 = 1440
    dengan_mutu_baku 5, tepat_waktu 4 → 80 %; terlampaui 1; terbuka 1; terlambat 1
    klaim 3 (D2, D3, D4): waits 20,100,300 → median 100; worked 100,200,600 → median 200

telaah (role kasubag), opened 3 Nov:
  T1 case C1 round 1 done elapsed 400  on time              by kasubag.satu
  T2 case C1 round 2 done elapsed 1000 late, audit line only by kasubag.satu (flag unset: the
     audit line alone makes the breach)
  T3 case C2 round 1 done, elapsed NULL (a row from before migration 0010), on time
  → kasus 2, tugas 3, selesai 3, diukur 2: 400,1000
    median: h-1 = 0.5 → 400 + 0.5·600 = 700;  p90: h-1 = 0.9 → 400 + 0.9·600 = 940
    dengan_mutu_baku 3, tepat_waktu 2 → 66.67 %; terlampaui 1; terbuka 0; terlambat 0; klaim 0

penerimaan (role pengelola_tik):
  P1 case C1 opened 4 Nov, done elapsed 50, no deadline (due_at NULL)   by tik.satu
  P2 case C8 opened 2026-11-06 16:59Z = 23:59 WIB on 6 Nov (inside), open, assignee tik.satu,
     due 17:14Z passed
  → kasus 2, tugas 2, selesai 1, diukur 1: 50 → median 50, p90 50; dengan_mutu_baku 0 → % none;
    terlampaui 0; terbuka 1; terlambat 1; klaim 0

Outside the period or the agency (never counted in it):
  X1 disposisi opened 2026-11-01 16:59Z = 23:59 WIB on 1 Nov, done 99999 s, breached
  X2 disposisi opened 2026-11-06 17:00Z = 00:00 WIB on 7 Nov, open
  G1 Trenggalek pengumpulan_data opened 2 Nov, done 3600 s, breached (another agency)

Whole SOP (per=sop): tugas 12, kasus C1..C8 = 8, selesai 9, diukur 8:
  50,60,120,300,400,900,1000,1800 → median: h-1 = 3.5 → 300 + 0.5·100 = 350;
  p90: h-1 = 6.3 → 1000 + 0.3·800 = 1240; dengan_mutu_baku 8, tepat_waktu 6 → 75 %;
  terlampaui 2; terbuka 2; terlambat 2; klaim 3, waits median 100, worked median 200.
Per officer (per=petugas): kabag.satu D1-D3: kasus 3, selesai 3, 60,120,300 → median 120,
  p90 h-1 = 1.8 → 120 + 0.8·180 = 264; 3 of 3 on time = 100 %; klaim 2: waits 20,100 → 60,
  worked 100,200 → 150. kabag.dua D4-D6: kasus 3, selesai 2, 900,1800 → median 1350,
  p90 900 + 0.9·900 = 1710; 1 of 2 = 50 %; terlampaui 1; terbuka 1; terlambat 1; klaim 1: 300 / 600.
  Nobody (D7): tugas 1, selesai 0, no figures. kasubag.satu = telaah; tik.satu = penerimaan.
"""

from __future__ import annotations

import csv
import io
import random
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.case_records import (
    AuditEntry,
    CaseRecordActivities,
    CompleteStepInput,
    EnterStepInput,
)
from alur.case_ref import CaseRef
from alur.security import issue_token
from alur.settings import Settings
from api.errors import Forbidden, Unprocessable
from api.laporan_charts import TRACK_W, kinerja_svg
from api.main import create_app
from api.routers.laporan import (
    cakupan,
    mutu_baku_detik,
    pemimpin,
    pemimpin_unit,
    susun_laporan,
)
from db.laporan import kinerja
from db.migrate import upgrade
from db.models import AuditEvent, Officer, Task
from db.session import make_engine, make_session_factory, transaction
from sop.catalogue import CATALOGUE
from sop.magelang import MAGELANG
from sop.malang import MALANG
from sop.trenggalek import TRENGGALEK
from tests.conftest import TEST_PAYLOAD_KEY
from tests.db_backends import database

MALANG_AG = MALANG.agensi
NOW = datetime(2026, 11, 10, tzinfo=UTC)
DARI = datetime(2026, 11, 1, 17, tzinfo=UTC)  # 2 Nov 00.00 WIB
SAMPAI = datetime(2026, 11, 6, 17, tzinfo=UTC)  # 7 Nov 00.00 WIB (exclusive)
STD = timedelta(minutes=15)


def _at(day: int, hour: int = 1, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def _task(
    key: str,
    *,
    case: str,
    step: str,
    role: str,
    opened: datetime,
    status: str = "done",
    elapsed: float | None = None,
    waited: float | None = None,
    by: str | None = None,
    claimed_by: str | None = None,
    assignee: str | None = None,
    due: bool = True,
    overdue: bool = False,
    round: int = 1,
    sop: str = MALANG.kode,
    agency: str = MALANG_AG,
) -> Task:
    done = status == "done"
    completed = opened + timedelta(seconds=elapsed or 0) if status != "open" else None
    return Task(
        task_key=f"wf-{case}/{step}/{round}/{key}",
        workflow_id=f"wf-{case}",
        case_number=case,
        sop=sop,
        agency=agency,
        step=step,
        round=round,
        role=role,
        assignee=assignee,
        title=f"{step} {case}",
        status=status,
        overdue=overdue,
        opened_at=opened,
        due_at=opened + STD if due else None,
        completed_at=completed,
        completed_by=by if done else None,
        claimed_by=claimed_by or (by if waited is not None else None),
        claimed_at=opened + timedelta(seconds=waited) if waited is not None else None,
        clock="kerja",
        elapsed_seconds=elapsed if done else None,
        waiting_seconds=waited,
    )


def _breach(task: Task) -> AuditEvent:
    return AuditEvent(
        event_key=f"{task.task_key}/sla_terlampaui",
        workflow_id=task.workflow_id,
        case_number=task.case_number,
        step=task.step,
        round=task.round,
        event="sla_terlampaui",
        detail={"mutu_baku": "15 menit"},
        at=task.opened_at + STD,
    )


def _officer(
    username: str, name: str, role: str, agency: str = MALANG_AG, unit: str = ""
) -> Officer:
    return Officer(
        username=username,
        full_name=name,
        password_hash="x",
        agency=agency,
        unit=unit or "Bagian Pemerintahan",
        role=role,
    )


# fmt: off
Row = tuple[
    str, str, str, str, datetime, str, float | None, float | None, str | None, dict[str, Any]
]
FIXTURE: tuple[Row, ...] = (
    # key, case, step, role, opened, status, elapsed s, waited s, done by, the rest
    ("D1", "C1", "disposisi", "kabag", _at(2, 1), "done", 60, None, "kabag.satu", {}),
    ("D2", "C2", "disposisi", "kabag", _at(2, 2), "done", 120, 20, "kabag.satu", {}),
    ("D3", "C3", "disposisi", "kabag", _at(2, 3), "done", 300, 100, "kabag.satu", {}),
    ("D4", "C4", "disposisi", "kabag", _at(2, 4), "done", 900, 300, "kabag.dua", {}),
    ("D5", "C5", "disposisi", "kabag", _at(2, 5), "done", 1800, None, "kabag.dua",
     {"overdue": True}),
    ("D6", "C6", "disposisi", "kabag", _at(2, 6), "open", None, None, None,
     {"claimed_by": "kabag.dua"}),
    ("D7", "C7", "disposisi", "kabag", _at(2, 7), "cancelled", None, None, None, {}),
    ("T1", "C1", "telaah", "kasubag", _at(3, 1), "done", 400, None, "kasubag.satu", {}),
    ("T2", "C1", "telaah", "kasubag", _at(3, 2), "done", 1000, None, "kasubag.satu",
     {"round": 2}),
    ("T3", "C2", "telaah", "kasubag", _at(3, 3), "done", None, None, "kasubag.satu", {}),
    ("P1", "C1", "penerimaan", "pengelola_tik", _at(4, 1), "done", 50, None, "tik.satu",
     {"due": False}),
    ("P2", "C8", "penerimaan", "pengelola_tik", _at(6, 16, 59), "open", None, None, None,
     {"assignee": "tik.satu"}),
    ("X1", "X1", "disposisi", "kabag", _at(1, 16, 59), "done", 99999, None, "kabag.satu",
     {"overdue": True}),
    ("X2", "X2", "disposisi", "kabag", _at(6, 17), "open", None, None, None, {}),
    ("G1", "G1", "pengumpulan_data", "fungsional", _at(2, 1), "done", 3600, None,
     "trenggalek.fungsional",
     {"overdue": True, "sop": TRENGGALEK.kode, "agency": TRENGGALEK.agensi}),
)
"""The tasks of the module docstring, row for row."""
# fmt: on


def load_fixture(sessions: sessionmaker[Session]) -> None:
    """The hand-worked fixture of the module docstring."""
    d = "disposisi"
    tasks = {
        key: _task(key, case=case, step=step, role=role, opened=opened, status=status,
                   elapsed=elapsed, waited=waited, by=by, **extra)
        for key, case, step, role, opened, status, elapsed, waited, by, extra in FIXTURE
    }  # fmt: skip
    # T3 was done within its deadline but before durations were measured
    tasks["T3"].completed_at = tasks["T3"].opened_at + timedelta(seconds=600)
    with transaction(sessions) as s:
        s.add_all(tasks.values())
        s.add_all([_breach(tasks[k]) for k in ("D5", "T2", "X1", "G1")])
        # a line about another task (and another event on D1) must not count for D1
        s.add(
            AuditEvent(
                event_key=f"{tasks['D1'].task_key}/langkah_selesai",
                workflow_id="wf-C1",
                case_number="C1",
                step=d,
                round=1,
                event="langkah_selesai",
                detail={},
                at=_at(2, 1),
            )
        )
        s.add_all(
            [
                _officer("kabag.satu", "Drs. Ahmad Fauzi, M.Si.", "kabag"),
                _officer("kabag.dua", "Sri Wahyuni, S.Kom.", "kabag"),
                _officer("kasubag.satu", "Budi Santoso, S.IP.", "kasubag"),
                _officer("tik.satu", "Dewi Lestari, S.T.", "pengelola_tik"),
                _officer("trenggalek.kadis", "Edi Hartono", "kepala_dinas", TRENGGALEK.agensi),
                _officer("kominfo.operator", "Operator Kominfo", "operator", "kominfo"),
            ]
        )


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as url:
        upgrade(url)
        yield url


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def factory(db_engine: Engine) -> sessionmaker[Session]:
    f = make_session_factory(db_engine)
    load_fixture(f)
    return f


def _rows(factory: sessionmaker[Session], per: Any, **kw: Any) -> dict[str | None, Any]:
    args: dict[str, Any] = {"agency": MALANG_AG, "dari": DARI, "sampai": SAMPAI, "now": NOW}
    args.update(kw)
    with factory() as s:
        return {r.kunci: r for r in kinerja(s, per=per, **args)}


def _figures(row: Any) -> dict[str, Any]:
    out = dict(vars(row))
    out.pop("sop")
    out.pop("kunci")
    out.pop("nama_petugas")
    if out["persen_tepat_waktu"] is not None:
        out["persen_tepat_waktu"] = round(out["persen_tepat_waktu"], 2)
    return out


FIGURES = (
    "kasus", "tugas", "selesai", "diukur", "durasi_median_detik", "durasi_p90_detik",
    "dengan_mutu_baku", "tepat_waktu", "persen_tepat_waktu", "terlampaui", "terbuka",
    "terlambat", "klaim", "tunggu_median_detik", "kerja_median_detik",
)  # fmt: skip


def _f(*values: float | None) -> dict[str, float | None]:
    """A group's figures in the order of ``FIGURES`` (the hand calculation's)."""
    return dict(zip(FIGURES, values, strict=True))


DISPOSISI = _f(7, 7, 5, 5, 300.0, 1440.0, 5, 4, 80.0, 1, 1, 1, 3, 100.0, 200.0)
TELAAH = _f(2, 3, 3, 2, 700.0, 940.0, 3, 2, 66.67, 1, 0, 0, 0, None, None)
PENERIMAAN = _f(2, 2, 1, 1, 50.0, 50.0, 0, 0, None, 0, 1, 1, 0, None, None)
SOP_TOTAL = _f(8, 12, 9, 8, 350.0, 1240.0, 8, 6, 75.0, 2, 2, 2, 3, 100.0, 200.0)
KABAG_SATU = _f(3, 3, 3, 3, 120.0, 264.0, 3, 3, 100.0, 0, 0, 0, 2, 60.0, 150.0)
KABAG_DUA = _f(3, 3, 2, 2, 1350.0, 1710.0, 2, 1, 50.0, 1, 1, 1, 1, 300.0, 600.0)
NOBODY = _f(1, 1, 0, 0, None, None, 0, 0, None, 0, 0, 0, 0, None, None)


def test_per_step_figures_match_the_hand_calculation(factory: sessionmaker[Session]) -> None:
    rows = _rows(factory, "langkah")
    assert set(rows) == {"disposisi", "telaah", "penerimaan"}
    assert _figures(rows["disposisi"]) == DISPOSISI
    assert _figures(rows["telaah"]) == TELAAH
    assert _figures(rows["penerimaan"]) == PENERIMAAN


def test_per_sop_role_and_unit_figures_match_the_hand_calculation(
    factory: sessionmaker[Session],
) -> None:
    assert {k: _figures(v) for k, v in _rows(factory, "sop").items()} == {MALANG.kode: SOP_TOTAL}
    assert {k: _figures(v) for k, v in _rows(factory, "peran").items()} == {
        "kabag": DISPOSISI,
        "kasubag": TELAAH,
        "pengelola_tik": PENERIMAAN,
    }
    # no Malang task has a unit: one group, the whole SOP
    assert {k: _figures(v) for k, v in _rows(factory, "unit").items()} == {None: SOP_TOTAL}


def test_per_officer_figures_and_full_names(factory: sessionmaker[Session]) -> None:
    rows = _rows(factory, "petugas")
    assert {k: _figures(v) for k, v in rows.items()} == {
        "kabag.satu": KABAG_SATU,
        "kabag.dua": KABAG_DUA,
        None: NOBODY,
        "kasubag.satu": TELAAH,
        "tik.satu": PENERIMAAN,
    }
    assert rows["kabag.satu"].nama_petugas == "Drs. Ahmad Fauzi, M.Si."
    assert rows["tik.satu"].nama_petugas == "Dewi Lestari, S.T."
    assert rows[None].nama_petugas is None


def test_the_period_holds_tasks_opened_in_it_by_local_date(factory: sessionmaker[Session]) -> None:
    # 6 November WIB alone: only P2, opened at 23.59 WIB (16.59 UTC)
    day6 = _rows(factory, "langkah", dari=_at(5, 17), sampai=_at(6, 17))
    assert {k: (v.tugas, v.terbuka) for k, v in day6.items()} == {"penerimaan": (1, 1)}
    # 1 November WIB: X1 at 23.59 WIB, with its own figures
    day1 = _rows(factory, "langkah", dari=datetime(2026, 10, 31, 17, tzinfo=UTC), sampai=DARI)
    assert {k: (v.tugas, v.durasi_median_detik, v.terlampaui) for k, v in day1.items()} == {
        "disposisi": (1, 99999.0, 1)
    }
    # 7 November WIB: X2 (00.00 WIB) and nothing else
    day7 = _rows(factory, "langkah", dari=SAMPAI, sampai=SAMPAI + timedelta(days=1))
    assert {k: v.tugas for k, v in day7.items()} == {"disposisi": 1}


def test_another_agency_s_tasks_never_count(factory: sessionmaker[Session]) -> None:
    trenggalek = _rows(factory, "langkah", agency=TRENGGALEK.agensi)
    assert {k: (v.tugas, v.durasi_median_detik, v.terlampaui) for k, v in trenggalek.items()} == {
        "pengumpulan_data": (1, 3600.0, 1)
    }
    assert "pengumpulan_data" not in _rows(factory, "langkah")


def test_unit_and_sop_filters_narrow_the_rows(factory: sessionmaker[Session]) -> None:
    assert _rows(factory, "langkah", unit="Disdukcapil") == {}
    assert _rows(factory, "langkah", sop=TRENGGALEK.kode) == {}
    assert _rows(factory, "langkah", sop=MALANG.kode).keys() == {
        "disposisi",
        "telaah",
        "penerimaan",
    }


@pytest.fixture
def pg_factory(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    """The fixture on PostgreSQL alone, for what only PostgreSQL can check."""
    with database("postgresql", tmp_path) as url:
        upgrade(url)
        eng = make_engine(url)
        factory = make_session_factory(eng)
        load_fixture(factory)
        yield factory
        eng.dispose()


def test_percentiles_agree_with_postgresql_percentile_cont(
    pg_factory: sessionmaker[Session],
) -> None:
    """The window-function interpolation equals PostgreSQL's own ordered-set aggregate, per step
    and per officer (SQLite has none: the hand calculation holds it there)."""
    factory = pg_factory
    with factory() as s:
        expected = s.execute(
            text(
                "SELECT step, percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_seconds), "
                "percentile_cont(0.9) WITHIN GROUP (ORDER BY elapsed_seconds) FROM tasks "
                "WHERE agency = :a AND status = 'done' AND elapsed_seconds IS NOT NULL "
                "AND opened_at >= :d AND opened_at < :s GROUP BY step"
            ),
            {"a": MALANG_AG, "d": DARI, "s": SAMPAI},
        ).all()
    rows = _rows(factory, "langkah")
    assert {step: (med, p90) for step, med, p90 in expected} == {
        k: (v.durasi_median_detik, v.durasi_p90_detik) for k, v in rows.items()
    }


def test_percentiles_agree_with_percentile_cont_on_many_random_groups(
    pg_factory: sessionmaker[Session],
) -> None:
    """300 random tasks (ties, groups of 1 to 100 values, waits and work) against PostgreSQL's
    percentile_cont, per officer: durations, waits and time worked."""
    rng = random.Random(12)
    sizes = {"a": 1, "b": 2, "c": 3, "d": 7, "e": 10, "f": 100, "g": 177}
    with transaction(pg_factory) as s:
        for who, size in sizes.items():
            for i in range(size):
                elapsed = float(rng.choice([rng.randint(1, 5000), 600]))  # ties at 600
                waited = float(rng.randint(0, int(elapsed))) if rng.random() < 0.6 else None
                s.add(
                    _task(f"R{who}{i}", case=f"R{who}{i % 5}", step="perintah", role="kasubag",
                          opened=_at(5, 1), elapsed=elapsed, waited=waited, by=f"r.{who}")
                )  # fmt: skip
    with pg_factory() as s:
        expected = {
            who: (float(med), float(p90), tunggu, kerja)
            for who, med, p90, tunggu, kerja in s.execute(
                text(
                    "SELECT completed_by, "
                    "percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_seconds), "
                    "percentile_cont(0.9) WITHIN GROUP (ORDER BY elapsed_seconds), "
                    "percentile_cont(0.5) WITHIN GROUP (ORDER BY waiting_seconds), "
                    "percentile_cont(0.5) WITHIN GROUP (ORDER BY elapsed_seconds - waiting_seconds)"
                    " FROM tasks WHERE completed_by LIKE 'r.%' GROUP BY completed_by"
                )
            )
        }
    rows = _rows(pg_factory, "petugas")
    got = {
        k: (v.durasi_median_detik, v.durasi_p90_detik, v.tunggu_median_detik, v.kerja_median_detik)
        for k, v in rows.items()
        if k and k.startswith("r.")
    }
    assert got.keys() == expected.keys() == {f"r.{w}" for w in sizes}
    for who, figures in expected.items():
        assert got[who] == pytest.approx(figures, nan_ok=True), who
    assert rows["r.g"].tugas == 177


def test_durations_the_case_records_count_in_working_time_reach_the_report(
    factory: sessionmaker[Session],
) -> None:
    """The chain from the activities to the report: a Malang step opened on Friday 4 December 2026
    at 15.55 WIB, taken from the queue on Monday at 07.40 and done at 08.00. Friday's office hours
    end at 16.30 (Perpres 21/2023's pattern), Monday's start at 07.30, so in working time:
    waiting = 35 + 10 = 45 min = 2700 s; elapsed = 35 + 30 = 65 min = 3900 s; worked = 1200 s.
    The deadline (15 working minutes: Monday 07.40) had passed when it was done."""
    case = CaseRef(workflow_id="wf-K1", case_number="K1", sop=MALANG.kode, agency=MALANG_AG)
    opened = datetime(2026, 12, 4, 8, 55, tzinfo=UTC)  # 15.55 WIB
    due = datetime(2026, 12, 7, 0, 40, tzinfo=UTC)  # Monday 07.40 WIB
    acts = CaseRecordActivities(factory, _settings().kalender)
    env = ActivityEnvironment()
    line = AuditEntry(key="wf-K1/perintah/1/langkah_dimulai", event="langkah_dimulai", at=opened)
    env.run(
        acts.enter_step,
        EnterStepInput(
            case=case, task_key="wf-K1/perintah/1", step="perintah", round=1, role="kasubag",
            assignee=None, title="Perintah", status="diproses", opened_at=opened, due_at=due,
            audit=line, clock="kerja",
        ),
    )  # fmt: skip
    with transaction(factory) as s:  # the API's claim (api/cases/claims.py) sets these
        task = s.scalars(select(Task).where(Task.task_key == "wf-K1/perintah/1")).one()
        task.claimed_by, task.claimed_at = "kasubag.satu", datetime(2026, 12, 7, 0, 40, tzinfo=UTC)
    done = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # Monday 08.00 WIB
    env.run(
        acts.complete_step,
        CompleteStepInput(
            case=case, task_key="wf-K1/perintah/1", actor="kasubag.satu", outcome="selesai",
            completed_at=done, audit=[],
        ),
    )  # fmt: skip
    row = _rows(factory, "langkah", dari=opened, sampai=done)["perintah"]
    assert (row.tugas, row.selesai, row.durasi_median_detik, row.durasi_p90_detik) == (
        1,
        1,
        3900.0,
        3900.0,
    )
    assert (row.klaim, row.tunggu_median_detik, row.kerja_median_detik) == (1, 2700.0, 1200.0)
    assert (row.dengan_mutu_baku, row.tepat_waktu, row.persen_tepat_waktu) == (1, 0, 0.0)


# --- who may read it ----------------------------------------------------------------------------
def test_leaders_come_from_the_catalogue() -> None:
    assert pemimpin(MALANG) == {"kasubag", "kabag", "sekda"}
    assert pemimpin(TRENGGALEK) == {"kasi", "kepala_bidang", "sekretaris", "kepala_dinas"}
    assert pemimpin(MAGELANG) == {"satker", "kepala_bidang", "kepala_dinas", "kepala_opd"}
    assert pemimpin_unit(MAGELANG) == {"kepala_opd"}
    assert all(pemimpin_unit(s) == frozenset() for s in CATALOGUE.values() if s is not MAGELANG)


def test_staff_and_the_operator_are_refused_and_a_kepala_opd_reads_their_unit() -> None:
    for officer in (
        _officer("tik", "x", "pengelola_tik"),
        _officer("ops", "x", "operator", "kominfo"),
        _officer("f", "x", "fungsional", TRENGGALEK.agensi),
        _officer("opd", "x", "opd", MAGELANG.agensi),
    ):
        with pytest.raises(Forbidden):
            cakupan(officer)
    assert cakupan(_officer("kabag", "x", "kabag")) is None
    head = _officer("kepala", "x", "kepala_opd", MAGELANG.agensi, "Dinas Kesehatan Kota Magelang")
    assert cakupan(head) == "Dinas Kesehatan Kota Magelang"


def test_a_kepala_opd_reads_only_their_opd_and_the_kepala_dinas_every_opd(
    factory: sessionmaker[Session],
) -> None:
    dinkes, dukcapil = "Dinas Kesehatan Kota Magelang", "Dinas Kependudukan dan Pencatatan Sipil"
    with transaction(factory) as s:
        for key, unit, elapsed in (
            ("M1", dinkes, 40.0),
            ("M2", dukcapil, 70.0),
            ("M3", dukcapil, 90.0),
        ):
            task = _task(
                key,
                case=key,
                step="pelayanan_opd",
                role="opd",
                opened=_at(3),
                elapsed=elapsed,
                by=f"opd.{key}",
                sop=MAGELANG.kode,
                agency=MAGELANG.agensi,
            )
            task.unit = unit
            s.add(task)
    kepala_opd = _officer("k.dinkes", "x", "kepala_opd", MAGELANG.agensi, dinkes)
    kadis = _officer("k.dinas", "x", "kepala_dinas", MAGELANG.agensi, "Diskominfostat")
    period: dict[str, Any] = {"dari": date(2026, 11, 2), "sampai": date(2026, 11, 6), "now": NOW}
    with factory() as s:
        own = susun_laporan(s, kepala_opd, _settings(), per="unit", **period)
        every = susun_laporan(s, kadis, _settings(), per="unit", **period)
    assert own.unit == dinkes
    assert [(b.kode, b.tugas, b.durasi_median_detik) for b in own.baris] == [(dinkes, 1, 40.0)]
    assert every.unit is None
    assert {(b.kode, b.tugas, b.durasi_median_detik) for b in every.baris} == {
        (dinkes, 1, 40.0),
        (dukcapil, 2, 80.0),
    }


def _settings() -> Settings:
    return Settings(environment="test", payload_key=TEST_PAYLOAD_KEY)


def test_the_service_names_groups_and_refuses_bad_periods(factory: sessionmaker[Session]) -> None:
    kabag = _officer("kabag.satu", "x", "kabag")
    with factory() as s:
        laporan = susun_laporan(
            s, kabag, _settings(), dari=date(2026, 11, 2), sampai=date(2026, 11, 6), now=NOW
        )
        assert [b.kode for b in laporan.baris] == ["penerimaan", "disposisi", "telaah"]
        first = laporan.baris[0]
        assert first.nama == MALANG.step("penerimaan").kegiatan
        assert (first.nomor_langkah, first.mutu_baku, first.mutu_baku_detik) == (1, "15 menit", 900)
        with pytest.raises(Unprocessable, match="tidak boleh sesudah"):
            susun_laporan(s, kabag, _settings(), dari=date(2026, 11, 7), sampai=date(2026, 11, 6))
        with pytest.raises(Unprocessable, match="366 hari"):
            susun_laporan(s, kabag, _settings(), dari=date(2025, 1, 1), sampai=date(2026, 11, 6))
        with pytest.raises(Unprocessable, match="bukan SOP instansi"):
            susun_laporan(s, kabag, _settings(), sop=TRENGGALEK.kode)


def test_the_period_follows_the_agency_s_timezone(factory: sessionmaker[Session]) -> None:
    """In WITA (UTC+8) P2, opened 16.59 UTC on 6 November, falls on 7 November (00.59 WITA)."""
    kabag = _officer("kabag.satu", "x", "kabag")
    wita = Settings(
        environment="test",
        payload_key=TEST_PAYLOAD_KEY,
        kalender={"instansi": {MALANG_AG: {"zona_waktu": "Asia/Makassar"}}},
    )
    wib = _settings()
    day: dict[str, Any] = {"dari": date(2026, 11, 6), "sampai": date(2026, 11, 6), "now": NOW}
    with factory() as s:
        assert [b.kode for b in susun_laporan(s, kabag, wib, **day).baris] == ["penerimaan"]
        assert susun_laporan(s, kabag, wita, **day).baris == []
        seventh = susun_laporan(s, kabag, wita, dari=date(2026, 11, 7), sampai=date(2026, 11, 7))
        assert seventh.zona_waktu == "Asia/Makassar"
        assert {b.kode: b.tugas for b in seventh.baris} == {"penerimaan": 1, "disposisi": 1}


def test_a_standard_in_days_is_counted_in_working_days() -> None:
    """Trenggalek's "1 hari" is one working day of 7.5 hours (Perpres 21/2023's 37.5 hours over
    five days) in the working clock, the unit the durations are measured in; "30 jam" stays 30
    working hours."""
    settings = _settings()
    analisis, pengumpulan = TRENGGALEK.step("analisis"), TRENGGALEK.step("pengumpulan_data")
    assert mutu_baku_detik(analisis, settings, TRENGGALEK.agensi) == 7.5 * 3600
    assert mutu_baku_detik(pengumpulan, settings, TRENGGALEK.agensi) == 30 * 3600
    assert mutu_baku_detik(MALANG.step("disposisi"), settings, MALANG_AG) == 900
    fast = Settings(environment="test", payload_key=TEST_PAYLOAD_KEY, skala_waktu=60)
    assert mutu_baku_detik(MALANG.step("disposisi"), fast, MALANG_AG) == 15
    assert mutu_baku_detik(analisis, fast, TRENGGALEK.agensi) == 7.5 * 60


# --- through the real app -----------------------------------------------------------------------
def _token(username: str) -> dict[str, str]:
    settings = _settings()
    token, _ = issue_token(
        subject=username,
        claims={"typ": "officer"},
        secret=settings.jwt_secret.get_secret_value(),
        ttl=timedelta(minutes=5),
    )
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
async def http(factory: sessionmaker[Session]) -> AsyncIterator[httpx.AsyncClient]:
    """The app as ``api.main`` builds it, on the test's database; the report never touches
    Temporal, so no client is given."""
    app = create_app(_settings(), sessions=factory, temporal=None)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://alur.test"
    ) as client:
        yield client


PERIOD = {"dari": "2026-11-02", "sampai": "2026-11-06"}


def _api(row: dict[str, Any]) -> dict[str, Any]:
    figures = {k: row[k] for k in FIGURES}
    if figures["persen_tepat_waktu"] is not None:
        figures["persen_tepat_waktu"] = round(figures["persen_tepat_waktu"], 2)
    return figures


async def test_a_malang_leader_reads_the_json_report(http: httpx.AsyncClient) -> None:
    r = await http.get("/laporan/kinerja", params=PERIOD, headers=_token("kabag.satu"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["agensi"], body["dari"], body["sampai"], body["per"]) == (
        MALANG_AG,
        "2026-11-02",
        "2026-11-06",
        "langkah",
    )
    assert body["zona_waktu"] == "Asia/Jakarta"
    rows = {b["kode"]: b for b in body["baris"]}
    assert set(rows) == {"penerimaan", "disposisi", "telaah"}  # never Trenggalek's step
    assert _api(rows["penerimaan"]) == PENERIMAAN
    assert _api(rows["telaah"]) == TELAAH
    # D6 is judged late against the real clock now: its due time (2 Nov) has passed
    assert _api(rows["disposisi"]) == DISPOSISI
    assert rows["disposisi"]["nama"] == MALANG.step("disposisi").kegiatan
    assert rows["disposisi"]["sop_nama"] == "Pengelolaan Teknologi Informasi"

    r = await http.get(
        "/laporan/kinerja", params={**PERIOD, "per": "petugas"}, headers=_token("kabag.satu")
    )
    names = {b["kode"]: b["nama"] for b in r.json()["baris"]}
    assert names == {
        "kabag.satu": "Drs. Ahmad Fauzi, M.Si.",
        "kabag.dua": "Sri Wahyuni, S.Kom.",
        "kasubag.satu": "Budi Santoso, S.IP.",
        "tik.satu": "Dewi Lestari, S.T.",
        None: "Belum diambil petugas",
    }
    r = await http.get(
        "/laporan/kinerja", params={**PERIOD, "per": "peran"}, headers=_token("kabag.satu")
    )
    assert {b["kode"]: b["nama"] for b in r.json()["baris"]} == {
        "kabag": "Kabag Pemerintahan",
        "kasubag": "Kasubag Pemerintahan Umum",
        "pengelola_tik": "Pengelola TIK",
    }


async def test_the_csv_export_has_indonesian_headers_and_the_figures(
    http: httpx.AsyncClient,
) -> None:
    r = await http.get("/laporan/kinerja.csv", params=PERIOD, headers=_token("kabag.satu"))
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    assert (
        "kinerja-malang-bagpem-2026-11-02-2026-11-06-langkah.csv"
        in (r.headers["content-disposition"])
    )
    table = list(csv.reader(io.StringIO(r.text)))
    assert table[0] == [
        "SOP", "Kode", "Nama", "Mutu baku", "Jam", "Kasus", "Tugas", "Selesai",
        "Median durasi (detik)", "P90 durasi (detik)", "Tepat waktu",
        "Selesai dengan batas waktu", "Persen tepat waktu", "Melewati mutu baku",
        "Terbuka kini", "Terlambat kini", "Diambil dari antrean",
        "Median menunggu diambil (detik)", "Median dikerjakan (detik)",
    ]  # fmt: skip
    by_code = {row[1]: row for row in table[1:]}
    assert set(by_code) == {"penerimaan", "disposisi", "telaah"}
    assert by_code["disposisi"][5:] == [
        "7", "7", "5", "300", "1440", "4", "5", "80", "1", "1", "1", "3", "100", "200"
    ]  # fmt: skip
    assert by_code["telaah"][5:] == [
        "2", "3", "3", "700", "940", "2", "3", "66.67", "1", "0", "0", "0", "", ""
    ]  # fmt: skip
    assert by_code["penerimaan"][5:] == [
        "2", "2", "1", "50", "50", "0", "0", "", "0", "1", "1", "0", "", ""
    ]  # fmt: skip
    assert by_code["disposisi"][2] == MALANG.step("disposisi").kegiatan
    assert by_code["disposisi"][3] == "15 menit"


async def test_another_agency_s_leader_sees_only_their_own(http: httpx.AsyncClient) -> None:
    r = await http.get("/laporan/kinerja", params=PERIOD, headers=_token("trenggalek.kadis"))
    assert r.status_code == 200, r.text
    rows = r.json()["baris"]
    assert [(b["kode"], b["tugas"], b["terlampaui"]) for b in rows] == [("pengumpulan_data", 1, 1)]


async def test_refusals_are_401_403_and_422_in_indonesian(http: httpx.AsyncClient) -> None:
    r = await http.get("/laporan/kinerja", params=PERIOD)
    assert r.status_code == 401
    assert r.json()["error"]["message"] == "Silakan masuk (login) terlebih dahulu"
    r = await http.get("/laporan/kinerja.csv", params=PERIOD)
    assert r.status_code == 401

    for who in ("tik.satu", "kominfo.operator"):
        r = await http.get("/laporan/kinerja", params=PERIOD, headers=_token(who))
        assert r.status_code == 403, who
        assert r.json()["error"]["code"] == "bukan_pimpinan"
        assert "pimpinan instansi" in r.json()["error"]["message"]
    r = await http.get("/laporan/kinerja.csv", params=PERIOD, headers=_token("tik.satu"))
    assert r.status_code == 403

    kabag = _token("kabag.satu")
    r = await http.get("/laporan/kinerja", params={"dari": "2-11-2026"}, headers=kabag)
    assert r.status_code == 422
    assert (
        r.json()["error"]["message"]
        == "Data tidak valid: query.dari: harus berupa tanggal (TTTT-BB-HH)"
    )
    r = await http.get(
        "/laporan/kinerja", params={"dari": "2026-11-07", "sampai": "2026-11-06"}, headers=kabag
    )
    assert r.status_code == 422
    assert "tidak boleh sesudah" in r.json()["error"]["message"]
    r = await http.get("/laporan/kinerja", params={"dari": "0001-01-01"}, headers=kabag)
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "Data tidak valid: query.dari: paling kecil 2000-01-01"
    r = await http.get("/laporan/kinerja.csv", params={"sampai": "9999-12-31"}, headers=kabag)
    assert r.status_code == 422
    assert r.json()["error"]["message"] == "Data tidak valid: query.sampai: paling besar 2099-12-31"
    r = await http.get("/laporan/kinerja", params={**PERIOD, "per": "kota"}, headers=kabag)
    assert r.status_code == 422
    assert r.json()["error"]["message"].startswith(
        "Data tidak valid: query.per: harus salah satu dari"
    )


async def test_the_chart_shows_each_step_s_figures(http: httpx.AsyncClient) -> None:
    r = await http.get("/laporan/kinerja", params=PERIOD, headers=_token("kabag.satu"))
    svg = kinerja_svg(r.json()["baris"])
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.find("s:title", ns) is not None
    words = " ".join(t.strip() for t in root.itertext() if t.strip())
    assert "Kinerja langkah terhadap mutu baku" in words
    assert "80%" in words  # disposisi: 4 of 5 on time
    assert "66,7%" in words  # telaah
    assert "median 5 menit" in words  # disposisi's 300 s
    assert "p90 24 menit" in words  # disposisi's 1440 s
    assert "mutu baku 15 menit" in words
    assert "median 33% dari mutu baku" in words  # 300 s of 900 s
    assert "tanpa batas waktu" in words  # penerimaan: done, but no deadline
    bands = root.findall("s:g", ns)
    titles = [b.findtext("s:title", "", ns) for b in bands]
    assert [t.split(" ")[0] for t in titles] == ["1.", "2.", "6."]  # catalogue order and numbers
    assert titles[0].startswith("1. a. Bagian Pemerintahan menerima pengaduan")
    assert titles[1].startswith("2. Kepala Bagian menerima informasi dari Pengelola TIK")
    assert "80% tepat waktu" in titles[1]
    # the thick bar of disposisi is 80 % of the 100 % track; telaah's is two thirds of it
    widths = [[float(r.get("width", 0)) for r in b.findall("s:rect", ns)] for b in bands]
    assert widths[1][:2] == [TRACK_W, 0.8 * TRACK_W]
    assert widths[2][1] == pytest.approx(TRACK_W * 2 / 3, abs=0.1)
    assert len(widths[0]) == 3  # penerimaan: the empty track, no share bar, the median's two


def test_an_empty_report_draws_its_title_and_says_so() -> None:
    root = ET.fromstring(kinerja_svg([]))
    words = " ".join(root.itertext())
    assert "Belum ada tugas pada periode ini." in words


def test_a_name_with_markup_stays_text_in_the_chart() -> None:
    """Officers' names come from the database: the chart escapes them, it never injects them."""
    row = {"kode": "x", "nama": '<script>alert("x")</script> & Co', "selesai": 0, "terbuka": 1}
    svg = kinerja_svg([row])
    assert "<script>" not in svg
    root = ET.fromstring(svg)
    assert '<script>alert("x")</script> & Co' in " ".join(root.itertext())
    assert not root.findall(".//{http://www.w3.org/2000/svg}script")


def test_no_rows_are_loaded_to_aggregate(factory: sessionmaker[Session], db_engine: Engine) -> None:
    """One statement answers the report: the database, not Python, aggregates."""
    from sqlalchemy import event

    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(db_engine, "before_cursor_execute", count)
    try:
        _rows(factory, "petugas")
    finally:
        event.remove(db_engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert "row_number() OVER" in statements[0]
    with factory() as s:
        assert s.scalar(select(func.count()).select_from(Task)) == 15
