"""Helpers for driving a Malang case in tests: the officers, a step-by-step driver, and readers of
the database read model (case row, tasks, audit trail, notification log)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError, RPCStatusCode

from db.models import AuditEvent, Case, CaseContact, Notification, Officer, Task
from db.session import transaction
from workflows.case.models import Actor, CaseStatus
from workflows.malang.models import (
    Disposisi,
    DrafTanggapan,
    HasilLaporan,
    JenisLaporan,
    Kanal,
    LaporanMasuk,
    Penerimaan,
    PengajuanDraf,
    Penyampaian,
    Perintah,
    Telaah,
)
from workflows.malang.workflow import MalangPengelolaanTIKWorkflow, workflow_id_for

AGENCY = "malang-bagpem"
TIK = Actor(username="malang.tik", role="pengelola_tik", agency=AGENCY)
KABAG = Actor(username="malang.kabag", role="kabag", agency=AGENCY)
KASUBAG = Actor(username="malang.kasubag", role="kasubag", agency=AGENCY)
STAF = Actor(username="malang.staf", role="pelaksana", agency=AGENCY)
STAF_LAIN = Actor(username="malang.staf2", role="pelaksana", agency=AGENCY)
SEKDA = Actor(username="malang.sekda", role="sekda", agency=AGENCY)
KABAG_TRENGGALEK = Actor(username="trenggalek.kabid", role="kabag", agency="trenggalek-diskominfo")

STEPS = (
    "penerimaan",
    "disposisi",
    "perintah",
    "draf_tanggapan",
    "pengajuan_draf",
    "telaah",
    "penyampaian",
)
"""The SOP's seven steps in order."""

ONE_REVISION = [
    ("penerimaan", 1),
    ("disposisi", 1),
    ("perintah", 1),
    ("draf_tanggapan", 1),
    ("pengajuan_draf", 1),
    ("telaah", 1),
    ("draf_tanggapan", 2),
    ("pengajuan_draf", 2),
    ("telaah", 2),
    ("penyampaian", 1),
]
"""The tasks of a case sent back once at telaah, as (step, round), in order."""

DRAFT = "Lampu akan diperbaiki besok."

Handle = WorkflowHandle[MalangPengelolaanTIKWorkflow, HasilLaporan]
W = MalangPengelolaanTIKWorkflow
T = TypeVar("T")


def aid() -> str:
    return uuid.uuid4().hex


def case_number() -> str:
    """A fresh case number: workflow ids are shared by every test on the session's server."""
    return f"MLG-{uuid.uuid4().hex[:10].upper()}"


def laporan(case_number: str, *, ada_kontak: bool = False, **kw: Any) -> LaporanMasuk:
    return LaporanMasuk(
        case_number=case_number,
        jenis=kw.pop("jenis", JenisLaporan.pengaduan),
        kanal=kw.pop("kanal", Kanal.sambat_online),
        judul="Lampu jalan mati",
        isi="Lampu jalan di Jl. Ijen mati sejak seminggu.",
        ada_kontak=ada_kontak,
        **kw,
    )


async def start(client: Client, queue: str, inp: LaporanMasuk) -> Handle:
    return await client.start_workflow(
        W.run, inp, id=workflow_id_for(inp.case_number), task_queue=queue
    )


async def poll(
    probe: Callable[[], Awaitable[T]], done: Callable[[T], bool], what: str, seconds: float = 15
) -> T:
    """Call ``probe`` until ``done`` holds (real time, ``seconds`` at most)."""
    deadline = time.monotonic() + seconds
    last: T | None = None
    while time.monotonic() < deadline:
        last = await probe()
        if done(last):
            return last
        await asyncio.sleep(0.025)
    raise AssertionError(f"{what} never happened; last seen {last!r}")


async def status(handle: Handle) -> CaseStatus | None:
    """The status query, or None when it cannot answer now: a query that races a
    continue-as-new may go unanswered on the test server, so it is bounded and retried."""
    try:
        return await handle.query(W.status, rpc_timeout=timedelta(seconds=2))
    except RPCError:
        return None


async def result_of(handle: WorkflowHandle[Any, T]) -> T:
    """``handle.result()``, each long poll bounded and retried: after a continue-as-new the
    time-skipping server can miss waking a poll that follows the chain (the run has closed, the
    poll never answers), which would hold the test forever."""
    for _ in range(120):
        try:
            return await handle.result(rpc_timeout=timedelta(seconds=3))
        except RPCError as err:
            if err.status not in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
                raise
    raise AssertionError(f"{handle.id} never finished")


async def wait_step(handle: Handle, step: str | None, *, round: int | None = None) -> CaseStatus:
    """Poll the status query until the case waits on ``step`` (in ``round`` if given)."""
    found = await poll(
        lambda: status(handle),
        lambda s: s is not None and s.current_step == step and round in (None, s.round),
        f"case reaching {step} (round {round})",
    )
    assert found is not None
    return found


async def wait_overdue(handle: Handle) -> CaseStatus:
    """Poll the status query until the open task is marked overdue."""
    found = await poll(
        lambda: status(handle),
        lambda s: s is not None and s.sla_breached and s.task is not None and s.task.overdue,
        "SLA breach",
    )
    assert found is not None
    return found


# --- one function per step's action --------------------------------------------------------------
async def forward(handle: Handle, *, actor: Actor = TIK, action_id: str | None = None) -> None:
    await handle.signal(
        "penerimaan", Penerimaan(action_id=action_id or aid(), actor=actor, keputusan="teruskan")
    )


