"""Fuzz the running stack with schemathesis over its own OpenAPI document, as an anonymous client
and as an officer: every operation, bounded in time, failing on any server error (5xx) or any
status an operation does not document.

``python -m tests.fuzz_stack [--max-time S]`` (``make fuzz``) starts ``make run``'s stack on free
ports in a temporary folder (the Temporal dev server, the worker, the API: nothing to set up),
runs schemathesis twice, stops the stack and exits non-zero when either run found a failure.
``.ci/run`` runs it after ``make test``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
OFFICER = "malang.kabag"
PASSWORD = "alur-demo-2026"
CHECKS = "not_a_server_error,status_code_conformance"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class Stack:
    """``python -m alur.run`` in a folder of its own, read line by line until it is up."""

    def __init__(self, data: Path) -> None:
        self.api_port = _free_port()
        self.base = f"http://127.0.0.1:{self.api_port}"
        env = {
            **os.environ,
            "ALUR_ENVIRONMENT": "development",
            "ALUR_DATA_DIR": str(data),
            "ALUR_DATABASE_URL": f"sqlite:///{data / 'alur.db'}",
            "ALUR_TEMPORAL_ADDRESS": f"127.0.0.1:{_free_port()}",
            "ALUR_TEMPORAL_UI_URL": f"http://127.0.0.1:{_free_port()}",
            "ALUR_API_PORT": str(self.api_port),
            "ALUR_PUBLIC_BASE_URL": self.base,
            # the worker's SDK metrics: off, so a scrape port held elsewhere cannot stop the run
            "ALUR_WORKER_METRICS_PORT": "0",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "alur.run"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.up = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if "Alur is running" in line:
                self.up.set()

    def wait(self, seconds: float = 180) -> None:
        if not self.up.wait(seconds) or self.proc.poll() is not None:
            raise SystemExit("the stack did not come up")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _officer_token(base: str) -> str:
    r = httpx.post(f"{base}/auth/login", data={"username": OFFICER, "password": PASSWORD})
    r.raise_for_status()
    token: str = r.json()["access_token"]
    return token


def _schemathesis(base: str, max_time: int, headers: Sequence[str], report: Path) -> int:
    cmd = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{base}/openapi.json",
        "--checks",
        CHECKS,
        "--max-time",
        str(max_time),
        "--request-timeout",
        "30",
        # one worker: with two, schemathesis' code generation raced inside CPython 3.11's
        # compiler ("AST constructor recursion depth mismatch"), a runtime error of the tool
        "--workers",
        "1",
        "--seed",
        "2026",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        "--suppress-health-check",
        "all",
    ]
    for header in headers:
        cmd += ["--header", header]
    print(" ".join(c if "Bearer" not in c else "Authorization: Bearer …" for c in cmd))  # noqa: T201
    return subprocess.run(cmd, cwd=ROOT, check=False).returncode


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-time", type=int, default=90, help="seconds per run (default 90)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="alur-fuzz-") as tmp:
        stack = Stack(Path(tmp) / ".alur")
        try:
            stack.wait()
            # the officer logs in first: the anonymous run's login guesses may make this
            # client address wait (login throttling)
            token = _officer_token(stack.base)
            started = time.monotonic()
            anonymous = _schemathesis(stack.base, args.max_time, [], Path(tmp) / "anonim.xml")
            officer = _schemathesis(
                stack.base,
                args.max_time,
                [f"Authorization: Bearer {token}"],
                Path(tmp) / "petugas.xml",
            )
            print(f"fuzz: {time.monotonic() - started:.0f} s")  # noqa: T201
        finally:
            stack.stop()
    return 1 if anonymous or officer else 0


if __name__ == "__main__":
    sys.exit(main())
