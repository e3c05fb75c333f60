"""Helpers for driving a Malang case in tests: the demo officers and a step-by-step driver."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from temporalio.client import Client, WorkflowHandle

from workflows.malang import MalangPengelolaanTIKWorkflow, workflow_id_for
from workflows.malang_models import (
    Disposisi,
    DrafTanggapan,
    HasilLaporan,
    Kanal,
    JenisLaporan,
    LaporanMasuk,
    PengajuanDraf,
    Penerimaan,
    Penyampaian,
    Perintah,
    Telaah,
)
from workflows.models import Actor, CaseStatus

AGENCY = "malang-bagpem"
TIK = Actor(username="malang.tik", role="pengelola_tik", agency=AGENCY)
KABAG = Actor(username="malang.kabag", role="kabag", agency=AGENCY)
KASUBAG = Actor(username="malang.kasubag", role="kasubag", agency=AGENCY)
STAF = Actor(username="malang.staf", role="pelaksana", agency=AGENCY)
STAF_LAIN = Actor(username="malang.staf2", role="pelaksana", agency=AGENCY)
KABAG_TRENGGALEK = Actor(username="trenggalek.kabid", role="kabag", agency="trenggalek-diskominfo")

Handle = WorkflowHandle[MalangPengelolaanTIKWorkflow, HasilLaporan]


def aid() -> str:
    return uuid.uuid4().hex


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
        MalangPengelolaanTIKWorkflow.run,
        inp,
        id=workflow_id_for(inp.case_number),
        task_queue=queue,
    )


async def wait_step(handle: Handle, step: str | None, *, round: int | None = None) -> CaseStatus:
    """Poll the status query until the case waits on ``step`` (real time, bounded)."""
    last: CaseStatus | None = None
    for _ in range(400):
        last = await handle.query(MalangPengelolaanTIKWorkflow.status)
        if last.current_step == step and (round is None or last.round == round):
            return last
        await asyncio.sleep(0.025)
    raise AssertionError(f"case never reached {step}; last status {last}")


async def forward(handle: Handle) -> None:
    await handle.signal(
        MalangPengelolaanTIKWorkflow.penerimaan,
        Penerimaan(action_id=aid(), actor=TIK, keputusan="teruskan"),
    )


async def dispose(handle: Handle) -> None:
    await handle.signal(
        MalangPengelolaanTIKWorkflow.disposisi,
        Disposisi(action_id=aid(), actor=KABAG, kasubag=KASUBAG.username, instruksi="Tindak lanjuti"),
    )


async def order(handle: Handle) -> None:
    await handle.signal(
        MalangPengelolaanTIKWorkflow.perintah,
        Perintah(action_id=aid(), actor=KASUBAG, pelaksana=STAF.username, instruksi="Siapkan bahan"),
    )


async def draft(handle: Handle, text: str = "Lampu akan diperbaiki besok.") -> None:
    await handle.signal(
        MalangPengelolaanTIKWorkflow.draf_tanggapan,
        DrafTanggapan(action_id=aid(), actor=STAF, draf=text),
    )
    await handle.signal(
        MalangPengelolaanTIKWorkflow.pengajuan_draf, PengajuanDraf(action_id=aid(), actor=STAF)
    )


async def review(handle: Handle, *, approve: bool, notes: str | None = None) -> None:
    await handle.signal(
        MalangPengelolaanTIKWorkflow.telaah,
        Telaah(action_id=aid(), actor=KASUBAG, setuju=approve, catatan=notes),
    )


async def deliver(handle: Handle) -> None:
    await handle.signal(
        MalangPengelolaanTIKWorkflow.penyampaian, Penyampaian(action_id=aid(), actor=TIK)
    )
