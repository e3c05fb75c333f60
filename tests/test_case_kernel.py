"""The case kernel: every step table holds to its catalogue and to the API's routes; acting on an
open step is race-free (the second of two simultaneous actions gets 409 naming who acted first);
and an action racing the case's close is in the trail exactly once, with one closing line.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alur.settings import Settings
from api.main import create_app
from db.models import AuditEvent
from sop.models import Sop
from tests.conftest import ApiClient, RunningWorkers
from tests.malang_helpers import poll, result_of
from tests.trenggalek_helpers import KASI, aid, start, usulan, wait_step, write_from
from workflows.case.step_table import StepTable
from workflows.magelang.steps import LANGKAH as MAGELANG_LANGKAH
from workflows.malang.steps import LANGKAH as MALANG_LANGKAH
from workflows.trenggalek.models import TelaahPimpinan
from workflows.trenggalek.steps import LANGKAH as TRENGGALEK_LANGKAH

TABLES: dict[str, tuple[StepTable, str]] = {
    "malang": (MALANG_LANGKAH, "/malang"),
    "trenggalek": (TRENGGALEK_LANGKAH, "/trenggalek"),
    "magelang": (MAGELANG_LANGKAH, "/magelang"),
}
CITIZENS = {"masyarakat", "warga"}
READ_ONLY_STEPS = {"pemantauan_statistik": "/magelang/statistik"}
"""Officer steps whose work is reading, not acting: MAGESTY's Satker watches the statistics."""


def _officer_steps(sop: Sop) -> set[str]:
    return {
        s.kode
        for s in sop.langkah
        if s.dalam_sistem and s.pelaksana not in CITIZENS and s.kode not in READ_ONLY_STEPS
    }


def _paths() -> dict[str, dict[str, object]]:
    """Every route the app serves, as its OpenAPI document lists them."""
    paths: dict[str, dict[str, object]] = create_app(Settings(environment="test")).openapi()[
        "paths"
    ]
    return paths


def _action_routes(prefix: str) -> set[str]:
    head = f"{prefix}/kasus/{{nomor_kasus}}/"
    return {
        path.removeprefix(head)
        for path, ops in _paths().items()
        if path.startswith(head) and "post" in ops
    }


@pytest.mark.parametrize("sop", sorted(TABLES))
def test_every_officer_step_has_a_route_and_every_route_a_catalogue_step(sop: str) -> None:
    table, prefix = TABLES[sop]
    catalogue = _officer_steps(table.sop)
    rows = {row.kode for row in table.steps}
    assert rows == catalogue, "the step table and the catalogue's officer steps differ"
    assert _action_routes(prefix) == catalogue, "a route without a step, or a step without one"
    for row in table.steps:
        step = table.sop.step(row.kode)
        for role in table.roles(row.kode):
            table.sop.role(role)  # every role that may act is one of the SOP's roles
        assert step.pelaksana in table.roles(row.kode) or row.roles
        assert row.title.strip()


def test_read_only_officer_steps_have_their_reading_route() -> None:
    assert set(READ_ONLY_STEPS.values()) <= set(_paths())


# --- two officers, two tabs ---------------------------------------------------------------------
async def _report(api: ApiClient) -> str:
    r = await api.http.post(
        "/malang/laporan",
        json={"jenis": "pengaduan", "kanal": "website", "judul": "Lampu mati", "isi": "Gelap"},
    )
    assert r.status_code == 201, r.text
    number: str = r.json()["nomor_kasus"]
    return number


async def _at_step(api: ApiClient, number: str, step: str) -> None:
    headers = await api.as_officer("malang.pengelola_tik")

    async def probe() -> str | None:
        r = await api.http.get(f"/malang/kasus/{number}", headers=headers)
        live = r.json().get("status_langsung") or {}
        task = live.get("task") or {}
        return task.get("step") if task.get("key") else None

    await poll(probe, lambda s: s == step, f"case at {step}")


RUNS = 20


