"""Kabupaten Trenggalek SOP 07-6/SOP/1/2022 in the bench: a proposal taken along the straight path,
step 4 climbing all four levels, through the API (``POST /trenggalek/usulan``, then
``POST /trenggalek/kasus/{n}/{step}`` as the right officer, retried after a short sleep while the
answer means "not at this step or level yet") and directly (started with the Temporal client, each
action signalled once the ``status`` query shows the case waiting on that step and level).
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
    NOT_YET,
    RETRY_SLEEP_S,
    STEP_TIMEOUT_S,
    BenchError,
    CaseTiming,
    Headers,
    officer_headers,
    post_until_accepted,
)
from sop.trenggalek import TRENGGALEK
from workflows.case.models import Actor
from workflows.trenggalek.models import HasilUsulan, UsulanMasuk
from workflows.trenggalek.steps import LANGKAH
from workflows.trenggalek.workflow import TrenggalekPemanfaatanAplikasiWorkflow, workflow_id_for

TITLE = "Kabupaten Trenggalek SOP 07-6: a proposal up the four-level chain into provision"

FUNGSIONAL, KASI, KABID, SEKRETARIS, KADIS = (
    "trenggalek.fungsional",
    "trenggalek.kasi",
    "trenggalek.kepala_bidang",
    "trenggalek.sekretaris",
    "trenggalek.kepala_dinas",
)
OFFICERS = (FUNGSIONAL, KASI, KABID, SEKRETARIS, KADIS)
JUDUL = "Aplikasi antrean Mal Pelayanan Publik"

STEPS: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("pengumpulan_data", FUNGSIONAL, {"teks": "Program MPP, antrean panjang tiap pagi"}),
    ("analisis", FUNGSIONAL, {"teks": "Antrean daring memangkas waktu tunggu"}),
    ("perumusan", KASI, {"teks": "Rencana, pelaksanaan, monev triwulanan"}),
    ("telaah_pimpinan", KASI, {"keputusan": "teruskan", "catatan": "Layak"}),
    ("telaah_pimpinan", KABID, {"keputusan": "teruskan", "catatan": "Sesuai renstra"}),
    ("telaah_pimpinan", SEKRETARIS, {"keputusan": "teruskan", "catatan": "Anggaran ada"}),
    ("telaah_pimpinan", KADIS, {"keputusan": "setuju"}),
    (
        "tindak_lanjut",
        KABID,
        {
            "cara": "swakelola",
            "tim": ["Tim Aptika"],
            "tindak_lanjut_teknis": "Siapkan server",
            "tindak_lanjut_administrasi": "Nota dinas",
        },
    ),
    (
        "penyiapan_layanan",
        FUNGSIONAL,
        {"nama_aplikasi": "Antrean MPP", "ringkasan_publik": "Antrean MPP dari rumah"},
    ),
)
"""The straight path: (step, officer, request body); step 4 once per level."""
STEPS_PER_CASE = len(STEPS)

RETRYABLE = NOT_YET | {(403, "wrong_role")}
"""Answers that mean "not here yet" (403 wrong_role: the level below has not been processed);
any other answer than 202 aborts the bench."""

Handle = WorkflowHandle[TrenggalekPemanfaatanAplikasiWorkflow, HasilUsulan]


def role_of(username: str) -> str:
    return username.split(".", 1)[1]


def check_result(number: str, result: HasilUsulan) -> None:
    if result.status != "selesai":
        raise BenchError(f"{number} ended {result.status!r}, expected 'selesai'")


class ApiFlow:
    """Drives proposals through the HTTP API, as the officers do."""

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
        r = await self.http.post(
            "/trenggalek/usulan", json={"judul": JUDUL}, headers=self.headers[FUNGSIONAL]
        )
        if r.status_code != 201:
            raise BenchError(f"POST /trenggalek/usulan: {r.status_code} {r.text}")
        number = str(r.json()["nomor_kasus"])
        waits = 0
        for step, who, body in STEPS:
            waits += await self._act(number, step, who, body)
        handle = self.client.get_workflow_handle_for(
            TrenggalekPemanfaatanAplikasiWorkflow.run, workflow_id_for(number)
        )
        check_result(number, await handle.result())
        return CaseTiming(time.perf_counter() - started, waits)

    async def _act(self, number: str, step: str, who: str, body: dict[str, Any]) -> int:
        """POST the step as ``who`` until it answers 202; returns how often it waited."""
        url = f"/trenggalek/kasus/{number}/{step}"
        return await post_until_accepted(self.http, url, body, self.headers[who], not_yet=RETRYABLE)


class DirectFlow:
    """Drives the same proposals with the Temporal client alone: the baseline."""

    def __init__(self, client: Client, task_queue: str, sessions: sessionmaker[Session]) -> None:
        self.client = client
        self.task_queue = task_queue
        self.actors = {
            u: Actor(username=u, role=role_of(u), agency=TRENGGALEK.agensi) for u in OFFICERS
        }

    async def prepare(self) -> None:
        """Nothing to prepare: the workflow is started with the proposal ready-made."""

    async def case(self) -> CaseTiming:
        started = time.perf_counter()
        number = f"TRG-BENCH-{uuid.uuid4().hex[:10].upper()}"
        handle: Handle = await self.client.start_workflow(
            TrenggalekPemanfaatanAplikasiWorkflow.run,
            UsulanMasuk(case_number=number, nomor_agenda=number, judul=JUDUL, pengusul=FUNGSIONAL),
            id=workflow_id_for(number),
            task_queue=self.task_queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(SA_SOP, TRENGGALEK.kode),
                    SearchAttributePair(SA_CASE_NUMBER, number),
                    SearchAttributePair(SA_AGENCY, TRENGGALEK.agensi),
                    SearchAttributePair(SA_STATUS, "diproses"),
                ]
            ),
        )
        waits = 0
        for step, who, body in STEPS:
            waits += await self._wait_step(handle, number, step, role_of(who))
            action = LANGKAH.step(step).action.model_validate(
                {**body, "action_id": uuid.uuid4().hex, "actor": self.actors[who]}
            )
            await handle.signal(step, action)
        check_result(number, await handle.result())
        return CaseTiming(time.perf_counter() - started, waits)

    async def _wait_step(self, handle: Handle, number: str, step: str, role: str) -> int:
        """Poll the ``status`` query until the case waits on ``step`` for ``role``."""
        deadline = time.monotonic() + STEP_TIMEOUT_S
        waits = 0
        while True:
            status = await handle.query(TrenggalekPemanfaatanAplikasiWorkflow.status)
            if status.task is not None and (status.task.step, status.task.role) == (step, role):
                return waits
            if status.status in ("selesai", "ditolak"):
                raise BenchError(f"{number} is {status.status} before {step}")
            if time.monotonic() > deadline:
                raise BenchError(f"{number} did not reach {step} within {STEP_TIMEOUT_S:.0f} s")
            waits += 1
            await asyncio.sleep(RETRY_SLEEP_S)
