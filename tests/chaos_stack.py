"""The pieces the chaos tests break: a Temporal dev server and an Alur worker, each its own process
(so it can be killed for real), the API in the test's process, and a driver that takes Malang cases
through their seven steps over HTTP as officers would, retrying what a person would retry.

The dev server keeps its state in a SQLite file (``--db-filename``) so a restart on the same file
resumes every case; the worker is ``worker.py`` as ``make run`` starts it, configured by ``ALUR_``
variables.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from temporalio.client import Client

from alur.temporal import data_converter, dev_server_path, register_search_attributes

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "alur-demo-2026"
PAYLOAD_KEY = "dGVzdC1wYXlsb2FkLWtleS0zMi1ieXRlcy1sb25nISE="

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
"""The straight path through Malang's seven steps: (step, officer, request body)."""
STEP_NAMES = tuple(s for s, _, _ in STEPS)
GONE_OUT = frozenset({"queued", "accepted", "sending", "sent", "delivered", "read"})
"""A logged message's statuses once its send began: the notification activity never sends that
message again (``activities/notifications.py``), so each intended message has one such row."""
RETRYABLE = frozenset({409, 503})
"""Answers an officer retries: "not at this step yet / busy" and "unavailable, try again"."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class TemporalDevServer:
    """``temporal server start-dev`` on a free port, its state in ``db_file``."""

    def __init__(self, directory: Path) -> None:
        self.db_file = directory / "temporal.db"
        self.log = directory / "temporal.log"
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        cmd = [
            dev_server_path(),
            "server",
            "start-dev",
            "--db-filename",
            str(self.db_file),
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--headless",
            "--log-level",
            "error",
        ]
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    async def client(self, timeout: float = 60) -> Client:
        """A client once the server answers, with Alur's search attributes registered."""
        deadline = time.monotonic() + timeout
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"temporal exited:\n{self.log.read_text()[-3000:]}")
            try:
                client = await Client.connect(
                    self.address, data_converter=data_converter(PAYLOAD_KEY)
                )
                await register_search_attributes(client, "default")
                return client
            except Exception:
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.3)

    def stop(self) -> None:
        """SIGTERM (the server saves its state to the file), SIGKILL if it hangs."""
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


class WorkerProcess:
    """``python worker.py`` against a database and a Temporal server, as ``make run`` starts it."""

    def __init__(self, directory: Path, env: Mapping[str, str]) -> None:
        self.log = directory / "worker.log"
        self.env = {**os.environ, **env}
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(ROOT / "worker.py")],
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1

    async def polling(self, timeout: float = 90) -> None:
        """Wait until this start of the worker logs that it polls its queues."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise AssertionError(f"worker exited:\n{self.log.read_text()[-3000:]}")
            if self.log.read_text().count("worker polling") >= self.starts:
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"worker never polled:\n{self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no clean-up, as a crash or the OOM killer would."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=10)


def worker_env(database_url: str, temporal_address: str, task_queue: str) -> dict[str, str]:
    """The worker's settings (no notification rate limit to speak of: the test is about faults)."""
    return {
        "ALUR_ENVIRONMENT": "test",
        "ALUR_DATABASE_URL": database_url,
        "ALUR_TEMPORAL_ADDRESS": temporal_address,
        "ALUR_TASK_QUEUE": task_queue,
        "ALUR_PAYLOAD_KEY": PAYLOAD_KEY,
        "ALUR_NOTIFICATION_RATE_PER_SECOND": "100",
        "ALUR_PUBLIC_BASE_URL": "http://testserver",
        "ALUR_WORKER_METRICS_PORT": "0",  # no fixed port: tests run beside each other
    }


