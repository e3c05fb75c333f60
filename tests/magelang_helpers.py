"""Helpers for MAGESTY tests: accounts and requests in the database, starting their workflows,
reading the activation code from the notification log (as a developer reads the dev outbox), and
the OPD officers' actions."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.common.v1 import Payload
from temporalio.client import Client, WorkflowHandle, WorkflowHistory
from temporalio.service import RPCError
from temporalio.worker import Replayer

from alur.seed_magelang import OPD as SEEDED_OPD
from alur.settings import get_settings
from alur.temporal import data_converter
from db.magelang.models import MagestyAkun, MagestyPermohonan
from db.models import AuditEvent, Notification
from db.session import transaction
from tests.conftest import TEST_PAYLOAD_KEY
from tests.malang_helpers import poll
from worker import WORKFLOWS
from workflows.case.models import Actor, CaseStatus
from workflows.magelang.akun import MagestyAkunWorkflow
from workflows.magelang.akun import workflow_id_for as akun_wf
from workflows.magelang.layanan import MagestyLayananWorkflow
from workflows.magelang.layanan import workflow_id_for as layanan_wf
from workflows.magelang.models import (
    AkunMasuk,
    AturanAktivasi,
    HasilAkun,
    HasilPermohonan,
    PelayananOpd,
    PermohonanMasuk,
    kode_digest,
    kode_key,
)
from workflows.runner import WORKFLOW_RUNNER

AGENCY = "magelang-diskominfostat"
OPD_NAMA = {kode: nama for kode, nama, _ in SEEDED_OPD}
"""The seeded OPDs' names: their officers' unit."""
OPD_DUKCAPIL = Actor(username="magelang.opd", role="opd", agency=AGENCY)
OPD_DINKES = Actor(username="magelang.opd.dinkes", role="opd", agency=AGENCY)
SATKER = Actor(username="magelang.satker", role="satker", agency=AGENCY)

AkunHandle = WorkflowHandle[MagestyAkunWorkflow, HasilAkun]
LayananHandle = WorkflowHandle[MagestyLayananWorkflow, HasilPermohonan]


def aid() -> str:
    return uuid.uuid4().hex


def nomor_wa() -> str:
    """A fresh valid Telkomsel number (accounts' numbers are unique)."""
    return f"+62812{uuid.uuid4().int % 10**8:08d}"


def add_akun(sessions: sessionmaker[Session], *, status: str = "menunggu_aktivasi") -> int:
    """An account row as the registration endpoint writes it."""
    with transaction(sessions) as s:
        akun = MagestyAkun(
            nama="Siti Rahayu",
            whatsapp=nomor_wa(),
            email=f"siti.{uuid.uuid4().hex[:8]}@contoh.id",
            password_hash="not-a-real-hash",
            status=status,
            workflow_id=f"pending-{uuid.uuid4().hex}",
        )
        s.add(akun)
        s.flush()
        akun.workflow_id = akun_wf(akun.id)
        return akun.id


def akun(sessions: sessionmaker[Session], akun_id: int) -> MagestyAkun:
    with sessions() as s:
        found = s.get(MagestyAkun, akun_id)
        assert found is not None
        return found


async def start_akun(
    client: Client, queue: str, akun_id: int, aturan: AturanAktivasi | None = None
) -> AkunHandle:
    return await client.start_workflow(
        MagestyAkunWorkflow.run,
        AkunMasuk(akun_id=akun_id, aturan=aturan or AturanAktivasi()),
        id=akun_wf(akun_id),
        task_queue=queue,
    )


def digest(akun_id: int, kode: str) -> str:
    """What the API sends for a code the citizen typed."""
    return kode_digest(kode_key(get_settings().personal_ref_key.get_secret_value()), akun_id, kode)


def codes_sent(sessions: sessionmaker[Session], akun_id: int) -> list[str]:
    """Every activation code sent to the account, oldest first (from the notification log)."""
    with sessions() as s:
        rows = s.scalars(
            select(Notification)
            .where(
                Notification.workflow_id == akun_wf(akun_id),
                Notification.purpose == "kode_aktivasi",
            )
            .order_by(Notification.id)
        ).all()
    found = [re.search(r"\b(\d{6})\b", n.body) for n in rows if n.status == "delivered"]
    return [m.group(1) for m in found if m]


def activation_sends(sessions: sessionmaker[Session], akun_id: int) -> int:
    """Activation messages logged as delivered, whatever their text still holds."""
    with sessions() as s:
        rows = s.scalars(
            select(Notification.id).where(
                Notification.workflow_id == akun_wf(akun_id),
                Notification.purpose == "kode_aktivasi",
                Notification.status == "delivered",
            )
        ).all()
    return len(rows)


async def wait_new_code(sessions: sessionmaker[Session], akun_id: int, *, sends: int) -> str:
    """The code of the ``sends``-th activation message: the only one the log still shows (every
    code before it is void, and erased)."""

    async def probe() -> tuple[int, list[str]]:
        return activation_sends(sessions, akun_id), codes_sent(sessions, akun_id)

    _, codes = await poll(
        probe, lambda p: p[0] >= sends and len(p[1]) == 1, f"activation message {sends}"
    )
    return codes[0]


async def wait_codes(sessions: sessionmaker[Session], akun_id: int, n: int) -> list[str]:
    async def probe() -> list[str]:
        return codes_sent(sessions, akun_id)

    return await poll(probe, lambda c: len(c) >= n, f"{n} activation code(s) sent")


async def decoded_payloads(client: Client, history: WorkflowHistory) -> list[bytes]:
    """Every payload of a history, decrypted by the client's codec: what an operator with the key
    (or the codec endpoint) would read."""
    found: list[Payload] = []

    def walk(msg: Message) -> None:
        if isinstance(msg, Payload):
            found.append(msg)
            return
        for field, value in msg.ListFields():
            if field.message_type is None:
                continue
            if isinstance(value, Message):
                walk(value)
                continue
            items = value.values() if hasattr(value, "values") else value  # map or repeated
            for item in items:
                if isinstance(item, Message):
                    walk(item)

    for event in history.events:
        walk(event)
    codec = client.data_converter.payload_codec
    clear = await codec.decode(found) if codec else found
    return [p.data for p in clear]


async def replay(history: WorkflowHistory) -> None:
    """Replay a history against today's workflow code (non-determinism fails)."""
    replayer = Replayer(
        workflow_runner=WORKFLOW_RUNNER,
        workflows=list(WORKFLOWS),
        data_converter=data_converter(TEST_PAYLOAD_KEY),
    )
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is None, result.replay_failure


def add_permohonan(
    sessions: sessionmaker[Session],
    akun_id: int,
    *,
    layanan: str = "akta-kelahiran",
    opd: str = "disdukcapil",
) -> PermohonanMasuk:
    number = f"MGS-{uuid.uuid4().hex[:10].upper()}"
    with transaction(sessions) as s:
        s.add(
            MagestyPermohonan(
                case_number=number,
                akun_id=akun_id,
                layanan_kode=layanan,
                opd_kode=opd,
                isian={"nama_anak": "Bima"},
            )
        )
    return PermohonanMasuk(
        case_number=number,
        akun_id=akun_id,
        layanan_kode=layanan,
        layanan_nama="Akta Kelahiran",
        opd_kode=opd,
        opd_nama=OPD_NAMA[opd],
    )


async def start_layanan(client: Client, queue: str, inp: PermohonanMasuk) -> LayananHandle:
    return await client.start_workflow(
        MagestyLayananWorkflow.run, inp, id=layanan_wf(inp.case_number), task_queue=queue
    )


async def status(handle: LayananHandle) -> CaseStatus | None:
    try:
        return await handle.query(MagestyLayananWorkflow.status, rpc_timeout=timedelta(seconds=2))
    except RPCError:
        return None


async def wait_step(handle: LayananHandle, step: str | None) -> CaseStatus:
    found = await poll(
        lambda: status(handle), lambda s: s is not None and s.current_step == step, f"step {step}"
    )
    assert found is not None
    return found


def layani(actor: Actor = OPD_DUKCAPIL, opd: str = "disdukcapil", **kw: Any) -> PelayananOpd:
    fields: dict[str, Any] = {"keputusan": "selesai", "hasil": "Akta terbit", **kw}
    return PelayananOpd(action_id=aid(), actor=actor, opd_kode=opd, **fields)


def audit(sessions: sessionmaker[Session], number: str, *events: str) -> list[AuditEvent]:
    with sessions() as s:
        q = select(AuditEvent).where(AuditEvent.case_number == number)
        if events:
            q = q.where(AuditEvent.event.in_(events))
        return list(s.scalars(q.order_by(AuditEvent.id)))


def messages(sessions: sessionmaker[Session], number: str) -> list[Notification]:
    with sessions() as s:
        q = select(Notification).where(Notification.case_number == number)
        return list(s.scalars(q.order_by(Notification.id)))
