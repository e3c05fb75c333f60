"""The data layer on SQLite and PostgreSQL: migrations, constraints, UTC times, and the case-record
activities' idempotency (a retried activity writes nothing twice)."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from threading import Barrier

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, event, func, inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.case_records import (
    AuditEntry,
    BreachInput,
    CaseRecordActivities,
    CloseCaseInput,
    CompleteStepInput,
    EnterStepInput,
    RecordAuditInput,
    RecordCaseInput,
)
from alur.case_ref import CaseRef
from alur.security import verify_password
from alur.seed import load_register_csv, seed_officers
from db.base import Base
from db.migrate import downgrade, upgrade
from db.models import AuditEvent, Case, Officer, PopulationRecord, Task
from db.session import POOL_SIZE, make_engine, make_session_factory, transaction
from tests.db_backends import database

TABLES = {
    "officers",
    "cases",
    "case_contacts",
    "tasks",
    "audit_events",
    "notifications",
    "population_records",
}
T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
CASE = CaseRef(
    workflow_id="malang-MLG-DB-1",
    case_number="MLG-DB-1",
    sop="malang-pengelolaan-tik",
    agency="malang-bagpem",
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
    return make_session_factory(db_engine)


def _entry(key: str, event: str, at: datetime = T0) -> AuditEntry:
    return AuditEntry(key=key, step="disposisi", round=1, event=event, at=at)


def _opened(audit_key: str) -> RecordCaseInput:
    return RecordCaseInput(
        case=CASE,
        kind="pengaduan",
        channel="website",
        subject="Lampu",
        status="diterima",
        opened_at=T0,
        audit=_entry(audit_key, "kasus_dibuka"),
    )


def test_migrations_create_every_table_and_downgrade_removes_them(db_url: str) -> None:
    eng = make_engine(db_url)
    assert TABLES <= set(inspect(eng).get_table_names())
    eng.dispose()
    downgrade(db_url)
    eng = make_engine(db_url)
    assert not TABLES & set(inspect(eng).get_table_names())
    eng.dispose()
    upgrade(db_url)


def test_migrations_match_the_models(db_url: str) -> None:
    """Every table, column, index and constraint of the models is in a migration, and nothing else:
    a model change without its Alembic revision fails here, not in production."""
    eng = make_engine(db_url)
    with eng.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, Base.metadata)
    eng.dispose()
    assert diff == []


def test_case_number_is_unique(factory: sessionmaker[Session]) -> None:
    def case() -> Case:
        return Case(
            case_number="MLG-X",
            workflow_id="w-x",
            sop="s",
            agency="a",
            kind="saran",
            channel="website",
            subject="s",
            status="diterima",
        )

    with transaction(factory) as s:
        s.add(case())
    with pytest.raises(IntegrityError), transaction(factory) as s:
        s.add(_dup(case()))


def _dup(c: Case) -> Case:
    return Case(
        case_number=c.case_number,
        workflow_id="w-other",
        sop=c.sop,
        agency=c.agency,
        kind=c.kind,
        channel=c.channel,
        subject=c.subject,
        status=c.status,
    )


def test_times_come_back_timezone_aware_utc(factory: sessionmaker[Session]) -> None:
    wib = datetime(2026, 11, 21, 15, 0, tzinfo=UTC).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Jakarta")
    )
    with transaction(factory) as s:
        s.add(
            AuditEvent(
                event_key="k-tz",
                workflow_id="w",
                case_number="c",
                event="e",
                at=wib,
                detail={"x": 1},
            )
        )
    with factory() as s:
        at = s.scalar(select(AuditEvent.at).where(AuditEvent.event_key == "k-tz"))
    assert at == datetime(2026, 11, 21, 15, 0, tzinfo=UTC)
    assert at is not None and at.utcoffset() == timedelta(0)


def test_naive_datetimes_are_refused(factory: sessionmaker[Session]) -> None:
    naive = AuditEvent(
        event_key="k-naive",
        workflow_id="w",
        case_number="c",
        event="e",
        at=datetime(2026, 1, 1),
        detail={},
    )
    with factory() as s:
        s.add(naive)
        with pytest.raises(StatementError, match="naive datetime"):
            s.flush()


def test_seeding_twice_adds_nothing_and_passwords_verify(factory: sessionmaker[Session]) -> None:
    with transaction(factory) as s:
        first = seed_officers(s)
    with transaction(factory) as s:
        seed_officers(s)
    with factory() as s:
        assert s.scalar(select(func.count(Officer.id))) == len(first)
        kabag = s.scalar(select(Officer).where(Officer.username == "malang.kabag"))
    assert kabag is not None and kabag.agency == "malang-bagpem"
    assert verify_password(kabag.password_hash, "alur-demo-2026")
    assert not verify_password(kabag.password_hash, "salah")


def test_register_csv_loads_once(factory: sessionmaker[Session]) -> None:
    path = Path(__file__).resolve().parent.parent / "db/seed_data/penduduk_probolinggo_sample.csv"
    with transaction(factory) as s:
        added = load_register_csv(s, path)
    with transaction(factory) as s:
        again = load_register_csv(s, path)
    assert added >= 10 and again == 0
    with factory() as s:
        codes = set(s.scalars(select(PopulationRecord.kode_wilayah)))
    assert all(c.startswith("3574") for c in codes)


def test_case_record_activities_write_once_when_retried(factory: sessionmaker[Session]) -> None:
    acts = CaseRecordActivities(factory)
    env = ActivityEnvironment()
    opened = _opened("a1")
    enter = EnterStepInput(
        case=CASE,
        task_key="malang-MLG-DB-1/disposisi/1",
        step="disposisi",
        round=1,
        role="kabag",
        assignee=None,
        title="Disposisi",
        status="diproses",
        opened_at=T0,
        due_at=T0 + timedelta(minutes=15),
        audit=_entry("a2", "langkah_dimulai"),
    )
    breach = BreachInput(
        case=CASE,
        task_key=enter.task_key,
        audit=_entry("a3", "sla_terlampaui", T0 + timedelta(minutes=15)),
    )
    done = CompleteStepInput(
        case=CASE,
        task_key=enter.task_key,
        actor="malang.kabag",
        outcome="selesai",
        completed_at=T0 + timedelta(minutes=20),
        audit=[_entry("a4", "aksi_diterima"), _entry("a5", "langkah_selesai")],
    )
    close = CloseCaseInput(
        case=CASE,
        status="selesai",
        public_response="Sudah diperbaiki",
        closed_at=T0 + timedelta(hours=1),
        audit=_entry("a6", "kasus_selesai"),
    )
    for _ in range(2):  # the second pass is a retry of every activity
        env.run(acts.record_case, opened)
        env.run(acts.enter_step, enter)
        env.run(acts.record_breach, breach)
        env.run(acts.complete_step, done)
        env.run(acts.close_case, close)
    with factory() as s:
        assert s.scalar(select(func.count(Case.id))) == 1
        tasks = s.scalars(select(Task)).all()
        events = s.scalars(select(AuditEvent.event).order_by(AuditEvent.id)).all()
        case = s.scalar(select(Case))
    assert len(tasks) == 1
    assert (tasks[0].status, tasks[0].overdue, tasks[0].completed_by) == (
        "done",
        True,
        "malang.kabag",
    )
    assert events == [
        "kasus_dibuka",
        "langkah_dimulai",
        "sla_terlampaui",
        "aksi_diterima",
        "langkah_selesai",
        "kasus_selesai",
    ]
    assert case is not None and case.sla_breached and case.status == "selesai"
    assert case.public_response == "Sudah diperbaiki" and case.current_step is None


def test_closing_a_case_cancels_its_open_tasks(factory: sessionmaker[Session]) -> None:
    acts = CaseRecordActivities(factory)
    env = ActivityEnvironment()
    env.run(
        acts.record_case,
        RecordCaseInput(
            case=CASE,
            kind="saran",
            channel="website",
            subject="x",
            status="diterima",
            opened_at=T0,
            audit=_entry("b1", "kasus_dibuka"),
        ),
    )
    env.run(
        acts.enter_step,
        EnterStepInput(
            case=CASE,
            task_key="t/penerimaan/1",
            step="penerimaan",
            round=1,
            role="pengelola_tik",
            assignee=None,
            title="Terima",
            status="diterima",
            opened_at=T0,
            due_at=None,
            audit=_entry("b2", "langkah_dimulai"),
        ),
    )
    env.run(
        acts.close_case,
        CloseCaseInput(
            case=CASE,
            status="ditutup",
            closing_reason="Spam",
            closed_at=T0,
            audit=_entry("b3", "kasus_ditutup"),
        ),
    )
    with factory() as s:
        task = s.scalar(select(Task))
    assert task is not None and task.status == "cancelled"


def test_a_busy_worker_reuses_its_connections(db_url: str) -> None:
    """As many sessions at once as the worker has activity threads, then as many again: the
    second burst opens no new connection (SQLAlchemy's own pool of 5 opened and closed eleven
    overflow connections per burst, each running the SQLite pragmas under the file's lock)."""
    engine = make_engine(db_url)
    connects: list[object] = []
    event.listen(engine, "connect", lambda conn, _record: connects.append(conn))
    everyone = Barrier(POOL_SIZE)

    def one_session(_: int) -> int:
        with engine.connect() as conn:
            everyone.wait(timeout=10)  # all sessions open at the same moment
            return int(conn.execute(text("SELECT 1")).scalar_one())

    try:
        with ThreadPoolExecutor(POOL_SIZE) as pool:
            assert sum(pool.map(one_session, range(POOL_SIZE))) == POOL_SIZE
            first = len(connects)
            everyone.reset()
            assert sum(pool.map(one_session, range(POOL_SIZE))) == POOL_SIZE
        assert first == POOL_SIZE
        assert len(connects) == first, "the second burst opened new connections"
    finally:
        engine.dispose()


WRITES = ("INSERT", "UPDATE", "DELETE")


def test_case_record_writes_read_nothing_after_their_first_write(
    db_engine: Engine, factory: sessionmaker[Session]
) -> None:
    """Every case-record activity reads what it needs before it writes: SQLite holds its one write
    lock from a transaction's first write to its commit, and the API's claims and every other
    case's writes wait on it (``make bench``: an officer's claim waited 1.2 s at p95 while a
    step's close read its trail lines between its writes). Runs each activity twice, the second
    time as a retry that finds its rows; a chained close (a step closed with the next one's
    opening) and a workflow's refusal (which frees a claimed task) included."""
    runs: list[list[str]] = []
    event.listen(
        db_engine,
        "before_cursor_execute",
        lambda _c, _cur, statement, *_a: runs[-1].append(statement.lstrip().split()[0].upper()),
    )
    acts = CaseRecordActivities(factory)
    env = ActivityEnvironment()
    first = "malang-MLG-DB-1/penerimaan/1"
    second = "malang-MLG-DB-1/disposisi/1"

    def opening(
        key: str, step: str, audit: str, closing: CompleteStepInput | None
    ) -> EnterStepInput:
        return EnterStepInput(
            case=CASE,
            task_key=key,
            step=step,
            round=1,
            role="kabag",
            assignee=None,
            title=step,
            status="diproses",
            opened_at=T0,
            due_at=T0 + timedelta(minutes=15),
            clock="kalender",
            audit=_entry(audit, "langkah_dimulai"),
            closing=closing,
        )

    refused = _entry("c4", "aksi_ditolak").model_copy(update={"action_id": "act-1"})
    done = CompleteStepInput(
        case=CASE,
        task_key=first,
        actor="malang.kabag",
        outcome="selesai",
        completed_at=T0 + timedelta(minutes=5),
        audit=[_entry("c5", "aksi_diterima"), _entry("c6", "langkah_selesai")],
    )
    steps = [
        (acts.record_case, _opened("c1")),
        (acts.enter_step, opening(first, "penerimaan", "c2", None)),
        (
            acts.record_breach,
            BreachInput(case=CASE, task_key=first, audit=_entry("c3", "sla_terlampaui")),
        ),
        (acts.record_audit, RecordAuditInput(case=CASE, audit=refused)),
        (acts.enter_step, opening(second, "disposisi", "c7", done)),
        (
            acts.complete_step,
            done.model_copy(
                update={"task_key": second, "audit": [_entry("c8", "langkah_selesai")]}
            ),
        ),
        (
            acts.close_case,
            CloseCaseInput(
                case=CASE,
                status="selesai",
                closed_at=T0 + timedelta(hours=1),
                audit=_entry("c9", "kasus_selesai"),
            ),
        ),
    ]
    for attempt in range(2):
        for fn, inp in steps:
            runs.append([])
            env.run(fn, inp)
            statements = [s for s in runs[-1] if s not in ("BEGIN", "COMMIT", "ROLLBACK")]
            wrote = [i for i, s in enumerate(statements) if s in WRITES]
            if attempt == 0 or wrote:
                assert wrote, f"{fn.__name__} wrote nothing"
                assert "SELECT" not in statements[wrote[0] :], (fn.__name__, statements)
    with factory() as s:
        events = s.scalars(select(AuditEvent.event_key).order_by(AuditEvent.id)).all()
        tasks = {t.task_key: t.status for t in s.scalars(select(Task))}
    assert events == ["c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"]
    assert tasks == {first: "done", second: "done"}
