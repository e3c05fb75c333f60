"""``make run`` as a user runs it: the stack comes up on its own ports, serves a complaint, stops
cleanly on Ctrl-C, and a second run still has the case (the dev server keeps its state on disk)."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "alur-demo-2026"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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

    def wait_for(self, text: str, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                if self.proc.poll() is not None:
                    break
                continue
            self.seen.append(line)
            if text in line:
                return
        raise AssertionError(f"never printed {text!r}:\n{''.join(self.seen)}")

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=60)
        self.wait_for("Alur stopped", timeout=5)
        return code


def _act(api: httpx.Client, number: str, who: str, step: str, body: dict[str, object]) -> None:
    token = api.post("/auth/login", data={"username": who, "password": PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    for _ in range(300):
        r = api.post(f"/malang/kasus/{number}/{step}", json=body, headers=headers)
        if r.status_code != 409:
            assert r.status_code == 202, r.text
            return
        time.sleep(0.05)
    raise AssertionError(f"{number} never reached {step}")


def test_stack_serves_a_case_stops_cleanly_and_keeps_it(tmp_path: Path) -> None:
    api_port, temporal_port, ui_port = _free_port(), _free_port(), _free_port()
    data = tmp_path / ".alur"
    env = {
        **os.environ,
        "ALUR_ENVIRONMENT": "development",
        "ALUR_DATA_DIR": str(data),
        "ALUR_DATABASE_URL": f"sqlite:///{data / 'alur.db'}",
        "ALUR_TEMPORAL_ADDRESS": f"127.0.0.1:{temporal_port}",
        "ALUR_TEMPORAL_UI_URL": f"http://127.0.0.1:{ui_port}",
        "ALUR_API_PORT": str(api_port),
        "ALUR_PUBLIC_BASE_URL": f"http://127.0.0.1:{api_port}",
    }
    base = f"http://127.0.0.1:{api_port}"

    first = Stack(env)
    try:
        first.wait_for("Alur is running")
        first.wait_for("Ctrl-C stops everything")
        printed = "".join(first.seen)
        assert f"{base}/docs" in printed and "malang.kabag" in printed and PASSWORD in printed
        with httpx.Client(base_url=base, timeout=30) as api:
            assert api.get("/docs").status_code == 200
            r = api.post(
                "/malang/laporan",
                json={
                    "jenis": "saran",
                    "kanal": "website",
                    "judul": "Taman",
                    "isi": "Tambah bangku",
                },
            )
            assert r.status_code == 201, r.text
            number = r.json()["nomor_kasus"]
            _act(api, number, "malang.pengelola_tik", "penerimaan", {"keputusan": "teruskan"})
    finally:
        code = first.stop()
    assert code == 0
    assert (data / "temporal.db").exists()

    second = Stack(env)
    try:
        second.wait_for("Alur is running")
        with httpx.Client(base_url=base, timeout=30) as api:
            instruction = {"kasubag": "malang.kasubag", "instruksi": "Tindak lanjuti"}
            _act(api, number, "malang.kabag", "disposisi", instruction)
            public = api.get(f"/publik/kasus/{number}").json()
            assert public["status"] == "diproses"
    finally:
        assert second.stop() == 0
