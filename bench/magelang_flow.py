"""Kota Magelang's MAGESTY in the bench: one service request taken through steps 4-6 by an
activated citizen: filed (``POST /magelang/permohonan``), served by the owning OPD
(``POST /magelang/kasus/{n}/pelayanan_opd``, a 409 meaning "not at this step yet": retried after a
short sleep), and rated (``POST /magelang/permohonan/{n}/survei``, retried while the survey is not
open yet). The direct phase does the same with the Temporal client (the request's row written as the
API writes it). Registration and activation happen once, in ``prepare``: they are not per case.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError

from alur.temporal import SA_AGENCY, SA_CASE_NUMBER, SA_SOP, SA_STATUS
from bench.common import (
    RETRY_SLEEP_S,
    STEP_TIMEOUT_S,
    BenchError,
    CaseTiming,
    officer_headers,
)
from db.magelang.models import MagestyAkun, MagestyPermohonan
from db.models import Notification
from db.session import transaction
from sop.magelang import MAGELANG
from workflows.case.models import Actor, CaseStatus
from workflows.magelang.layanan import MagestyLayananWorkflow, workflow_id_for
from workflows.magelang.models import (
    HasilPermohonan,
    JawabanSurvei,
    PelayananOpd,
    PermohonanMasuk,
)

TITLE = "Kota Magelang MAGESTY: an OPD service request, served and rated"
STEPS_PER_CASE = 3
"""pemilihan_layanan (the request), pelayanan_opd, survei_kepuasan."""

OPD = "magelang.opd"
LAYANAN = "akta-kelahiran"
REQUEST: dict[str, Any] = {
    "layanan_kode": LAYANAN,
    "isian": {
        "nama_anak": "Bima Saputra",
        "tanggal_lahir": "2026-11-01",
        "nama_ibu": "Siti Rahayu",
        "nomor_kk": "3371010101010001",
    },
}
SERVE: dict[str, Any] = {"keputusan": "selesai", "hasil": "Akta terbit", "dokumen_ref": "AKTA-1"}
NILAI = [4, 3, 4, 4, 3, 4, 4, 3, 4]

Handle = WorkflowHandle[MagestyLayananWorkflow, HasilPermohonan]


def check_result(number: str, result: HasilPermohonan) -> None:
    if (result.keputusan, result.survei) != ("selesai", "terjawab"):
        raise BenchError(f"{number} ended {result.keputusan}/{result.survei}")


async def _until(probe: Callable[[], Awaitable[bool]], what: str) -> int:
    """Retry ``probe`` until it says done; returns how many times it had to wait."""
    deadline = time.monotonic() + STEP_TIMEOUT_S
    waits = 0
    while not await probe():
        if time.monotonic() > deadline:
            raise BenchError(f"{what} did not happen within {STEP_TIMEOUT_S:.0f} s")
        waits += 1
        await asyncio.sleep(RETRY_SLEEP_S)
    return waits


class ApiFlow:
    """An activated citizen and the OPD officer, through the HTTP API."""

    def __init__(
        self, http: httpx.AsyncClient, client: Client, sessions: sessionmaker[Session]
    ) -> None:
        self.http = http
        self.client = client
        self.sessions = sessions
        self.citizen: dict[str, str] = {}
        self.officer: dict[str, str] = {}

    async def prepare(self) -> None:
        """Register, activate (the code read from the notification log) and log in one citizen;
        log the OPD officer in."""
        n = uuid.uuid4().int
        person = {
            "nama": "Warga Bench",
            "whatsapp": f"0812{n % 10**8:08d}",
            "email": f"bench.{uuid.uuid4().hex[:8]}@contoh.id",
            "password": "bench-sandi-2026",
        }
        r = await self.http.post("/magelang/akun", json=person)
        if r.status_code != 201:
            raise BenchError(f"POST /magelang/akun: {r.status_code} {r.text}")
        reg = r.json()
        with self.sessions() as s:
            body = s.scalars(
                select(Notification.body)
                .where(Notification.case_number == f"MGS-AKUN-{reg['akun_id']}")
                .order_by(Notification.id.desc())
            ).first()
        found = re.search(r"\b(\d{6})\b", body or "")
        if found is None:
            raise BenchError("no activation code in the notification log")
        headers = {"Authorization": f"Bearer {reg['token_pendaftaran']}"}
        r = await self.http.post(
            "/magelang/akun/aktivasi", json={"kode": found.group(1)}, headers=headers
        )
        if r.status_code != 200:
            raise BenchError(f"activation: {r.status_code} {r.text}")
        r = await self.http.post(
            "/magelang/login", json={"akun": person["email"], "password": person["password"]}
        )
        if r.status_code != 200:
            raise BenchError(f"citizen login: {r.status_code} {r.text}")
        self.citizen = {"Authorization": f"Bearer {r.json()['access_token']}"}
        self.officer = (await officer_headers(self.http, [OPD]))[OPD]

    async def case(self) -> CaseTiming:
        started = time.perf_counter()
        r = await self.http.post("/magelang/permohonan", json=REQUEST, headers=self.citizen)
        if r.status_code != 201:
            raise BenchError(f"POST /magelang/permohonan: {r.status_code} {r.text}")
        number = str(r.json()["nomor_kasus"])
        waits = await self._post(
            f"/magelang/kasus/{number}/pelayanan_opd", SERVE, self.officer, 202, "wrong_step"
        )
        waits += await self._post(
            f"/magelang/permohonan/{number}/survei",
            {"nilai": NILAI},
            self.citizen,
            200,
            "survei_belum_dibuka",
        )
        handle = self.client.get_workflow_handle_for(
            MagestyLayananWorkflow.run, workflow_id_for(number)
        )
        check_result(number, await handle.result())
        return CaseTiming(time.perf_counter() - started, waits)

    async def _post(
        self, url: str, body: dict[str, Any], headers: dict[str, str], ok: int, not_yet: str
    ) -> int:
        async def probe() -> bool:
            r = await self.http.post(url, json=body, headers=headers)
            if r.status_code == ok:
                return True
            if r.status_code == 409 and r.json()["error"]["code"] in (not_yet, "case_busy"):
                return False
            raise BenchError(f"POST {url}: {r.status_code} {r.text}")

        return await _until(probe, url)


class DirectFlow:
    """The same requests with the Temporal client alone: the baseline."""

    def __init__(self, client: Client, task_queue: str, sessions: sessionmaker[Session]) -> None:
        self.client = client
        self.task_queue = task_queue
        self.sessions = sessions
        self.akun_id = 0
        self.actor = Actor(username=OPD, role="opd", agency=MAGELANG.agensi)

    async def prepare(self) -> None:
        """An activated account, written as the activation leaves it."""
        with transaction(self.sessions) as s:
            akun = MagestyAkun(
                nama="Warga Bench Langsung",
                whatsapp=f"+62813{uuid.uuid4().int % 10**8:08d}",
                email=f"bench.direct.{uuid.uuid4().hex[:8]}@contoh.id",
                password_hash="-",
                status="aktif",
                workflow_id=f"magesty-akun-bench-{uuid.uuid4().hex[:8]}",
            )
            s.add(akun)
            s.flush()
            self.akun_id = akun.id

    async def case(self) -> CaseTiming:
        started = time.perf_counter()
        number = f"MGS-BENCH-{uuid.uuid4().hex[:10].upper()}"
        with transaction(self.sessions) as s:
            s.add(
                MagestyPermohonan(
                    case_number=number,
                    akun_id=self.akun_id,
                    layanan_kode=LAYANAN,
                    opd_kode="disdukcapil",
                    isian=REQUEST["isian"],
                )
            )
        handle: Handle = await self.client.start_workflow(
            MagestyLayananWorkflow.run,
            PermohonanMasuk(
                case_number=number,
                akun_id=self.akun_id,
                layanan_kode=LAYANAN,
                layanan_nama="Akta Kelahiran",
                opd_kode="disdukcapil",
            ),
            id=workflow_id_for(number),
            task_queue=self.task_queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(SA_SOP, MAGELANG.kode),
                    SearchAttributePair(SA_CASE_NUMBER, number),
                    SearchAttributePair(SA_AGENCY, MAGELANG.agensi),
                    SearchAttributePair(SA_STATUS, "diajukan"),
                ]
            ),
        )
        waits = await self._wait(handle, "pelayanan_opd")
        await handle.signal(
            "pelayanan_opd",
            PelayananOpd(
                action_id=uuid.uuid4().hex, actor=self.actor, opd_kode="disdukcapil", **SERVE
            ),
        )
        waits += await self._wait(handle, "survei_kepuasan")
        await handle.execute_update(
            MagestyLayananWorkflow.survei,
            JawabanSurvei(permintaan_id=uuid.uuid4().hex, nilai=NILAI),
        )
        check_result(number, await handle.result())
        return CaseTiming(time.perf_counter() - started, waits)

    async def _wait(self, handle: Handle, step: str) -> int:
        async def probe() -> bool:
            try:
                now: CaseStatus = await handle.query(
                    MagestyLayananWorkflow.status, rpc_timeout=timedelta(seconds=5)
                )
            except RPCError:
                return False
            return now.current_step == step

        return await _until(probe, f"{handle.id} reaching {step}")
