"""``make run`` as a user runs it, and as it is abused.

The stack comes up on its own ports, serves a complaint, stops cleanly on Ctrl-C, and a second run
still has the case (the dev server keeps its state on disk). Then each failure of issue 11: a
worker, an API or the Temporal server killed is restarted and the stack keeps serving (the README's
walk-through runs to the delivered message after it); a process killed over and over makes it give
up with a non-zero exit; SIGHUP, SIGTERM and even SIGKILL of the supervisor leave no child behind
(checked by pid); a port in use, or a bad setting, is one clear line and a non-zero exit before
anything started. Restart waits and limits are shortened through ``ALUR_RUN__...``.
"""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from alur.settings_run import RunSettings
from alur.supervisor import Child, GiveUp, Supervisor

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "alur-demo-2026"
NAMES = {"temporal": "temporal server start-dev", "worker": "worker.py", "api": "uvicorn"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stack_env(data: Path, **extra: str) -> dict[str, str]:
    api_port = _free_port()
    return {
        **os.environ,
        "ALUR_ENVIRONMENT": "development",
        "ALUR_DATA_DIR": str(data),
        "ALUR_DATABASE_URL": f"sqlite:///{data / 'alur.db'}",
        "ALUR_TEMPORAL_ADDRESS": f"127.0.0.1:{_free_port()}",
        "ALUR_TEMPORAL_UI_URL": f"http://127.0.0.1:{_free_port()}",
        "ALUR_API_PORT": str(api_port),
        "ALUR_PUBLIC_BASE_URL": f"http://127.0.0.1:{api_port}",
        "ALUR_WORKER_METRICS_PORT": str(_free_port()),
        "ALUR_RUN__RESTART_DELAY": "0.2",
        "ALUR_RUN__RESTART_DELAY_MAX": "1",
        "ALUR_RUN__STOP_TIMEOUT": "10",
        **extra,
    }


def _base(env: dict[str, str]) -> str:
    return f"http://127.0.0.1:{env['ALUR_API_PORT']}"


def _children_of(pid: int) -> dict[int, str]:
    """The processes whose parent is ``pid``: pid -> command line (from /proc)."""
    found: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            found[int(entry.name)] = cmdline
    return found


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a process still running (not gone, not a zombie)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_gone(pids: list[int], timeout: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [p for p in pids if _alive(p)]
        if not left:
            return []
        time.sleep(0.2)
    return [p for p in pids if _alive(p)]


class Stack:
    """One ``python -m alur.run`` process and the lines it prints."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "alur.run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 120) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None and self.lines.empty():
                    break
                continue
            self.seen.append(line)
            if text in line:
                return line
        raise AssertionError(f"never printed {text!r}:\n{''.join(self.seen)}")

    def output(self) -> str:
        """Everything printed so far (after the process ended: everything)."""
        while True:
            try:
                self.seen.append(self.lines.get(timeout=0.2))
            except queue.Empty:
                return "".join(self.seen)

    def child(self, name: str) -> int:
        """The pid of the running child ``temporal``, ``worker`` or ``api``."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and self.proc.poll() is None:
            for pid, cmd in _children_of(self.proc.pid).items():
                if NAMES[name] in cmd and _alive(pid):
                    return pid
            time.sleep(0.2)
        raise AssertionError(f"no {name} child of {self.proc.pid}: {_children_of(self.proc.pid)}")

    def children(self) -> list[int]:
        pids = [self.child(name) for name in NAMES]
        assert len(set(pids)) == 3
        return pids

    def stop(self, sig: signal.Signals = signal.SIGINT) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        code = self.proc.wait(timeout=60)
        self.wait_for("Alur stopped", timeout=5)
        return code

    def kill_if_running(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@pytest.fixture
def stacks() -> Iterator[list[Stack]]:
    """Stacks a test started; whatever happens, none outlives it."""
    started: list[Stack] = []
    yield started
    for stack in started:
        stack.kill_if_running()


def _act(api: httpx.Client, number: str, who: str, step: str, body: Mapping[str, object]) -> None:
    token = api.post("/auth/login", data={"username": who, "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    deadline = time.monotonic() + 60  # 409: not at the step yet; 503: Temporal restarting
    while time.monotonic() < deadline:
        r = api.post(f"/malang/kasus/{number}/{step}", json=body, headers=headers)
        if r.status_code not in (409, 503):
            assert r.status_code == 202, r.text
            return
        time.sleep(0.1)
    raise AssertionError(f"{number} never reached {step}: {r.status_code} {r.text}")


def _wait_step(api: httpx.Client, number: str, step: str, timeout: float = 60) -> None:
    """Until the public page shows the case at ``step``: the worker wrote it (the read model)."""
    deadline = time.monotonic() + timeout
    seen = None
    while time.monotonic() < deadline:
        try:
            seen = api.get(f"/publik/kasus/{number}").json().get("langkah_sekarang")
        except httpx.TransportError:
            seen = None
        if seen == step:
            return
        time.sleep(0.2)
    raise AssertionError(f"{number} is at {seen}, never at {step}")


def _wait_health(base: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{base} never healthy again")


def _file_complaint(api: httpx.Client) -> str:
    r = api.post(
        "/malang/laporan",
        json={"jenis": "saran", "kanal": "website", "judul": "Taman", "isi": "Tambah bangku"},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["nomor_kasus"])


# --- Up, serving, Ctrl-C, and up again with the same cases ---------------------------------------


def test_stack_serves_a_case_stops_cleanly_and_keeps_it(
    tmp_path: Path, stacks: list[Stack]
) -> None:
    data = tmp_path / ".alur"
    env = _stack_env(data)
    base = _base(env)

    first = Stack(env)
    stacks.append(first)
    first.wait_for("Alur is running")
    first.wait_for("Ctrl-C stops everything")
    printed = "".join(first.seen)
    assert f"{base}/docs" in printed and "malang.kabag" in printed and PASSWORD in printed
    assert f"{base}/metrics" in printed
    children = first.children()
    with httpx.Client(base_url=base, timeout=30) as api:
        assert api.get("/docs").status_code == 200
        number = _file_complaint(api)
        _act(api, number, "malang.pengelola_tik", "penerimaan", {"keputusan": "teruskan"})
    assert first.stop() == 0
    assert not _wait_gone(children, timeout=5), "children left after Ctrl-C"
    assert (data / "temporal.db").exists()

    second = Stack(env)
    stacks.append(second)
    second.wait_for("Alur is running")
    children = second.children()
    with httpx.Client(base_url=base, timeout=30) as api:
        instruction = {"kasubag": "malang.kasubag", "instruksi": "Tindak lanjuti"}
        _act(api, number, "malang.kabag", "disposisi", instruction)
        public = api.get(f"/publik/kasus/{number}").json()
        assert public["status"] == "diproses"
    assert second.stop(signal.SIGTERM) == 0  # as systemd or `docker stop` ends it
    assert "SIGTERM: stopping Alur." in second.output()
    assert not _wait_gone(children, timeout=5), "children left after SIGTERM"


# --- Crashes: restarted, and the stack keeps serving; SIGHUP stops it all ------------------------


def _readme_walkthrough(base: str) -> str:
    """The README's "A complaint, step by step" block, as a script against ``base``."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## A complaint, step by step, with curl", 1)[1]
    lines: list[str] = []
    for line in section.splitlines()[1:]:
        if line.strip() and not line.startswith("    "):
            break
        lines.append(line[4:])
    script = "\n".join(lines).strip()
    assert script.startswith("API=http://127.0.0.1:8000")
    return script.replace("API=http://127.0.0.1:8000", f"API={base}", 1)


PERSONAL = ("Budi", "0812-3456-7890", "081234567890", "6281234567890", "3456-7890", "eyJ")
"""What the walk-through's citizen and officers leave: name, phone (as typed and normalised),
tokens (a JWT begins with eyJ). None may be in a log line."""


def test_crashed_processes_are_restarted_and_the_walkthrough_still_delivers(
    tmp_path: Path, stacks: list[Stack]
) -> None:
    data = tmp_path / ".alur"
    env = _stack_env(data, ALUR_LOG_FORMAT="json")
    base = _base(env)
    stack = Stack(env)
    stacks.append(stack)
    stack.wait_for("Alur is running")

    with httpx.Client(base_url=base, timeout=30) as api:
        number = _file_complaint(api)
        _act(api, number, "malang.pengelola_tik", "penerimaan", {"keputusan": "teruskan"})
        _wait_step(api, number, "disposisi")

        worker = stack.child("worker")
        os.kill(worker, signal.SIGKILL)
        line = stack.wait_for("worker: the worker exited (killed by SIGKILL); restarting it")
        assert "1 of 5" in line
        stack.wait_for("worker: restarted the worker.")
        assert not _wait_gone([worker], timeout=5)
        instruction = {"kasubag": "malang.kasubag", "instruksi": "Tindak lanjuti"}
        _act(api, number, "malang.kabag", "disposisi", instruction)
        _wait_step(api, number, "perintah")  # the new worker took the case on

        server = stack.child("api")
        os.kill(server, signal.SIGKILL)
        stack.wait_for("api: the API exited (killed by SIGKILL); restarting it")
        stack.wait_for("api: restarted the API.")
        _wait_health(base)

        temporal = stack.child("temporal")
        os.kill(temporal, signal.SIGTERM)
        stack.wait_for("temporal: the Temporal dev server exited")
        stack.wait_for("temporal: restarted the Temporal dev server.")
        body = {"pelaksana": "malang.pelaksana", "instruksi": "Siapkan jawaban"}
        _act(api, number, "malang.kasubag", "perintah", body)
        _wait_step(api, number, "draf_tanggapan", timeout=90)

    # The README's walk-through, after all that, shows the delivered outcome at its end.
    run = subprocess.run(
        ["bash", "-c", _readme_walkthrough(base)],
        capture_output=True,
        text=True,
        timeout=150,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    out = run.stdout.strip().splitlines()
    print(run.stdout)  # noqa: T201 - shown when the test fails
    answers = [json.loads(line) for line in out[:10]]
    assert all("error" not in a for a in answers), answers
    public, outbox = json.loads(out[-2]), json.loads(out[-1])
    assert public["status"] == "selesai", public
    assert public["tanggapan"] == "Lampu diperbaiki Rabu, 25 November."
    assert "Budi" not in out[-2] and "0812" not in out[-2]
    [message] = [m for m in outbox if m["purpose"] == "tanggapan"]
    assert message["channel"] == "whatsapp" and message["status"] == "delivered"
    assert "Lampu diperbaiki Rabu, 25 November." in message["body"]
    walked = public["nomor_kasus"]

    # Metrics: the API's by route template, Alur's figures from the database, the worker's SDK's.
    scrape = httpx.get(f"{base}/metrics", timeout=10).text
    assert 'route="/malang/kasus/{nomor_kasus}/penerimaan"' in scrape
    assert walked not in scrape and number not in scrape
    assert re.search(r'alur_cases_open\{sop="[^"]+",step="draf_tanggapan"\} 1\.0', scrape), scrape
    assert 'alur_notifications{channel="whatsapp",purpose="tanggapan",status="delivered"}' in scrape
    sdk = httpx.get(f"http://127.0.0.1:{env['ALUR_WORKER_METRICS_PORT']}/metrics", timeout=10)
    assert "temporal_" in sdk.text and 'task_queue="alur"' in sdk.text

    # SIGHUP (the terminal closed): every child stops, and the supervisor says so.
    children = stack.children()
    assert stack.stop(signal.SIGHUP) == 0
    assert "SIGHUP: stopping Alur." in stack.output()
    assert not _wait_gone(children, timeout=5), "children left after SIGHUP"

    # JSON logs: every line of the API's and the worker's logs is an object, the walk-through's
    # case is named in them, and nothing personal is.
    for name in ("api.log", "worker.log"):
        text = (data / name).read_text(encoding="utf-8")
        records = [json.loads(line) for line in text.splitlines() if line.strip()]
        assert records, f"{name} is empty"
        for record in records:
            assert {"time", "level", "logger", "message"} <= set(record), record
        for value in PERSONAL:
            assert value not in text, f"{value!r} in {name}"
        assert any(r.get("case_number") == walked for r in records), f"{walked} not in {name}"
    api_lines = [json.loads(x) for x in (data / "api.log").read_text().splitlines() if x.strip()]
    requests = [r for r in api_lines if r["logger"] == "alur.http"]
    assert any(
        r["route"] == "/malang/kasus/{nomor_kasus}/penyampaian" and r["case_number"] == walked
        for r in requests
    ), requests[-5:]
    worker_lines = [json.loads(x) for x in (data / "worker.log").read_text().splitlines() if x]
    sent = [r for r in worker_lines if r["message"].startswith("sent whatsapp tanggapan")]
    assert any(r.get("workflow_id") == f"malang-{walked}" for r in sent), sent


def test_a_process_that_keeps_dying_makes_it_give_up_non_zero(
    tmp_path: Path, stacks: list[Stack]
) -> None:
    env = _stack_env(tmp_path / ".alur", ALUR_RUN__MAX_RESTARTS="3", ALUR_RUN__RESTART_WINDOW="60")
    stack = Stack(env)
    stacks.append(stack)
    stack.wait_for("Alur is running")
    temporal, first_api = stack.child("temporal"), stack.child("api")
    killed: list[int] = []
    while stack.proc.poll() is None and len(killed) < 10:
        try:
            worker = stack.child("worker")
        except AssertionError:
            break  # no worker restarted: the supervisor gave up
        if worker not in killed:
            os.kill(worker, signal.SIGKILL)
            killed.append(worker)
        time.sleep(0.1)
    code = stack.proc.wait(timeout=60)
    out = stack.output()
    assert code == 1, out
    gave_up = "worker: the worker exited 3 times within 60 s (last: killed by SIGKILL); giving up"
    assert gave_up in out
    assert "exit 1 of 3" in out and "exit 2 of 3" in out
    assert "Alur stopped (gave up)." in out
    assert len(killed) == 3
    assert not _wait_gone([temporal, first_api, *killed], timeout=5), "children left"


def test_a_supervisor_killed_with_sigkill_leaves_no_child(
    tmp_path: Path, stacks: list[Stack]
) -> None:
    stack = Stack(_stack_env(tmp_path / ".alur"))
    stacks.append(stack)
    stack.wait_for("Alur is running")
    children = stack.children()
    stack.proc.send_signal(signal.SIGKILL)
    assert stack.proc.wait(timeout=60) == -signal.SIGKILL
    # SIGKILL cannot be caught: the kernel's parent-death signal (PR_SET_PDEATHSIG) stops them.
    assert not _wait_gone(children, timeout=20), "children left after SIGKILL"
    assert not _children_of(stack.proc.pid)


# --- Refused before anything starts ---------------------------------------------------------------


def _run_once(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "alur.run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_ports_in_use_are_refused_before_anything_starts(tmp_path: Path) -> None:
    data = tmp_path / ".alur"
    env = _stack_env(data)
    holders = [socket.socket() for _ in range(4)]
    try:
        for holder in holders:
            holder.bind(("127.0.0.1", 0))
            holder.listen()
        temporal, ui, api, metrics = (h.getsockname()[1] for h in holders)
        env["ALUR_TEMPORAL_ADDRESS"] = f"127.0.0.1:{temporal}"
        env["ALUR_TEMPORAL_UI_URL"] = f"http://127.0.0.1:{ui}"
        env["ALUR_API_PORT"] = str(api)
        env["ALUR_WORKER_METRICS_PORT"] = str(metrics)
        run = _run_once(env)
    finally:
        for holder in holders:
            holder.close()
    assert run.returncode == 3, run.stdout + run.stderr
    assert run.stdout.splitlines() == [
        f"cannot start: port {port} ({what}, {setting}) is already in use on 127.0.0.1: another "
        f"`make run` may still be running; stop it, or set {setting} to a free port"
        for port, what, setting in (
            (temporal, "the Temporal server", "ALUR_TEMPORAL_ADDRESS"),
            (ui, "the Temporal UI", "ALUR_TEMPORAL_UI_URL"),
            (api, "the API", "ALUR_API_PORT"),
            (metrics, "the worker's metrics", "ALUR_WORKER_METRICS_PORT"),
        )
    ]
    assert "Traceback" not in run.stderr
    assert not data.exists(), "something started (the data folder was made)"


def test_one_port_given_twice_is_refused(tmp_path: Path) -> None:
    data = tmp_path / ".alur"
    env = _stack_env(data)
    env["ALUR_WORKER_METRICS_PORT"] = env["ALUR_API_PORT"]
    run = _run_once(env)
    assert run.returncode == 3, run.stdout + run.stderr
    port = env["ALUR_API_PORT"]
    assert run.stdout.splitlines() == [
        f"cannot start: port {port} is given to both the API (ALUR_API_PORT) and the worker's "
        "metrics (ALUR_WORKER_METRICS_PORT): choose another for one of them"
    ]
    assert not data.exists()


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        (
            {"ALUR_ENVIRONMENT": "production"},
            ["configuration error: ALUR_JWT_SECRET must be set in production"],
        ),
        (
            {"ALUR_API_PORT": "tujuh"},
            [
                "configuration error: ALUR_API_PORT: Input should be a valid integer, "
                "unable to parse string as an integer"
            ],
        ),
        (
            {"ALUR_DATABASE_URL": "bukan-url"},
            [
                "configuration error: ALUR_DATABASE_URL: not a database URL; e.g. "
                "sqlite:///.alur/alur.db or postgresql+psycopg://user:password@host/db"
            ],
        ),
        (
            {"ALUR_TEMPORAL_ADDRESS": "localhost", "ALUR_PUBLIC_BASE_URL": "alur.example"},
            [
                "configuration error: ALUR_TEMPORAL_ADDRESS: must be host:port, e.g. "
                "localhost:7233",
                "configuration error: ALUR_PUBLIC_BASE_URL: must be an http:// or https:// URL "
                "with a host, e.g. http://localhost:8000",
            ],
        ),
        (
            {"ALUR_RUN__MAX_RESTARTS": "0", "ALUR_LOG_FORMAT": "xml"},
            [
                "configuration error: ALUR_LOG_FORMAT: Input should be 'text' or 'json'",
                "configuration error: ALUR_RUN__MAX_RESTARTS: Input should be greater than 0",
            ],
        ),
    ],
)
def test_a_configuration_error_is_one_line_per_setting(
    tmp_path: Path, extra: dict[str, str], expected: list[str]
) -> None:
    data = tmp_path / ".alur"
    run = _run_once(_stack_env(data, **extra))
    assert run.returncode == 2, run.stdout + run.stderr
    assert sorted(run.stdout.splitlines()) == sorted(expected)
    assert "Traceback" not in run.stdout + run.stderr
    assert not data.exists(), "something started (the data folder was made)"


def test_a_database_that_cannot_be_reached_is_one_line(tmp_path: Path) -> None:
    port = _free_port()  # nothing listens there
    data = tmp_path / ".alur"
    url = f"postgresql+psycopg://alur:rahasia-sekali@127.0.0.1:{port}/alur"
    run = _run_once(_stack_env(data, ALUR_DATABASE_URL=url))
    assert run.returncode == 2, run.stdout + run.stderr
    [line] = run.stdout.splitlines()
    assert line.startswith(
        "configuration error: ALUR_DATABASE_URL: the database cannot be used (OperationalError"
    ), line
    assert "rahasia-sekali" not in run.stdout + run.stderr
    assert "Traceback" not in run.stdout + run.stderr


# --- The restart policy itself, on a process that exits at once -----------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _exits_at_once(tmp_path: Path) -> Child:
    return Child("job", "the job", ["sh", "-c", "exit 3"], tmp_path / "job.log")


def _until_exited(child: Child) -> None:
    assert child.proc is not None
    child.proc.wait(timeout=10)


def test_backoff_doubles_to_its_ceiling_and_the_limit_gives_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    policy = RunSettings(
        restart_delay=timedelta(seconds=1),
        restart_delay_max=timedelta(seconds=5),
        max_restarts=5,
        restart_window=timedelta(minutes=10),
    )
    clock = _Clock()
    supervisor = Supervisor(policy, clock=clock)
    assert [supervisor.delay(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]
    child = supervisor.add(_exits_at_once(tmp_path))
    waits = []
    for _ in range(4):
        _until_exited(child)
        supervisor.tick()  # notices the exit, schedules the restart
        assert child.restart_at is not None
        waits.append(child.restart_at - clock.now)
        supervisor.tick()  # not due yet: nothing started
        assert child.starts == len(waits)
        clock.now = child.restart_at
        supervisor.tick()  # due: restarted
        assert child.starts == len(waits) + 1
    assert waits == [1, 2, 4, 5]
    _until_exited(child)
    with pytest.raises(GiveUp) as gave_up:
        supervisor.tick()
    assert str(gave_up.value).startswith(
        "job: the job exited 5 times within 600 s (last: exit code 3); giving up"
    )
    printed = capsys.readouterr().out
    assert "job: the job exited (exit code 3); restarting it in 1 s (exit 1 of 5" in printed
    assert "restarting it in 5 s (exit 4 of 5" in printed


def test_exits_further_apart_than_the_window_never_give_up(tmp_path: Path) -> None:
    policy = RunSettings(max_restarts=2, restart_window=timedelta(seconds=30))
    clock = _Clock()
    supervisor = Supervisor(policy, clock=clock)
    child = supervisor.add(_exits_at_once(tmp_path))
    for _ in range(5):
        _until_exited(child)
        supervisor.tick()
        assert child.restart_at == clock.now + 1  # always the first wait: one exit in the window
        clock.now += 31
        supervisor.tick()
    assert child.starts == 6