async def test_second_of_two_simultaneous_actions_gets_409_naming_who_acted_first(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    headers = await api.as_officer("malang.pengelola_tik")
    for _ in range(RUNS):
        number = await _report(api)
        await _at_step(api, number, "penerimaan")
        # two tabs of one officer send the same step at the same moment
        first, second = await asyncio.gather(
            *(
                api.http.post(
                    f"/malang/kasus/{number}/penerimaan",
                    json={"keputusan": "teruskan"},
                    headers=headers,
                )
                for _ in range(2)
            )
        )
        codes = sorted([first.status_code, second.status_code])
        assert codes == [202, 409], (first.text, second.text)
        lost = first if first.status_code == 409 else second
        error = lost.json()["error"]
        assert error["code"] == "sudah_ditindaklanjuti"
        assert error["detail"]["oleh"] == "malang.pengelola_tik"
        assert "sudah ditindaklanjuti oleh" in error["message"]
        assert error["detail"]["nama"] in error["message"]
        await _at_step(api, number, "disposisi")
        with sessions() as s:
            lines = s.scalars(
                select(AuditEvent).where(
                    AuditEvent.case_number == number, AuditEvent.step == "penerimaan"
                )
            ).all()
        events = sorted(e.event for e in lines if e.event.startswith("aksi_"))
        assert events == ["aksi_diterima", "aksi_ditolak"]


def _refusals(sessions: sessionmaker[Session], number: str) -> list[int]:
    with sessions() as s:
        return list(
            s.scalars(
                select(AuditEvent.id).where(
                    AuditEvent.case_number == number, AuditEvent.event == "aksi_ditolak"
                )
            )
        )


async def test_the_next_officer_acting_right_after_a_colleague_gets_through(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    """The Kabag sends the disposisi the moment the Pengelola TIK's penerimaan is accepted, before
    the workflow has written that step done: the API sees the claimed task, asks the workflow,
    and the disposisi is accepted, not refused with "Kasus sedang di langkah penerimaan"."""
    tik = await api.as_officer("malang.pengelola_tik")
    kabag = await api.as_officer("malang.kabag")
    for _ in range(RUNS):
        number = await _report(api)
        await _at_step(api, number, "penerimaan")
        r = await api.http.post(
            f"/malang/kasus/{number}/penerimaan", json={"keputusan": "teruskan"}, headers=tik
        )
        assert r.status_code == 202, r.text
        r = await api.http.post(
            f"/malang/kasus/{number}/disposisi",
            json={"kasubag": "malang.kasubag", "instruksi": "Koordinasikan dengan DPUPR"},
            headers=kabag,
        )
        assert r.status_code == 202, r.text
        assert r.json()["langkah"] == "disposisi"
        await _at_step(api, number, "perintah")
        assert _refusals(sessions, number) == []


async def test_the_next_level_of_a_review_chain_acting_at_once_gets_through(
    api: ApiClient, sessions: sessionmaker[Session]
) -> None:
    """Trenggalek's Kepala Bidang forwards the moment the Kasi's forward is accepted: one step
    (telaah_pimpinan), the next role's turn. Without asking the workflow the API would answer
    403 "dilakukan oleh peran kasi" and write that refusal to the trail."""
    kasi = await api.as_officer("trenggalek.kasi")
    kabid = await api.as_officer("trenggalek.kepala_bidang")
    body = {"keputusan": "teruskan", "catatan": "Lanjut"}
    for _ in range(RUNS // 2):
        number = f"TRG-{uuid.uuid4().hex[:10].upper()}"
        h = await start(api.workers.client, api.workers.task_queue, usulan(number))
        await write_from(h, "pengumpulan_data", 1)
        await wait_step(h, "telaah_pimpinan", role="kasi")
        url = f"/trenggalek/kasus/{number}/telaah_pimpinan"
        r = await api.http.post(url, json=body, headers=kasi)
        assert r.status_code == 202, r.text
        r = await api.http.post(url, json=body, headers=kabid)
        assert r.status_code == 202, r.text
        await wait_step(h, "telaah_pimpinan", role="sekretaris")
        assert _refusals(sessions, number) == []


# --- a late action while the case closes --------------------------------------------------------
async def _refusals_at_close(workers: RunningWorkers, sessions: sessionmaker[Session]) -> None:
    number = f"TRG-{uuid.uuid4().hex[:10].upper()}"
    h = await start(workers.client, workers.task_queue, usulan(number))
    await write_from(h, "pengumpulan_data", 1)
    await wait_step(h, "telaah_pimpinan", role="kasi")
    ids = [aid(), aid()]
    # two simultaneous closing actions, straight into the workflow (as two API replicas would)
    await asyncio.gather(
        *(
            h.signal(
                "telaah_pimpinan",
                TelaahPimpinan(action_id=i, actor=KASI, keputusan="tolak", catatan=f"Tolak {n}"),
            )
            for n, i in enumerate(ids)
        )
    )
    result = await result_of(h)
    assert result.status == "ditolak"
    with sessions() as s:
        lines = s.scalars(select(AuditEvent).where(AuditEvent.case_number == number)).all()
    for i in ids:
        about = [e.event for e in lines if e.action_id == i and e.event.startswith("aksi_")]
        assert len(about) == 1, f"action {i} in the trail {about}"
    decided = sorted(e.event for e in lines if e.action_id in ids and e.event.startswith("aksi_"))
    assert decided == ["aksi_diterima", "aksi_ditolak"]
    assert [e.event for e in lines].count("kasus_ditolak") == 1
    assert len({e.event_key for e in lines}) == len(lines)


async def test_two_simultaneous_closing_actions_are_each_in_the_trail_once(
    dev_workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    # on the real dev server, where a signal in the closing workflow task fails that task and
    # Temporal replays it with the signal delivered first (the defect's conditions)
    for _ in range(RUNS):
        await _refusals_at_close(dev_workers, sessions)
