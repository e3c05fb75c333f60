"""``make run``: the whole stack on one machine, on embedded defaults, kept up until stopped.

Checks the settings and that every port is free before anything starts (one line per problem and a
non-zero exit), migrates the database, seeds the demo officers and register, starts the Temporal dev
server (state in a SQLite file under .alur/, so cases survive a restart; UI on :8233, decoding
through the API's codec), registers Alur's search attributes, then starts the worker and the API.

It supervises all three (``alur/supervisor.py``): one that exits is restarted after a wait that
doubles from ``ALUR_RUN__RESTART_DELAY``, and when one exits ``ALUR_RUN__MAX_RESTARTS`` times within
``ALUR_RUN__RESTART_WINDOW`` it stops everything and exits 1. The Temporal dev server is restarted
like the others rather than taking the stack down: its state is on disk, and the worker and the API
reconnect by themselves, so a restart loses nothing; if it cannot stay up (its port taken, its file
damaged), the same limit stops everything. Ctrl-C, SIGTERM and SIGHUP (the terminal closed) stop
all three, API and worker first so no request is cut half-way through a workflow call, and exit 0.

Exit codes: 0 stopped on request, 1 gave up on a process, 2 a configuration error, 3 a port in use.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType

from alur.preflight import ConfigError, load_settings, port_problems, stack_ports
from alur.settings import Settings
from alur.supervisor import Child, GiveUp, Supervisor, say

# The rest (migrations, the seed, the Temporal client) is imported once the checks have passed:
# a refusal comes in a second, not after every import.

ROOT = Path(__file__).resolve().parent.parent
EXIT_GAVE_UP, EXIT_CONFIG, EXIT_PORT = 1, 2, 3
_TICK = 0.2


class _Stop(Exception):
    """A stop signal arrived."""


class _Signals:
    """Turns SIGINT, SIGTERM and SIGHUP into a flag the supervisor's loops look at, so a signal
    never interrupts a child half-started."""

    def __init__(self) -> None:
        self.received: signal.Signals | None = None
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.received = signal.Signals(signum)

    def check(self) -> None:
        if self.received is not None:
            raise _Stop


def _temporal_child(settings: Settings, data: Path) -> Child:
    from alur.temporal import dev_server_path

    host, port = settings.temporal_address.rsplit(":", 1)
    ui_port = stack_ports(settings)[1].port
    argv = [
        dev_server_path(),
        "server",
        "start-dev",
        "--db-filename",
        str(data / "temporal.db"),
        "--ip",
        host,
        "--port",
        port,
        "--ui-port",
        str(ui_port),
        "--ui-codec-endpoint",
        f"{settings.public_base_url}/codec",
        "--log-level",
        "warn",
    ]
    child = Child(
        "temporal", "the Temporal dev server", argv, data / "temporal.log", signal.SIGTERM, ROOT
    )
    child.ready = lambda: _accepts(host, int(port))
    return child


def _accepts(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def _worker_child(data: Path, temporal: Child) -> Child:
    argv = [sys.executable, str(ROOT / "worker.py")]
    return Child("worker", "the worker", argv, data / "worker.log", cwd=ROOT, after=temporal)


def _api_child(settings: Settings, data: Path, temporal: Child) -> Child:
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "api.main:app",
        "--host",
        settings.api_host,
        "--port",
        str(settings.api_port),
    ]
    return Child("api", "the API", argv, data / "api.log", cwd=ROOT, after=temporal)


async def _register(settings: Settings) -> None:
    from temporalio.client import Client

    from alur.temporal import register_search_attributes

    client = await asyncio.wait_for(Client.connect(settings.temporal_address), timeout=5)
    await asyncio.wait_for(
        register_search_attributes(client, settings.temporal_namespace), timeout=10
    )


def _wait_for_temporal(
    settings: Settings, supervisor: Supervisor, signals: _Signals, temporal: Child
) -> None:
    deadline = time.monotonic() + 90
    while True:
        signals.check()
        supervisor.tick()
        if temporal.running:
            try:
                asyncio.run(_register(settings))
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise GiveUp(
                        f"temporal: {temporal.label} did not answer within 90 s; see {temporal.log}"
                    ) from None
        time.sleep(0.5)


def _wait_for_api(url: str, supervisor: Supervisor, signals: _Signals, api: Child) -> None:
    deadline = time.monotonic() + 90
    while True:
        signals.check()
        supervisor.tick()
        if api.running:
            try:
                with urllib.request.urlopen(url, timeout=1):
                    return
            except OSError:
                pass
        if time.monotonic() > deadline:
            raise GiveUp(f"api: {api.label} did not answer within 90 s; see {api.log}")
        time.sleep(0.3)


def _banner(settings: Settings, officers: list[str], count: int) -> str:
    from alur.seed import DEMO_PASSWORD

    api = f"http://{settings.api_host}:{settings.api_port}"
    data = settings.data_dir
    metrics = (
        f"{api}/metrics (API and Alur's figures); "
        f"http://{settings.worker_metrics_host}:{settings.worker_metrics_port}/metrics (worker)"
        if settings.worker_metrics_port
        else f"{api}/metrics (API and Alur's figures)"
    )
    return f"""