class Officers:
    """The API seen by citizens and the demo officers, with the retries a person would make."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http
        self.headers: dict[str, dict[str, str]] = {}
        self.answers: list[tuple[int, str]] = []
        """Every retryable refusal seen: (status, Indonesian message)."""
        self.spans: list[tuple[float, float]] = []
        """When each action request was sent and answered (``time.monotonic``)."""
        self.cut_off: list[dict[str, Any]] = []
        """Messages ``check_outcome`` found still ``sending``: their attempt was cut off after
        the send began, and (the provider having no idempotency key) is never repeated."""

    async def login(self) -> None:
        for who in OFFICERS:
            r = await self.http.post("/auth/login", data={"username": who, "password": PASSWORD})
            assert r.status_code == 200, r.text
            self.headers[who] = {"Authorization": f"Bearer {r.json()['access_token']}"}

    async def file(self, n: int, timeout: float = 120) -> str:
        """A complaint with a phone number (so the response is sent to the citizen)."""
        body = {
            "jenis": "pengaduan",
            "kanal": "website",
            "judul": f"Lampu jalan mati {n}",
            "isi": "Jl. Ijen gelap sejak Senin",
            "kontak": {"nama": "Warga", "telepon": f"08123456{n:04d}"},
        }
        key = {"Idempotency-Key": f"chaos-laporan-{n}"}
        deadline = time.monotonic() + timeout
        while True:
            r = await self.http.post("/malang/laporan", json=body, headers=key)
            if r.status_code in (200, 201):
                return str(r.json()["nomor_kasus"])
            self._retryable(r, deadline)
            await asyncio.sleep(0.5 if r.status_code == 503 else 0.2)

    async def act(self, number: str, step: str, who: str, body: dict[str, Any]) -> None:
        """POST the step until it is accepted, or until the case shows it was (an answer lost to
        the fault): a later step, or closed after the last one."""
        deadline = time.monotonic() + 180
        while True:
            sent = time.monotonic()
            r = await self.http.post(
                f"/malang/kasus/{number}/{step}", json=body, headers=self.headers[who]
            )
            self.spans.append((sent, time.monotonic()))
            if r.status_code == 202:
                return
            error = r.json().get("error", {}) if r.status_code in RETRYABLE else {}
            now = (error.get("detail") or {}).get("langkah_sekarang")
            if now in STEP_NAMES and STEP_NAMES.index(now) > STEP_NAMES.index(step):
                return
            if error.get("code") == "case_closed" and step == STEP_NAMES[-1]:
                return
            self._retryable(r, deadline)
            await asyncio.sleep(0.5 if r.status_code == 503 else 0.2)

    async def drive(self, number: str, upto: int = len(STEPS)) -> None:
        """Take the case through its first ``upto`` steps."""
        for step, who, body in STEPS[:upto]:
            await self.act(number, step, who, body)

    def _retryable(self, r: httpx.Response, deadline: float) -> None:
        if r.status_code not in RETRYABLE:
            raise AssertionError(f"{r.request.method} {r.request.url}: {r.status_code} {r.text}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{r.request.url} still refused: {r.status_code} {r.text}")
        if r.status_code == 503:
            self.answers.append((r.status_code, r.json()["error"]["message"]))

    async def public(self, number: str) -> dict[str, Any]:
        r = await self.http.get(f"/publik/kasus/{number}")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    async def wait_done(self, numbers: list[str], timeout: float = 120) -> None:
        """Until every case's public page says ``selesai`` with the response."""
        deadline = time.monotonic() + timeout
        pending = list(numbers)
        while pending:
            shown = {n: await self.public(n) for n in pending}
            pending = [n for n, p in shown.items() if p["status"] != "selesai"]
            if not pending:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"not finished: {[(n, shown[n]['status']) for n in pending]}")
            await asyncio.sleep(0.5)

    async def check_outcome(self, number: str) -> None:
        """What the citizen and the officers see of a finished case: the response on the public
        page, exactly one message to the citizen, and each step taken exactly once in the trail."""
        public = await self.public(number)
        assert public["status"] == "selesai", public
        assert public["tanggapan"] == "Lampu akan diperbaiki dalam 2 hari.", public
        r = await self.http.get("/dev/outbox", params={"case_number": number})
        assert r.status_code == 200, r.text
        messages = r.json()
        sent = [m for m in messages if m["status"] in GONE_OUT]
        assert [m["purpose"] for m in sent].count("tanggapan") == 1, messages
        each = Counter((m["purpose"], m["step"], m["recipient"]) for m in sent)
        assert set(each.values()) == {1}, f"a message went out twice: {messages}"
        self.cut_off += [m for m in sent if m["status"] == "sending"]
        r = await self.http.get(f"/malang/kasus/{number}", headers=self.headers[TIK])
        assert r.status_code == 200, r.text
        trail = r.json()["jejak_audit"]
        for event in ("aksi_diterima", "langkah_selesai", "langkah_dimulai"):
            steps = [a["step"] for a in trail if a["event"] == event]
            assert steps == list(STEP_NAMES), (number, event, steps)
        for event in ("kasus_dibuka", "kasus_selesai"):
            assert [a["event"] for a in trail].count(event) == 1, (number, event, trail)
        told = [a for a in trail if a["event"] == "notifikasi_warga"]
        assert len(told) == 1 and told[0]["detail"]["terkirim"] == 1, told
        assert not [a for a in trail if a["event"] == "aksi_ditolak"], trail


class Stack:
    """A dev server, a worker process and the API (in this process) over one database."""

    def __init__(self, temporal: TemporalDevServer, worker: WorkerProcess, people: Officers):
        self.temporal = temporal
        self.worker = worker
        self.people = people


@contextlib.asynccontextmanager
async def running_stack(
    directory: Path, database_url: str, *, served_url: str | None = None
) -> AsyncIterator[Stack]:
    """Migrate and seed ``database_url``, start the dev server and a worker, and give the API to
    the test; the worker and the API reach the database at ``served_url`` (through a proxy, say),
    ``database_url`` by default."""
    from alur.seed import seed
    from alur.settings import Settings
    from api.main import create_app
    from db.migrate import upgrade
    from db.session import make_engine, make_session_factory

    upgrade(database_url)
    setup = make_engine(database_url)
    seed(make_session_factory(setup))
    setup.dispose()
    engine = make_engine(served_url or database_url)
    queue = f"chaos-{uuid.uuid4().hex[:8]}"
    temporal = TemporalDevServer(directory)
    temporal.start()
    worker = WorkerProcess(
        directory, worker_env(served_url or database_url, temporal.address, queue)
    )
    try:
        client = await temporal.client()
        worker.start()
        await worker.polling()
        settings = Settings(
            environment="test",
            database_url=served_url or database_url,
            task_queue=queue,
            payload_key=SecretStr(PAYLOAD_KEY),
            public_base_url="http://testserver",
        )
        app = create_app(settings, sessions=make_session_factory(engine), temporal=client)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", timeout=60
        ) as http:
            people = Officers(http)
            await people.login()
            yield Stack(temporal, worker, people)
    finally:
        worker.stop()
        temporal.stop()
        engine.dispose()
