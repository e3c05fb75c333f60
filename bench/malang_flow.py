"""Kota Malang SOP 15 in the bench: a complaint filed and taken through all seven steps, through the
API (``POST /malang/laporan``, then ``POST /malang/kasus/{n}/{step}`` as the right officer, a 409
meaning "not at this step yet": retried after a short sleep) and directly (started with the Temporal
client, each step signalled once the ``status`` query shows the case waiting on it).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from alur.temporal import SA_AGENCY, SA_CASE_NUMBER, SA_SOP, SA_STATUS
from bench.common import (
    RETRY_SLEEP_S,
    STEP_TIMEOUT_S,
    BenchError,
    CaseTiming,
    Headers,
    officer_headers,
    post_until_accepted,
)
from sop.malang import MALANG
from workflows.case.models import Actor
from workflows.malang.models import HasilLaporan, JenisLaporan, Kanal, LaporanMasuk
from workflows.malang.steps import LANGKAH
from workflows.malang.workflow import MalangPengelolaanTIKWorkflow, workflow_id_for

TITLE = "Kota Malang SOP 15: a complaint through its seven steps"

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
STEPS_PER_CASE = len(STEPS)

REPORT: dict[str, Any] = {
    "jenis": JenisLaporan.pengaduan.value,
    "kanal": Kanal.sambat_online.value,
    "judul": "Lampu jalan mati",
    "isi": "Jl. Ijen gelap sejak Senin",
}
"""Every bench complaint (anonymous: no contact, so no citizen message is sent)."""

Handle = WorkflowHandle[MalangPengelolaanTIKWorkflow, HasilLaporan]


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


class ApiFlow:
    """Drives cases through the HTTP API, as citizens' frontends and officers do."""

    def __init__(
        self, http: httpx.AsyncClient, client: Client, sessions: sessionmaker[Session]
    ) -> None:
        self.http = http
        self.client = client
        self.headers: Headers = {}

    async def prepare(self) -> None:
        self.headers = await officer_headers(self.http, OFFICERS)

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
        """POST the step as ``who`` until it answers 202; returns how often it waited."""
        url = f"/malang/kasus/{number}/{step}"
        return await post_until_accepted(self.http, url, body, self.headers[who])


class DirectFlow:
    """Drives the same cases with the Temporal client alone: the baseline."""

    def __init__(self, client: Client, task_queue: str, sessions: sessionmaker[Session]) -> None:
        self.client = client
        self.task_queue = task_queue
        self.actors = {username: actor(username) for username in OFFICERS}

    async def prepare(self) -> None:
        """Nothing to prepare: the workflow is started with the case ready-made."""

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
            action = LANGKAH.step(step).action.model_validate(
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
