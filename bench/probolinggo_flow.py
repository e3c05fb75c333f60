"""Kota Probolinggo's View Probolinggo registration in the bench: a non-resident registers, from the
phone number to the account, through the API (``POST /probolinggo/registrasi``, then
``kata_sandi``, ``otp`` with the code read from the dev outbox, ``nik``, ``identitas``; a 409
"another step" is retried after a short sleep) and directly (the draft written to the database as
the API writes it, each step an update through the Temporal client).

Each case is a new synthetic person: a random Kota Malang NIK (non-residents need no register
row) and a random mobile number, so no account collides. The bench is one client asking for
thousands of OTPs within the hour, which the per-number and per-address caps exist to stop, so
``bench.throughput`` lifts both caps for the bench's process with ``BENCH_ENVIRONMENT`` (the
``ALUR_PROBOLINGGO__MAX_OTP_PER_..._PER_HOUR`` variables a deployment would set), which the API's
settings and the worker's (``get_settings()``) both read.
Both phases pay one argon2 hash per case, as the API must.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowHandle
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from activities.probolinggo.draft import create_draft, running_draft, set_identity, set_nik
from activities.probolinggo.refs import client_ref, otp_proof, phone_ref, secret_key
from alur.nik import make_nik
from alur.security import hash_password
from alur.settings import get_settings
from alur.temporal import SA_AGENCY, SA_CASE_NUMBER, SA_SOP, SA_STATUS
from bench.common import RETRY_SLEEP_S, STEP_TIMEOUT_S, BenchError, CaseTiming
from db.models import Notification
from db.session import transaction
from sop.probolinggo import PROBOLINGGO
from workflows.probolinggo.models import (
    AturanRegistrasi,
    HasilRegistrasi,
    Isian,
    Jawaban,
    KodeOtp,
    RegistrasiMasuk,
    StatusWarga,
)
from workflows.probolinggo.workflow import ProbolinggoRegistrasiWorkflow, workflow_id_for

TITLE = "Kota Probolinggo: a View Probolinggo registration, number to account"
STEPS_PER_CASE = 5
"""Start (steps 2-4), kata_sandi, otp, nik, identitas (with 9, the account)."""

PASSWORD = "Bench-Sandi-2026"
CLIENT = "127.0.0.1"
W = ProbolinggoRegistrasiWorkflow
Handle = WorkflowHandle[ProbolinggoRegistrasiWorkflow, HasilRegistrasi]
_OTP = re.compile(r"\b(\d{6})\b")


BENCH_CAP = 1_000_000
"""The hourly OTP caps during a bench run: never reached."""
BENCH_ENVIRONMENT = {
    "ALUR_PROBOLINGGO__MAX_OTP_PER_PHONE_PER_HOUR": str(BENCH_CAP),
    "ALUR_PROBOLINGGO__MAX_OTP_PER_CLIENT_PER_HOUR": str(BENCH_CAP),
}
"""Set by ``bench.throughput`` before any settings are read."""


def person(rng: random.Random) -> dict[str, Any]:
    """A synthetic non-resident of Kota Malang (Lowokwaru, 35.73.05)."""
    born = date(1960, 1, 1) + timedelta(days=rng.randrange(40 * 365))
    sex = rng.choice("LP")
    return {
        "telepon": f"+62812{rng.randrange(10**8):08d}",
        "nik": make_nik("357305", born, sex, rng.randrange(1, 10_000)),
        "nama": "Warga Uji Beban",
        "tempat_lahir": "Malang",
        "tanggal_lahir": born,
        "jenis_kelamin": sex,
        "alamat": "Jl. Soekarno Hatta No. 9, Malang",
    }


def check_result(rid: str, result: HasilRegistrasi) -> None:
    if result.status != "selesai":
        raise BenchError(f"{rid} ended {result.status!r} ({result.alasan}), expected 'selesai'")


class ApiFlow:
    """Drives registrations through the HTTP API, as the View Probolinggo app does."""

    def __init__(
        self, http: httpx.AsyncClient, client: Client, sessions: sessionmaker[Session]
    ) -> None:
        self.http = http
        self.client = client
        self.rng = random.Random()

    async def prepare(self) -> None:
        """Nothing to prepare: the caps are lifted by ``BENCH_ENVIRONMENT``."""

    async def case(self) -> CaseTiming:
        started = time.perf_counter()
        who = person(self.rng)
        r = await self.http.post(
            "/probolinggo/registrasi",
            json={"status_warga": "warga_luar_kota", "telepon": who["telepon"]},
        )
        if r.status_code != 201:
            raise BenchError(f"POST /probolinggo/registrasi: {r.status_code} {r.text}")
        rid = str(r.json()["id_registrasi"])
        waits = await self._step(rid, "kata_sandi", {"kata_sandi": PASSWORD})
        code = await self._code(rid)
        waits += await self._step(rid, "otp", {"kode": code})
        waits += await self._step(rid, "nik", {"nik": who["nik"]})
        identity = {k: who[k] for k in ("nama", "tempat_lahir", "jenis_kelamin", "alamat")}
        identity["tanggal_lahir"] = who["tanggal_lahir"].isoformat()
        waits += await self._step(rid, "identitas", identity)
        handle = self.client.get_workflow_handle_for(W.run, workflow_id_for(rid))
        check_result(rid, await handle.result())
        return CaseTiming(time.perf_counter() - started, waits)

    async def _step(self, rid: str, step: str, body: dict[str, Any]) -> int:
        url = f"/probolinggo/registrasi/{rid}/{step}"
        deadline = time.monotonic() + STEP_TIMEOUT_S
        waits = 0
        while True:
            r = await self.http.post(url, json=body)
            if r.status_code == 200:
                return waits
            retry = r.status_code == 409 and r.json()["error"]["code"] in (
                "langkah_lain",
                "sedang_diproses",
            )
            if not retry:
                raise BenchError(f"POST {url}: {r.status_code} {r.text}")
            if time.monotonic() > deadline:
                raise BenchError(f"{rid} did not reach {step} within {STEP_TIMEOUT_S:.0f} s")
            waits += 1
            await asyncio.sleep(RETRY_SLEEP_S)

    async def _code(self, rid: str) -> str:
        r = await self.http.get("/dev/outbox", params={"case_number": rid})
        for message in r.json():
            found = _OTP.search(message["body"]) if message["purpose"] == "otp" else None
            if found:
                return found.group(1)
        raise BenchError(f"{rid}: no OTP in the dev outbox")


class DirectFlow:
    """The same registrations with the Temporal client and the draft table alone: the baseline."""

    def __init__(self, client: Client, task_queue: str, sessions: sessionmaker[Session]) -> None:
        self.client = client
        self.task_queue = task_queue
        self.sessions = sessions
        self.rng = random.Random()
        self.key = b""

    async def prepare(self) -> None:
        self.key = secret_key()

    async def case(self) -> CaseTiming:
        started = time.perf_counter()
        who = person(self.rng)
        rid = f"PRB-BENCH{self.rng.randrange(16**16):016X}"
        await asyncio.to_thread(self._open, rid, who["telepon"])
        handle: Handle = await self.client.start_workflow(
            W.run,
            RegistrasiMasuk(
                registration_id=rid,
                status_warga=StatusWarga.warga_luar_kota,
                aturan=AturanRegistrasi.from_settings(get_settings().probolinggo),
            ),
            id=workflow_id_for(rid),
            task_queue=self.task_queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(SA_SOP, PROBOLINGGO.kode),
                    SearchAttributePair(SA_CASE_NUMBER, rid),
                    SearchAttributePair(SA_AGENCY, PROBOLINGGO.agensi),
                    SearchAttributePair(SA_STATUS, "berjalan"),
                ]
            ),
        )
        hashed = await asyncio.to_thread(hash_password, PASSWORD)
        await asyncio.to_thread(self._change, rid, lambda d: setattr(d, "password_hash", hashed))
        self._expect(rid, await handle.execute_update(W.kata_sandi, Isian()), "terkirim")
        code = await asyncio.to_thread(self._code, rid)
        proof = KodeOtp(bukti=otp_proof(self.key, rid, code))
        self._expect(rid, await handle.execute_update(W.otp, proof), "diterima")
        await asyncio.to_thread(self._change, rid, lambda d: set_nik(d, who["nik"]))
        self._expect(rid, await handle.execute_update(W.nik, Isian()), "diterima")
        fields = {k: who[k] for k in ("nama", "tempat_lahir", "tanggal_lahir")}
        fields.update(jenis_kelamin=who["jenis_kelamin"], alamat=who["alamat"])
        await asyncio.to_thread(self._change, rid, lambda d: set_identity(d, **fields))
        self._expect(rid, await handle.execute_update(W.identitas, Isian()), "diterima")
        check_result(rid, await handle.result())
        return CaseTiming(time.perf_counter() - started, 0)

    @staticmethod
    def _expect(rid: str, answer: Jawaban, hasil: str) -> None:
        if answer.hasil != hasil:
            raise BenchError(f"{rid}: {answer.hasil} ({answer.pesan}), expected {hasil}")

    def _open(self, rid: str, phone: str) -> None:
        with transaction(self.sessions) as s:
            create_draft(
                s,
                registration_id=rid,
                status_warga=StatusWarga.warga_luar_kota.value,
                phone=phone,
                phone_ref=phone_ref(self.key, phone),
                client_ref=client_ref(self.key, CLIENT),
                expires_at=datetime.now(UTC) + timedelta(minutes=15),
            )

    def _change(self, rid: str, change: Any) -> None:
        with transaction(self.sessions) as s:
            draft = running_draft(s, rid)
            if draft is None:
                raise BenchError(f"{rid}: the draft is gone")
            change(draft)

    def _code(self, rid: str) -> str:
        with self.sessions() as s:
            bodies = s.scalars(
                select(Notification.body).where(
                    Notification.case_number == rid, Notification.purpose == "otp"
                )
            ).all()
        for body in bodies:
            found = _OTP.search(body)
            if found:
                return found.group(1)
        raise BenchError(f"{rid}: no OTP in the notification log")
