"""Helpers for driving a Trenggalek proposal in tests: the officers (the demo officers' usernames),
one function per step's action, a straight-path driver, and readers of the read model."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

from db.models import AuditEvent, Case, Task
from db.trenggalek.models import TrenggalekAplikasiPublik, TrenggalekVersiNaskah
from tests.malang_helpers import poll, result_of
from workflows.case.models import Actor, CaseStatus
from workflows.trenggalek.models import (
    LANGKAH_NASKAH,
    RANTAI_TELAAH,
    Analisis,
    HasilUsulan,
    PengumpulanData,
    PenyiapanLayanan,
    Perumusan,
    TelaahPimpinan,
    TindakLanjut,
    UsulanMasuk,
)
from workflows.trenggalek.workflow import TrenggalekPemanfaatanAplikasiWorkflow, workflow_id_for

AGENCY = "trenggalek-diskominfo"
FUNGSIONAL = Actor(username="trenggalek.fungsional", role="fungsional", agency=AGENCY)
KASI = Actor(username="trenggalek.kasi", role="kasi", agency=AGENCY)
KABID = Actor(username="trenggalek.kepala_bidang", role="kepala_bidang", agency=AGENCY)
SEKRETARIS = Actor(username="trenggalek.sekretaris", role="sekretaris", agency=AGENCY)
KADIS = Actor(username="trenggalek.kepala_dinas", role="kepala_dinas", agency=AGENCY)
KASI_MALANG = Actor(username="malang.kasubag", role="kasi", agency="malang-bagpem")
LEVEL: dict[str, Actor] = {
    "kasi": KASI,
    "kepala_bidang": KABID,
    "sekretaris": SEKRETARIS,
    "kepala_dinas": KADIS,
}
WRITER: dict[str, Actor] = {
    "pengumpulan_data": FUNGSIONAL,
    "analisis": FUNGSIONAL,
    "perumusan": KASI,
}
JUDUL = "Aplikasi antrean online Mal Pelayanan Publik"

Handle = WorkflowHandle[TrenggalekPemanfaatanAplikasiWorkflow, HasilUsulan]
W = TrenggalekPemanfaatanAplikasiWorkflow


def aid() -> str:
    return uuid.uuid4().hex


def case_number() -> str:
    return f"TRG-{uuid.uuid4().hex[:10].upper()}"


def usulan(number: str, **kw: Any) -> UsulanMasuk:
    return UsulanMasuk(
        case_number=number,
        nomor_agenda=f"AG-{number[-6:]}",
        judul=JUDUL,
        pengusul=FUNGSIONAL.username,
        **kw,
    )


async def start(client: Client, queue: str, inp: UsulanMasuk) -> Handle:
    return await client.start_workflow(
        W.run, inp, id=workflow_id_for(inp.case_number), task_queue=queue
    )


async def status(handle: Handle) -> CaseStatus | None:
    """The status query, or None when it cannot answer now (a continue-as-new in between)."""
    try:
        return await handle.query(W.status, rpc_timeout=timedelta(seconds=2))
    except RPCError:
        return None


async def wait_step(
    handle: Handle, step: str, *, role: str | None = None, round: int | None = None
) -> CaseStatus:
    """Poll until the case waits on ``step`` (for ``role``, in ``round``, if given)."""

    def there(s: CaseStatus | None) -> bool:
        return (
            s is not None
            and s.task is not None
            and s.task.step == step
            and role in (None, s.task.role)
            and round in (None, s.round)
        )

    found = await poll(lambda: status(handle), there, f"case reaching {step}/{role}/{round}")
    assert found is not None
    return found


async def wait_overdue(handle: Handle) -> CaseStatus:
    found = await poll(
        lambda: status(handle),
        lambda s: s is not None and s.task is not None and s.task.overdue,
        "SLA breach",
    )
    assert found is not None
    return found


# --- one function per step's action --------------------------------------------------------------
async def write(
    handle: Handle, step: str, text: str, *, actor: Actor | None = None, action_id: str = ""
) -> None:
    """Steps 1 to 3: send this step's text."""
    model = {"pengumpulan_data": PengumpulanData, "analisis": Analisis, "perumusan": Perumusan}
    action = model[step](action_id=action_id or aid(), actor=actor or WRITER[step], teks=text)
    await handle.signal(step, action)


async def review(
    handle: Handle,
    role: str,
    keputusan: str,
    catatan: str | None = None,
    *,
    kembali_ke: str | None = None,
    actor: Actor | None = None,
) -> None:
    """Step 4 at one level."""
    await handle.signal(
        "telaah_pimpinan",
        TelaahPimpinan(
            action_id=aid(),
            actor=actor or LEVEL[role],
            keputusan=keputusan,
            catatan=catatan if catatan is not None else f"Catatan {role}",
            kembali_ke=kembali_ke,
        ),
    )