Alur is running.
  API              {api}        (OpenAPI docs: {api}/docs)
  Temporal UI      {settings.temporal_ui_url}   (cases by AlurCaseNumber)
  Temporal server  {settings.temporal_address}
  Database         {settings.database_url}
  Dev outbox       {api}/dev/outbox   (messages the dev notifier "sent")
  Metrics          {metrics}
  Logs             {data}/temporal.log, worker.log, api.log

Demo officers ({count}; password for all: {DEMO_PASSWORD}):
  Kota Malang: {", ".join(officers)}
  others: <city>.<role>, e.g. trenggalek.kepala_dinas, magelang.satker
  operator (decrypts payloads: {api}/codec, CLI --codec-auth "Bearer $TOKEN"): kominfo.operator

File a complaint:
  curl -s -X POST {api}/malang/laporan -H 'content-type: application/json' \\
    -d '{{"jenis":"pengaduan","kanal":"website","judul":"Lampu jalan mati","isi":"Jl. Ijen gelap"}}'
Log in and see your tasks:
  curl -s -X POST {api}/auth/login -d 'username=malang.pengelola_tik&password={DEMO_PASSWORD}'
  curl -s {api}/tasks -H "Authorization: Bearer $TOKEN"

A process that exits is restarted; Ctrl-C stops everything; the next `make run` keeps these cases.
"""


def _prepare(settings: Settings) -> tuple[list[str], int]:
    """Migrate and seed; a database that cannot be reached is one line, not a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from alur.seed import seed
    from db.migrate import upgrade
    from db.session import make_engine, make_session_factory

    try:
        upgrade(settings.database_url)
        officers, _ = seed(make_session_factory(make_engine(settings.database_url)))
    except SQLAlchemyError as err:
        cause = getattr(err, "orig", None) or err
        first = str(cause).strip().splitlines()[0] if str(cause).strip() else ""
        raise ConfigError(
            [f"ALUR_DATABASE_URL: the database cannot be used ({type(cause).__name__}: {first})"]
        ) from None
    malang = [o.username for o in officers if o.agency == "malang-bagpem"]
    return malang, len(officers)


def main() -> int:
    """Check, bring the stack up and keep it up until a stop signal; the process's exit code."""
    try:
        settings = load_settings()
    except ConfigError as err:
        for line in err.lines:
            say(f"configuration error: {line}")
        return EXIT_CONFIG
    taken = port_problems(stack_ports(settings))
    if taken:
        for line in taken:
            say(f"cannot start: {line}")
        return EXIT_PORT

    signals = _Signals()
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    try:
        malang, count = _prepare(settings)
    except ConfigError as err:
        for line in err.lines:
            say(f"configuration error: {line}")
        return EXIT_CONFIG
    supervisor = Supervisor(settings.run)
    code = 0
    try:
        signals.check()
        temporal = supervisor.add(_temporal_child(settings, data))
        _wait_for_temporal(settings, supervisor, signals, temporal)
        supervisor.add(_worker_child(data, temporal))
        api = supervisor.add(_api_child(settings, data, temporal))
        _wait_for_api(
            f"http://{settings.api_host}:{settings.api_port}/health", supervisor, signals, api
        )
        say(_banner(settings, malang, count))
        while True:
            signals.check()
            supervisor.tick()
            time.sleep(_TICK)
    except _Stop:
        assert signals.received is not None
        say(f"\n{signals.received.name}: stopping Alur.")
    except GiveUp as err:
        say(str(err))
        code = EXIT_GAVE_UP
    finally:
        # API and worker first, while the server is still up to end their long polls cleanly;
        # then the server, which saves its state to the SQLite file.
        supervisor.stop(last=("temporal",))
    say("Alur stopped." if code == 0 else "Alur stopped (gave up).")
    return code


if __name__ == "__main__":
    sys.exit(main())
