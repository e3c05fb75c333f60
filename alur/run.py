"""``make run``: the whole stack on one machine, on embedded defaults.

Migrates the database, seeds the demo officers and register, starts the Temporal dev server (state
in a SQLite file under .alur/, so cases survive a restart; UI on :8233, decoding through the API's
codec), registers Alur's search attributes, then starts the worker and the API. Ctrl-C stops all
three, API first so no request is cut half-way through a workflow call.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from alur.seed import DEMO_PASSWORD, seed
from alur.settings import Settings, get_settings
from alur.temporal import dev_server_path, register_search_attributes
from db.migrate import upgrade
from db.session import make_engine, make_session_factory

ROOT = Path(__file__).resolve().parent.parent


def _start(cmd: list[str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("ab")
    return subprocess.Popen(
        cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
    )


async def _wait_for_temporal(settings: Settings, proc: subprocess.Popen[bytes]) -> None:
    from temporalio.client import Client

    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise SystemExit("the Temporal dev server stopped: see .alur/temporal.log")
        try:
            client = await Client.connect(settings.temporal_address)
            await register_search_attributes(client, settings.temporal_namespace)
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.5)


def _wait_for_http(url: str, proc: subprocess.Popen[bytes], name: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            raise SystemExit(f"{name} stopped: see {log}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def main() -> None:
    """Bring the stack up and keep it up until Ctrl-C."""
    settings = get_settings()
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    officers, _ = seed(make_session_factory(make_engine(settings.database_url)))

    host, port = settings.temporal_address.rsplit(":", 1)
    ui_port = settings.temporal_ui_url.rsplit(":", 1)[-1]
    api = f"http://{settings.api_host}:{settings.api_port}"
    procs: list[tuple[str, subprocess.Popen[bytes]]] = []
    temporal_log = data / "temporal.log"
    temporal = _start(
        [
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
            ui_port,
            "--ui-codec-endpoint",
            f"{settings.public_base_url}/codec",
            "--log-level",
            "warn",
        ],
        temporal_log,
    )
    procs.append(("temporal", temporal))

    def stop(*_: object) -> None:
        # API and worker first, while the server is still up to end their long polls cleanly;
        # then the server, which saves its state to the SQLite file.
        for name, proc in reversed(procs):
            if proc.poll() is None and name != "temporal":
                proc.send_signal(signal.SIGINT)
        for name, proc in reversed(procs):
            if name == "temporal" and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            try:  # a worker's last long poll may not end by itself: it loses nothing if cut
                proc.wait(timeout=20 if name == "temporal" else 5)
            except subprocess.TimeoutExpired:
                proc.kill()
        print("\nAlur stopped.")  # noqa: T201
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        asyncio.run(_wait_for_temporal(settings, temporal))
        worker_log, api_log = data / "worker.log", data / "api.log"
        worker = _start([sys.executable, str(ROOT / "worker.py")], worker_log)
        procs.append(("worker", worker))
        server = _start(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.main:app",
                "--host",
                settings.api_host,
                "--port",
                str(settings.api_port),
            ],
            api_log,
        )
        procs.append(("api", server))
        _wait_for_http(f"{api}/health", server, "the API", api_log)
    except BaseException:
        stop()
        raise

    malang = [o.username for o in officers if o.agency == "malang-bagpem"]
    print(  # noqa: T201
        f"""
Alur is running.
  API              {api}        (OpenAPI docs: {api}/docs)
  Temporal UI      {settings.temporal_ui_url}   (cases by AlurCaseNumber)
  Temporal server  {settings.temporal_address}
  Database         {settings.database_url}
  Dev outbox       {api}/dev/outbox   (messages the dev notifier "sent")
  Logs             {data}/temporal.log, worker.log, api.log

Demo officers ({len(officers)}; password for all: {DEMO_PASSWORD}):
  Kota Malang: {", ".join(malang)}
  others: <city>.<role>, e.g. trenggalek.kepala_dinas, magelang.satker
  operator (decrypts payloads: {api}/codec, CLI --codec-auth "Bearer $TOKEN"): kominfo.operator

File a complaint:
  curl -s -X POST {api}/malang/laporan -H 'content-type: application/json' \\
    -d '{{"jenis":"pengaduan","kanal":"website","judul":"Lampu jalan mati","isi":"Jl. Ijen gelap"}}'
Log in and see your tasks:
  curl -s -X POST {api}/auth/login -d 'username=malang.pengelola_tik&password={DEMO_PASSWORD}'
  curl -s {api}/tasks -H "Authorization: Bearer $TOKEN"

Ctrl-C stops everything; the next `make run` keeps these cases.
"""
    )
    while True:
        for name, proc in procs:
            if proc.poll() is not None:
                print(f"{name} exited ({proc.returncode}); stopping.")  # noqa: T201
                stop()
        time.sleep(1)


if __name__ == "__main__":
    main()