async def write_from(handle: Handle, first: str, round: int, label: str = "v") -> None:
    """Write steps ``first``..perumusan of ``round`` (text ``<step> <label><round>``)."""
    for step in LANGKAH_NASKAH[LANGKAH_NASKAH.index(first) :]:
        await wait_step(handle, step, round=round)
        await write(handle, step, f"{step} {label}{round}")


async def climb(handle: Handle, *, to: str = "kepala_dinas", round: int | None = None) -> None:
    """Forward the proposal up the chain until ``to``'s task is open."""
    for role in RANTAI_TELAAH[: RANTAI_TELAAH.index(to)]:
        await wait_step(handle, "telaah_pimpinan", role=role, round=round)
        await review(handle, role, "teruskan")
    await wait_step(handle, "telaah_pimpinan", role=to, round=round)


async def approve(handle: Handle, round: int | None = None) -> None:
    """Climb the whole chain; the Kepala Dinas approves."""
    await climb(handle, round=round)
    await review(handle, "kepala_dinas", "setuju", "Setuju, lanjutkan")


async def provide(handle: Handle, cara: str = "swakelola") -> None:
    await wait_step(handle, "tindak_lanjut")
    extra: dict[str, Any] = (
        {"tim": ["Tim Aptika", "trenggalek.fungsional"]}
        if cara == "swakelola"
        else {"referensi_pengadaan": "PBJ-2026/117"}
    )
    await handle.signal(
        "tindak_lanjut",
        TindakLanjut(
            action_id=aid(),
            actor=KABID,
            cara=cara,
            tindak_lanjut_teknis="Siapkan server dan domain",
            tindak_lanjut_administrasi="Nota dinas ke Sekretariat",
            **extra,
        ),
    )


async def prepare(handle: Handle) -> None:
    await wait_step(handle, "penyiapan_layanan")
    await handle.signal(
        "penyiapan_layanan",
        PenyiapanLayanan(
            action_id=aid(),
            actor=FUNGSIONAL,
            nama_aplikasi="Antrean MPP",
            ringkasan_publik="Ambil nomor antrean Mal Pelayanan Publik dari rumah.",
            tautan="https://antrean.trenggalekkab.go.id",
        ),
    )


async def straight(handle: Handle, cara: str = "swakelola") -> HasilUsulan:
    """The straight path from step 1 to the result."""
    await write_from(handle, "pengumpulan_data", 1)
    await approve(handle)
    await provide(handle, cara)
    await prepare(handle)
    return await result_of(handle)


# --- the read model ------------------------------------------------------------------------------
def case_row(sessions: sessionmaker[Session], number: str) -> Case:
    with sessions() as s:
        return s.scalars(select(Case).where(Case.case_number == number)).one()


def tasks(sessions: sessionmaker[Session], number: str) -> list[Task]:
    with sessions() as s:
        return list(s.scalars(select(Task).where(Task.case_number == number).order_by(Task.id)))


def audit(sessions: sessionmaker[Session], number: str, *events: str) -> list[AuditEvent]:
    with sessions() as s:
        q = select(AuditEvent).where(AuditEvent.case_number == number)
        if events:
            q = q.where(AuditEvent.event.in_(events))
        return list(s.scalars(q.order_by(AuditEvent.id)))


def versions(sessions: sessionmaker[Session], number: str) -> list[TrenggalekVersiNaskah]:
    with sessions() as s:
        q = select(TrenggalekVersiNaskah).where(TrenggalekVersiNaskah.case_number == number)
        return list(s.scalars(q.order_by(TrenggalekVersiNaskah.id)))


def public_page(sessions: sessionmaker[Session], number: str) -> TrenggalekAplikasiPublik | None:
    with sessions() as s:
        return s.scalar(
            select(TrenggalekAplikasiPublik).where(TrenggalekAplikasiPublik.case_number == number)
        )


async def wait_audit(sessions: sessionmaker[Session], number: str, event: str) -> list[AuditEvent]:
    async def probe() -> list[AuditEvent]:
        return audit(sessions, number, event)

    return await poll(probe, bool, f"audit event {event}")


def review_tasks(rows: Sequence[Task]) -> list[tuple[int, str, str | None]]:
    """(round, role, outcome) of every telaah_pimpinan task, in order."""
    return [(t.round, t.role, t.outcome) for t in rows if t.step == "telaah_pimpinan"]
