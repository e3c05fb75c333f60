"""Metrics and JSON logs (issue 11): ``/metrics`` counts requests by route template, never by a case
number; Alur's own figures match the rows in the database (SQLite and PostgreSQL); a database that
cannot be read is ``alur_database_up 0``, not a failed scrape; ``ALUR_METRICS_TOKEN`` guards it;
and a JSON log line of a real request and of a real activity is JSON, carries the case number and
workflow id, and holds nothing personal."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from alur.log_format import JsonFormatter, case_number_of, configure_logging, redact
from alur.settings import Settings
from api.main import create_app
from api.metrics import AlurCollector
from db.login_throttle import LoginEvent
from db.migrate import upgrade
from db.models import AuditEvent, Case, Notification, Task
from db.session import make_engine, make_session_factory, transaction
from tests.conftest import TEST_PAYLOAD_KEY, RunningWorkers
from tests.db_backends import database

NOW = datetime.now(UTC)
MALANG, TRENGGALEK = "malang-pengelolaan-tik", "trenggalek-pemanfaatan-aplikasi"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape: (name, labels) -> value."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(
    scrape: dict[tuple[str, frozenset[tuple[str, str]]], float], name: str, **labels: str
) -> float:
    return scrape.get((name, frozenset(labels.items())), 0.0)


def collected(
    sessions: sessionmaker[Session],
) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for metric in AlurCollector(lambda: sessions).collect()
        for s in metric.samples
    }


# --- Alur's figures from the tables, on both databases --------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_sessions(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[sessionmaker[Session]]:
    with database(request.param, tmp_path) as url:
        upgrade(url)
        engine = make_engine(url)
        yield make_session_factory(engine)
        engine.dispose()


def _case(number: str, sop: str, step: str | None, *, closed: bool = False) -> Case:
    return Case(
        case_number=number,
        workflow_id=f"x-{number}",
        sop=sop,
        agency="a",
        kind="pengaduan",
        channel="website",
        subject="s",
        status="selesai" if closed else "diproses",
        current_step=None if closed else step,
        closed_at=NOW if closed else None,
    )


def _task(key: str, sop: str, step: str, *, status: str = "open", overdue: bool = False,
          due: timedelta | None = timedelta(hours=1)) -> Task:  # fmt: skip
    return Task(
        task_key=key,
        workflow_id=f"x-{key}",
        case_number=key,
        sop=sop,
        agency="a",
        step=step,
        role="r",
        title="t",
        status=status,
        overdue=overdue,
        opened_at=NOW - timedelta(days=1),
        due_at=None if due is None else NOW + due,
    )


def _breach(key: str, number: str, step: str, event: str = "sla_terlampaui") -> AuditEvent:
    return AuditEvent(
        event_key=key, workflow_id=f"x-{number}", case_number=number, step=step, event=event, at=NOW
    )


def _message(
    key: str, status: str, channel: str = "whatsapp", purpose: str = "tanggapan"
) -> Notification:
    return Notification(
        notification_key=key,
        purpose=purpose,
        channel=channel,
        recipient="+6281234567890",
        recipient_masked="+62812****7890",
        body="b",
        provider="dev",
        status=status,
    )


def _login(key: str, event: str) -> LoginEvent:
    return LoginEvent(key=key, event=event, address_ref="ref")


def test_alurs_figures_are_the_rows_in_the_database(
    backend_sessions: sessionmaker[Session],
) -> None:
    with transaction(backend_sessions) as s:
        s.add_all(
            [
                _case("M-1", MALANG, "disposisi"),
                _case("M-2", MALANG, "disposisi"),
                _case("M-3", MALANG, "telaah"),
                _case("M-4", MALANG, None, closed=True),
                _case("T-1", TRENGGALEK, "kasi"),
                _task("k1", MALANG, "disposisi", overdue=True),  # the workflow marked it late
                _task("k2", MALANG, "disposisi", due=-timedelta(minutes=1)),  # its deadline passed
                _task("k3", MALANG, "disposisi"),  # on time
                _task("k4", MALANG, "telaah", status="done", overdue=True),  # late, but done
                _task("k5", MALANG, "telaah", due=None),  # no deadline
                _task("k6", TRENGGALEK, "kasi", overdue=True),
                _breach("b1", "M-1", "disposisi"),
                _breach("b2", "M-1", "telaah"),
                _breach("b3", "M-2", "disposisi"),
                _breach("b4", "T-1", "kasi"),
                _breach("b5", "M-3", "telaah", event="langkah_selesai"),
                _message("n1", "delivered"),
                _message("n2", "delivered"),
                _message("n3", "failed"),
                _message("n4", "sent", channel="sms", purpose="penugasan"),
                _login("petugas:malang.kabag", "gagal"),
                _login("petugas:malang.kabag", "gagal"),
                _login("petugas:malang.kabag", "terkunci"),
                _login("magesty:abc123", "gagal"),
                _login("alamat:def456", "ditolak_saat_terkunci"),
            ]
        )
    got = collected(backend_sessions)
    assert value(got, "alur_database_up") == 1
    assert value(got, "alur_cases_open", sop=MALANG, step="disposisi") == 2
    assert value(got, "alur_cases_open", sop=MALANG, step="telaah") == 1
    assert value(got, "alur_cases_open", sop=TRENGGALEK, step="kasi") == 1
    assert sum(v for (n, _), v in got.items() if n == "alur_cases_open") == 4  # M-4 is closed

    assert value(got, "alur_tasks_overdue", sop=MALANG, step="disposisi") == 2
    assert value(got, "alur_tasks_overdue", sop=MALANG, step="telaah") == 0
    assert value(got, "alur_tasks_overdue", sop=TRENGGALEK, step="kasi") == 1

    assert value(got, "alur_sla_breaches_total", sop=MALANG, step="disposisi") == 2
    assert value(got, "alur_sla_breaches_total", sop=MALANG, step="telaah") == 1
    assert value(got, "alur_sla_breaches_total", sop=TRENGGALEK, step="kasi") == 1

    def sent(channel: str, purpose: str, status: str) -> float:
        return value(got, "alur_notifications", channel=channel, purpose=purpose, status=status)

    assert sent("whatsapp", "tanggapan", "delivered") == 2
    assert sent("whatsapp", "tanggapan", "failed") == 1
    assert sent("sms", "penugasan", "sent") == 1

    assert value(got, "alur_logins_refused_total", kind="petugas", event="gagal") == 2
    assert value(got, "alur_logins_refused_total", kind="petugas", event="terkunci") == 1
    assert value(got, "alur_logins_refused_total", kind="magesty", event="gagal") == 1
    assert (
        value(got, "alur_logins_refused_total", kind="alamat", event="ditolak_saat_terkunci") == 1
    )

    labels = {v for (_, ls) in got for _, v in ls}
    for private in ("malang.kabag", "abc123", "def456", "M-1", "+6281234567890"):
        assert private not in labels, f"{private} became a label"


def test_an_unreadable_database_is_reported_not_a_failed_scrape(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'missing' / 'alur.db'}")  # no such folder
    got = collected(make_session_factory(engine))
    assert got == {("alur_database_up", frozenset()): 0.0}


# --- /metrics over HTTP ---------------------------------------------------------------------------


@pytest.fixture
def sessions_with_officers(
    sessions: sessionmaker[Session], demo_officers: list[str]
) -> sessionmaker[Session]:
    return sessions


def _app_client(sessions: sessionmaker[Session], **settings: Any) -> httpx.AsyncClient:
    app = create_app(
        Settings(environment="test", payload_key=SecretStr(TEST_PAYLOAD_KEY), **settings),
        sessions=sessions,
        temporal=None,  # these requests never reach Temporal
    )
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


async def test_requests_are_counted_by_route_template_and_status(
    sessions_with_officers: sessionmaker[Session],
) -> None:
    async with _app_client(sessions_with_officers) as http:
        for number in ("MLG-260101-AAAA1111", "MLG-260101-BBBB2222"):
            assert (await http.get(f"/publik/kasus/{number}")).status_code == 404
        assert (await http.get("/sop")).status_code == 200
        assert (await http.get("/tasks")).status_code == 401
        bad = await http.post("/auth/login", data={"username": "malang.kabag", "password": "salah"})
        assert bad.status_code == 401
        assert (await http.get("/tidak-ada/MLG-260101-CCCC3333")).status_code == 404
        assert (await http.request("SERANG", "/sop")).status_code in (400, 405)
        docs = (await http.get("/docs")).text
        asset = next(part.split('"')[0] for part in docs.split("/static-docs/")[1:])
        assert (await http.get(f"/static-docs/{asset}")).status_code == 200
        assert (await http.get("/static-docs/a/b/c/MLG-260101-DDDD4444")).status_code == 404
        scrape = await http.get("/metrics")
    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain")
    text = scrape.text
    for number in ("AAAA1111", "BBBB2222", "CCCC3333", "DDDD4444", "salah", "SERANG"):
        assert number not in text
    got = samples(text)
    requests = "alur_http_requests_total"
    assert (
        value(got, requests, method="GET", route="/publik/kasus/{nomor_kasus}", status="404") == 2
    )
    assert value(got, requests, method="GET", route="/sop", status="200") == 1
    assert value(got, requests, method="GET", route="/tasks", status="401") == 1
    assert value(got, requests, method="POST", route="/auth/login", status="401") == 1
    assert value(got, requests, method="GET", route="unmatched", status="404") == 1
    assert sum(v for (n, ls), v in got.items() if n == requests and ("method", "OTHER") in ls) == 1
    static = "/static-docs/{path}"
    assert value(got, requests, method="GET", route=static, status="200") == 1
    assert value(got, requests, method="GET", route=static, status="404") == 1
    latency = "alur_http_request_duration_seconds_count"
    assert value(got, latency, method="GET", route="/publik/kasus/{nomor_kasus}") == 2
    # The refused login is in Alur's figures, read from the table it was written to.
    assert value(got, "alur_logins_refused_total", kind="petugas", event="gagal") == 1
    assert value(got, "alur_database_up") == 1
    assert "/metrics" not in (await _openapi_paths(sessions_with_officers))


async def test_two_api_replicas_report_the_same_figures(
    sessions_with_officers: sessionmaker[Session],
) -> None:
    async with _app_client(sessions_with_officers) as a, _app_client(sessions_with_officers) as b:
        bad = {"username": "malang.kabag", "password": "salah"}
        assert (await a.post("/auth/login", data=bad)).status_code == 401
        assert (await a.post("/auth/login", data=bad)).status_code == 401
        first, second = (
            samples((await a.get("/metrics")).text),
            samples((await b.get("/metrics")).text),
        )

    def figures(scrape: dict[tuple[str, frozenset[tuple[str, str]]], float]) -> dict[Any, float]:
        return {k: v for k, v in scrape.items() if k[0].startswith("alur_") and "http" not in k[0]}

    assert figures(first) == figures(second)
    assert value(second, "alur_logins_refused_total", kind="petugas", event="gagal") == 2
    # Requests are each replica's own.
    login = {"method": "POST", "route": "/auth/login", "status": "401"}
    assert value(first, "alur_http_requests_total", **login) == 2
    assert value(second, "alur_http_requests_total", **login) == 0


async def _openapi_paths(sessions: sessionmaker[Session]) -> set[str]:
    async with _app_client(sessions) as http:
        return set((await http.get("/openapi.json")).json()["paths"])


async def test_a_metrics_token_guards_the_endpoint(sessions: sessionmaker[Session]) -> None:
    async with _app_client(sessions, metrics_token=SecretStr("rahasia-pemantau")) as http:
        refused = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer salah"})
        allowed = await http.get("/metrics", headers={"Authorization": "Bearer rahasia-pemantau"})
    assert refused.status_code == wrong.status_code == 401
    assert refused.json()["error"]["code"] == "not_authenticated"
    assert allowed.status_code == 200 and "alur_database_up 1.0" in allowed.text


# --- JSON logs --------------------------------------------------------------------------------


def test_redaction_and_case_numbers() -> None:
    text = (
        "to +62 812-3456-7890 or 081234567890, NIK 3573010101900001, budi@example.com, "
        "Bearer abc.def, eyJhbGciOi.eyJzdWIi.c2lnbmF0dXJl; kept: +62812****7890, "
        "MLG-260101-AB12CD34, MLG-K1234567890AB, 2026-12-01, attempt 3"
    )
    assert redact(text) == (
        "to [angka] or [angka], NIK [angka], [email], "
        "Bearer [token], [token]; kept: +62812****7890, "
        "MLG-260101-AB12CD34, MLG-K1234567890AB, 2026-12-01, attempt 3"
    )
    # A case number whose random part came out all decimal is not a phone number.
    digits = "sent sms penugasan to +62812****0008 for MLG-261201-08176718 (attempt 1)"
    assert redact(digits) == digits
    assert redact("MGS-K012345678901 0812-3456-7890 TRG-261201-12345678") == (
        "MGS-K012345678901 [angka] TRG-261201-12345678"
    )
    assert case_number_of("malang-MLG-260101-AB12CD34") == "MLG-260101-AB12CD34"
    assert case_number_of("trenggalek-TRG-K0123456789AB") == "TRG-K0123456789AB"
    assert case_number_of("retensi-data-pribadi") is None
    assert case_number_of(None) is None


def test_an_exception_is_its_type_and_frames_never_its_message() -> None:
    logger = logging.getLogger("tests.json")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger.addHandler(handler)
    try:
        try:
            raise ValueError("telepon 0812-3456-7890 milik Budi")
        except ValueError:
            logger.exception("insert failed", extra={"case_number": "MLG-1", "nama": "Budi"})
    finally:
        logger.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "insert failed"
    assert line["case_number"] == "MLG-1"
    assert line["exception"]["type"] == "ValueError"
    assert any("test_metrics.py" in frame for frame in line["exception"]["frames"])
    assert "Budi" not in stream.getvalue() and "0812" not in stream.getvalue()


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The process's logging in JSON mode, written to a buffer; restored afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, sys.excepthook, sys.unraisablehook)
    access = logging.getLogger("uvicorn.access")
    saved_access = (access.handlers[:], access.propagate, access.disabled)
    configure_logging("json")
    stream = io.StringIO()
    handler = root.handlers[0]
    assert isinstance(handler, logging.StreamHandler)
    handler.setStream(stream)
    yield stream
    root.handlers, root.level, sys.excepthook, sys.unraisablehook = saved
    access.handlers, access.propagate, access.disabled = saved_access


async def _act(
    http: httpx.AsyncClient, token: str, number: str, step: str, body: dict[str, Any]
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for _ in range(200):
        r = await http.post(f"/malang/kasus/{number}/{step}", json=body, headers=headers)
        if r.status_code != 409:
            break
        await asyncio.sleep(0.05)
    assert r.status_code == 202, r.text


CONTACT = {"nama": "Siti Aminah", "telepon": "0812-9876-5432", "kanal_balasan": "whatsapp"}
PERSONAL = ("Siti", "Aminah", "0812-9876-5432", "081298765432", "6281298765432", "alur-demo-2026")


@pytest.fixture
async def json_api(
    workers: RunningWorkers, sessions: sessionmaker[Session], demo_officers: list[str]
) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        environment="test",
        task_queue=workers.task_queue,
        payload_key=SecretStr(TEST_PAYLOAD_KEY),
        public_base_url="http://testserver",
        log_format="json",
    )
    app = create_app(settings, sessions=sessions, temporal=workers.client)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def test_json_log_lines_of_a_real_request_and_activity_name_the_case_and_no_person(
    json_logs: io.StringIO, json_api: httpx.AsyncClient
) -> None:
    report = {"jenis": "pengaduan", "kanal": "website", "judul": "Lampu", "isi": "Jl. Ijen gelap"}
    filed = await json_api.post("/malang/laporan", json={**report, "kontak": CONTACT})
    assert filed.status_code == 201, filed.text
    number = filed.json()["nomor_kasus"]
    login = await json_api.post(
        "/auth/login", data={"username": "malang.pengelola_tik", "password": "alur-demo-2026"}
    )
    token = login.json()["access_token"]
    tokens = [token]
    await _act(json_api, token, number, "penerimaan", {"keputusan": "teruskan"})
    kabag = await json_api.post(
        "/auth/login", data={"username": "malang.kabag", "password": "alur-demo-2026"}
    )
    tokens.append(kabag.json()["access_token"])
    instruction = {"kasubag": "malang.kasubag", "instruksi": "Tindak lanjuti"}
    await _act(json_api, tokens[1], number, "disposisi", instruction)
    # The Kasubag is told of the new task by SMS: an activity that logs its send.
    for _ in range(200):
        if f"for {number}" in json_logs.getvalue():
            break
        await asyncio.sleep(0.05)
    text = json_logs.getvalue()
    records = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert records
    for personal in (*PERSONAL, *tokens):
        assert personal not in text, f"{personal!r} was logged"
    requests = [r for r in records if r["logger"] == "alur.http"]
    action = [r for r in requests if r["route"] == "/malang/kasus/{nomor_kasus}/penerimaan"]
    assert action and action[-1]["status"] == 202
    assert action[-1]["case_number"] == number
    assert action[-1]["method"] == "POST" and action[-1]["duration_ms"] >= 0
    sends = [
        r for r in records if r["message"].startswith("sent ") and f"for {number}" in r["message"]
    ]
    assert sends, records[-10:]
    assert sends[0]["workflow_id"] == f"malang-{number}"
    assert sends[0]["case_number"] == number


# --- The worker's SDK metrics --------------------------------------------------------------------

_SDK_PROBE = """
import logging, sys, urllib.request
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
from alur.sdk_runtime import install_sdk_runtime
served = install_sdk_runtime(sys.argv[1])
print("served" if served else "not served", flush=True)
if served:
    with urllib.request.urlopen(f"http://{sys.argv[1]}/metrics", timeout=10) as answer:
        print("status", answer.status, flush=True)
"""


def _sdk_probe(address: str) -> subprocess.CompletedProcess[str]:
    """``install_sdk_runtime`` in a process of its own (it sets the process's default runtime)."""
    return subprocess.run(
        [sys.executable, "-c", _SDK_PROBE, address],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path(__file__).resolve().parent.parent,
    )


def test_the_sdk_runtime_serves_metrics_and_a_taken_port_costs_only_the_metrics() -> None:
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    served = _sdk_probe(f"127.0.0.1:{port}")
    assert served.returncode == 0, served.stderr
    assert served.stdout.splitlines() == ["served", "status 200"]

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        refused = _sdk_probe(f"127.0.0.1:{taken}")
    assert refused.returncode == 0, refused.stderr
    assert refused.stdout.splitlines() == ["not served"]
    assert f"ERROR alur.sdk_runtime Temporal SDK metrics not served on 127.0.0.1:{taken}" in (
        refused.stderr
    )