async def close_at_intake(handle: Handle, keputusan: str, alasan: str, **kw: Any) -> None:
    await handle.signal(
        "penerimaan",
        Penerimaan(action_id=aid(), actor=TIK, keputusan=keputusan, alasan=alasan, **kw),
    )


async def dispose(handle: Handle, *, actor: Actor = KABAG) -> None:
    await handle.signal(
        "disposisi",
        Disposisi(
            action_id=aid(), actor=actor, kasubag=KASUBAG.username, instruksi="Tindak lanjuti"
        ),
    )


async def order(handle: Handle, *, actor: Actor = KASUBAG) -> None:
    await handle.signal(
        "perintah",
        Perintah(action_id=aid(), actor=actor, pelaksana=STAF.username, instruksi="Siapkan bahan"),
    )


async def write_draft(handle: Handle, text: str = DRAFT, *, actor: Actor = STAF) -> None:
    await handle.signal("draf_tanggapan", DrafTanggapan(action_id=aid(), actor=actor, draf=text))


async def submit_draft(handle: Handle, *, actor: Actor = STAF) -> None:
    await handle.signal("pengajuan_draf", PengajuanDraf(action_id=aid(), actor=actor))


async def draft(handle: Handle, text: str = DRAFT) -> None:
    """Steps 4 and 5 at once: write the draft and submit it."""
    await write_draft(handle, text)
    await submit_draft(handle)


async def review(
    handle: Handle, *, approve: bool, notes: str | None = None, actor: Actor = KASUBAG
) -> None:
    await handle.signal(
        "telaah", Telaah(action_id=aid(), actor=actor, setuju=approve, catatan=notes)
    )


async def approve(handle: Handle) -> None:
    await review(handle, approve=True)


async def deliver(handle: Handle) -> None:
    await handle.signal("penyampaian", Penyampaian(action_id=aid(), actor=TIK))


ACT: dict[str, Callable[[Handle], Awaitable[None]]] = {
    "penerimaan": forward,
    "disposisi": dispose,
    "perintah": order,
    "draf_tanggapan": write_draft,
    "pengajuan_draf": submit_draft,
    "telaah": approve,
    "penyampaian": deliver,
}
"""The accepted action of each step on the straight path."""


async def drive_to(handle: Handle, step: str) -> CaseStatus:
    """Take the case along the straight path until it waits on ``step``."""
    for s in STEPS[: STEPS.index(step)]:
        await wait_step(handle, s)
        await ACT[s](handle)
    return await wait_step(handle, step)


async def finish_from(handle: Handle, step: str) -> HasilLaporan:
    """Act on ``step`` and every later step of the straight path; return the case's result."""
    for s in STEPS[STEPS.index(step) :]:
        await wait_step(handle, s)
        await ACT[s](handle)
    return await result_of(handle)


# --- the database: seeding and the read model ----------------------------------------------------
def add_officers(sessions: sessionmaker[Session], phones: dict[str, str]) -> None:
    """The Malang officers with a phone each (``phones``: role → number), and a kabag of another
    agency who must never be escalated to."""
    people = [TIK, STAF, KASUBAG, KABAG, SEKDA, KABAG_TRENGGALEK]
    with transaction(sessions) as s:
        for n, actor in enumerate(people, start=1):
            s.add(
                Officer(
                    username=actor.username,
                    full_name=f"Pejabat {n}",
                    password_hash="not-a-real-hash",
                    agency=actor.agency,
                    unit="Bagian Pemerintahan",
                    role=actor.role,
                    phone=phones[actor.role] if actor.agency == AGENCY else "+6281200000099",
                )
            )


def add_contact(
    sessions: sessionmaker[Session], number: str, phone: str, reply_channel: str = "sms"
) -> None:
    """The case row and the citizen's contact, as the API writes them at intake."""
    with transaction(sessions) as s:
        case = Case(
            case_number=number,
            workflow_id=workflow_id_for(number),
            sop="malang-pengelolaan-tik",
            agency=AGENCY,
            kind="pengaduan",
            channel="sambat_online",
            subject="Lampu jalan mati",
            status="diterima",
        )
        s.add(case)
        s.flush()
        s.add(CaseContact(case_id=case.id, name="Warga", phone=phone, reply_channel=reply_channel))


def case_row(sessions: sessionmaker[Session], number: str) -> Case:
    with sessions() as s:
        return s.scalars(select(Case).where(Case.case_number == number)).one()


def tasks(sessions: sessionmaker[Session], number: str) -> list[Task]:
    with sessions() as s:
        q = select(Task).where(Task.case_number == number).order_by(Task.id)
        return list(s.scalars(q))


def audit(sessions: sessionmaker[Session], number: str, *events: str) -> list[AuditEvent]:
    """The case's audit trail in order, only ``events`` if given."""
    with sessions() as s:
        q = select(AuditEvent).where(AuditEvent.case_number == number)
        if events:
            q = q.where(AuditEvent.event.in_(events))
        return list(s.scalars(q.order_by(AuditEvent.id)))


def notifications(sessions: sessionmaker[Session], number: str) -> list[Notification]:
    with sessions() as s:
        q = select(Notification).where(Notification.case_number == number)
        return list(s.scalars(q.order_by(Notification.id)))


async def wait_audit(sessions: sessionmaker[Session], number: str, event: str) -> list[AuditEvent]:
    """Poll the audit trail until it holds ``event``."""

    async def probe() -> list[AuditEvent]:
        return audit(sessions, number, event)

    return await poll(probe, bool, f"audit event {event}")


def steps_of(events: Sequence[AuditEvent], event: str) -> list[str | None]:
    """The step of each ``event`` line, in order."""
    return [e.step for e in events if e.event == event]
