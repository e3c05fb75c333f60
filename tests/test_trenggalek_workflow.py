"""Kabupaten Trenggalek's SOP 07-6/SOP/1/2022 workflow on the time-skipping server, with the real
workers and activities: each test drives a proposal as the officers would and checks what they
would see in the read model (tasks, audit trail, text versions, the public page) and the result."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from tests.conftest import RunningWorkers
from tests.malang_helpers import result_of
from tests.trenggalek_helpers import (
    FUNGSIONAL,
    KABID,
    KADIS,
    KASI,
    KASI_MALANG,
    Handle,
    approve,
    audit,
    case_number,
    case_row,
    climb,
    prepare,
    provide,
    public_page,
    review,
    review_tasks,
    start,
    straight,
    tasks,
    usulan,
    versions,
    wait_audit,
    wait_overdue,
    wait_step,
    write,
    write_from,
)
from workflows.trenggalek.models import LANGKAH_NASKAH, RANTAI_TELAAH

CHAIN_STEPS = [
    ("pengumpulan_data", None),
    ("analisis", None),
    ("perumusan", None),
    *[("telaah_pimpinan", role) for role in RANTAI_TELAAH],
    ("tindak_lanjut", None),
    ("penyiapan_layanan", None),
]
"""Every task of the straight path, a review level per task."""


@pytest.mark.parametrize("cara", ["swakelola", "penyedia"])
async def test_straight_approval_climbs_whole_chain_and_publishes(
    cara: str, workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    number = case_number()
    h = await start(workers.client, workers.task_queue, usulan(number))

    result = await straight(h, cara)

    assert (result.status, result.rounds, result.sla_breached) == ("selesai", 1, False)
    assert result.cara_penyediaan == cara
    rows = tasks(sessions, number)
    assert [(t.step, t.role) for t in rows] == [
        ("pengumpulan_data", "fungsional"),
        ("analisis", "fungsional"),
        ("perumusan", "kasi"),
        ("telaah_pimpinan", "kasi"),
        ("telaah_pimpinan", "kepala_bidang"),
        ("telaah_pimpinan", "sekretaris"),
        ("telaah_pimpinan", "kepala_dinas"),
        ("tindak_lanjut", "kepala_bidang"),
        ("penyiapan_layanan", "fungsional"),
    ]
    assert all(t.status == "done" and not t.overdue for t in rows)
    assert [t.assignee for t in rows[:2]] == [FUNGSIONAL.username] * 2
    assert review_tasks(rows) == [
        (1, "kasi", "teruskan"),
        (1, "kepala_bidang", "teruskan"),
        (1, "sekretaris", "teruskan"),
        (1, "kepala_dinas", "setuju"),
    ]
    assert rows[-2].outcome == cara
    # each level's 15 minutes is its own deadline
    for t in rows[3:7]:
        assert t.due_at is not None
        assert t.due_at - t.opened_at == timedelta(minutes=15)
    assert [(v.round, v.step, v.author) for v in versions(sessions, number)] == [
        (1, "pengumpulan_data", FUNGSIONAL.username),
        (1, "analisis", FUNGSIONAL.username),
        (1, "perumusan", KASI.username),
    ]
    page = public_page(sessions, number)
    assert page is not None
    assert (page.nama_aplikasi, page.cara_penyediaan) == ("Antrean MPP", cara)
    case = case_row(sessions, number)
    assert (case.status, case.current_step, case.sla_breached) == ("selesai", None, False)
    assert "Antrean MPP" in (case.public_response or "")
    assert not audit(sessions, number, "aksi_ditolak", "sla_terlampaui")
    trail = audit(sessions, number)
    assert (trail[0].event, trail[-1].event) == ("kasus_dibuka", "kasus_selesai")
    assert audit(sessions, number, "informasi_terbit")


@pytest.mark.parametrize(
    ("level", "kembali_ke"),
    [
        ("kasi", "perumusan"),
        ("kepala_bidang", "analisis"),
        ("sekretaris", "pengumpulan_data"),
        ("kepala_dinas", "analisis"),
    ],
)
async def test_each_level_sends_back_to_the_step_that_must_change(
    level: str, kembali_ke: str, workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    number = case_number()
    h = await start(workers.client, workers.task_queue, usulan(number))
    await write_from(h, "pengumpulan_data", 1)
    await climb(h, to=level)

    await review(h, level, "revisi", "Lengkapi data isu publik", kembali_ke=kembali_ke)
    status = await wait_step(h, kembali_ke, round=2)
    assert status.status == "diproses"
    await write_from(h, kembali_ke, 2)
    await approve(h, round=2)  # the whole chain again, from the Kasi
    await provide(h)
    await prepare(h)
    result = await result_of(h)

    assert (result.status, result.rounds) == ("selesai", 2)
    rows = tasks(sessions, number)
    redone = LANGKAH_NASKAH[LANGKAH_NASKAH.index(kembali_ke) :]
    assert [t.step for t in rows if t.round == 2][: len(redone)] == list(redone)
    reviews = review_tasks(rows)
    climbed = RANTAI_TELAAH[: RANTAI_TELAAH.index(level)]
    assert reviews == [
        *[(1, role, "teruskan") for role in climbed],
        (1, level, "revisi"),
        *[(2, role, "teruskan") for role in RANTAI_TELAAH[:-1]],
        (2, "kepala_dinas", "setuju"),
    ]
    sent_back_to = next(t for t in rows if (t.step, t.round) == (kembali_ke, 2))
    assert "Lengkapi data isu publik" in sent_back_to.title
    assert [(v.round, v.step) for v in versions(sessions, number)] == [
        *[(1, s) for s in LANGKAH_NASKAH],
        *[(2, s) for s in redone],
    ]
    [sendback] = [
        e for e in audit(sessions, number, "aksi_diterima") if e.detail.get("keputusan") == "revisi"
    ]
    assert (sendback.actor_role, sendback.detail["kembali_ke"]) == (level, kembali_ke)


async def test_several_rounds_keep_every_version_with_its_author(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    number = case_number()
    h = await start(workers.client, workers.task_queue, usulan(number))
    await write_from(h, "pengumpulan_data", 1)
    await review(h, "kasi", "revisi", "Perbaiki rumusan", kembali_ke="perumusan")
    await write_from(h, "perumusan", 2)
    await climb(h, to="sekretaris", round=2)
    await review(h, "sekretaris", "revisi", "Analisis biaya kurang", kembali_ke="analisis")
    await write_from(h, "analisis", 3)
    await approve(h, round=3)
    await provide(h, "penyedia")
    await prepare(h)
    result = await result_of(h)

    assert (result.status, result.rounds, result.cara_penyediaan) == ("selesai", 3, "penyedia")
    kept = versions(sessions, number)
    assert [(v.round, v.step, v.author, v.teks) for v in kept] == [
        (1, "pengumpulan_data", FUNGSIONAL.username, "pengumpulan_data v1"),
        (1, "analisis", FUNGSIONAL.username, "analisis v1"),
        (1, "perumusan", KASI.username, "perumusan v1"),
        (2, "perumusan", KASI.username, "perumusan v2"),
        (3, "analisis", FUNGSIONAL.username, "analisis v3"),
        (3, "perumusan", KASI.username, "perumusan v3"),
    ]
    assert [r for r in review_tasks(tasks(sessions, number)) if r[2] == "revisi"] == [
        (1, "kasi", "revisi"),
        (2, "sekretaris", "revisi"),
    ]


@pytest.mark.parametrize("level", RANTAI_TELAAH)
async def test_any_level_can_reject_for_good_with_a_reason(
    level: str, workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    number = case_number()
    h = await start(workers.client, workers.task_queue, usulan(number))
    await write_from(h, "pengumpulan_data", 1)
    await climb(h, to=level)

    await review(h, level, "tolak", "Sudah ada aplikasi serupa di provinsi")
    result = await result_of(h)

    assert result.status == "ditolak"
    assert result.alasan_penolakan == f"Ditolak oleh {level}: Sudah ada aplikasi serupa di provinsi"
    assert result.cara_penyediaan is None
    rows = tasks(sessions, number)
    assert rows[-1].step == "telaah_pimpinan"
    assert (rows[-1].role, rows[-1].outcome) == (level, "tolak")
    assert not [t for t in rows if t.step in ("tindak_lanjut", "penyiapan_layanan")]
    case = case_row(sessions, number)
    assert (case.status, case.closing_reason) == ("ditolak", result.alasan_penolakan)
    assert public_page(sessions, number) is None
    assert audit(sessions, number)[-1].event == "kasus_ditolak"


async def test_wrong_level_wrong_role_and_wrong_agency_are_refused_and_audited(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    number = case_number()
    h = await start(workers.client, workers.task_queue, usulan(number))
    await wait_step(h, "pengumpulan_data")
    await write(h, "pengumpulan_data", "data dari Kasi", actor=KASI)  # wrong role
    await write(h, "pengumpulan_data", "data")
    await write_from(h, "analisis", 1)
    await wait_step(h, "telaah_pimpinan", role="kasi")

    await review(h, "kasi", "setuju", "Saya setujui")  # only the Kepala Dinas approves
    await review(h, "kasi", "teruskan", actor=KABID)  # not the Kabid's turn yet
    await review(h, "kasi", "teruskan", actor=KASI_MALANG)  # another agency's officer
    await review(h, "kasi", "teruskan")
    for role in ("kepala_bidang", "sekretaris"):
        await wait_step(h, "telaah_pimpinan", role=role)
        await review(h, role, "teruskan")
    await wait_step(h, "telaah_pimpinan", role="kepala_dinas")
    await review(h, "kepala_dinas", "teruskan", actor=KADIS)  # nobody above the Kepala Dinas
    await review(h, "kepala_dinas", "setuju")
    await provide(h)
    await prepare(h)
    result = await result_of(h)

    assert result.status == "selesai"
    refused = audit(sessions, number, "aksi_ditolak")
    reasons = [(e.step, e.actor, e.detail["alasan"]) for e in refused]
    assert reasons == [
        (
            "pengumpulan_data",
            KASI.username,
            "Langkah pengumpulan_data dilakukan oleh peran fungsional, bukan kasi",
        ),
        (
            "telaah_pimpinan",
            KASI.username,
            "Hanya Kepala Dinas yang dapat menyetujui; teruskan, revisi atau tolak",
        ),
        (
            "telaah_pimpinan",
            KABID.username,
            "Langkah telaah_pimpinan dilakukan oleh peran kasi, bukan kepala_bidang",
        ),
        ("telaah_pimpinan", KASI_MALANG.username, "Pejabat bukan dari instansi pemilik kasus"),
        ("telaah_pimpinan", KADIS.username, "Kepala Dinas memutuskan: setuju, revisi atau tolak"),
    ]
    assert [v.teks for v in versions(sessions, number)][0] == "data"


async def test_long_review_continues_as_new_and_keeps_the_round(
    dev_workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    number = case_number()
    h = await start(
        dev_workers.client, dev_workers.task_queue, usulan(number, max_rounds_per_run=2)
    )
    await write_from(h, "pengumpulan_data", 1)
    for rnd in (1, 2):
        await review(h, "kasi", "revisi", f"Catatan {rnd}", kembali_ke="perumusan")
        await write_from(h, "perumusan", rnd + 1)
    # round 3 runs in a new run: the Kasi's turn there, then the whole chain
    await review(h, "kasi", "revisi", "Catatan 3", kembali_ke="perumusan")
    await write_from(h, "perumusan", 4)
    await approve(h, round=4)
    await provide(h)
    await prepare(h)
    result = await result_of(h)

    assert (result.status, result.rounds) == ("selesai", 4)
    first = dev_workers.client.get_workflow_handle(h.id, run_id=h.first_execution_run_id)
    history = await first.fetch_history()
    assert history.events[-1].event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    rows = tasks(sessions, number)
    assert [t.round for t in rows if t.step == "perumusan"] == [1, 2, 3, 4]
    assert all(t.status == "done" for t in rows)
    assert [v.teks for v in versions(sessions, number) if v.step == "perumusan"] == [
        "perumusan v1",
        "perumusan v2",
        "perumusan v3",
        "perumusan v4",
    ]
    # the round-3 task opened by the new run still carries the Kasi's notes
    assert "Catatan 2" in next(t.title for t in rows if (t.step, t.round) == ("perumusan", 3))
    # one continue-as-new: the first run hands over to the run that finished the case
    latest = await dev_workers.client.get_workflow_handle(h.id).describe()
    handover = history.events[-1].workflow_execution_continued_as_new_event_attributes
    assert handover.new_execution_run_id == latest.run_id


BREACHES = [
    ("pengumpulan_data", None, timedelta(hours=31), "30 jam", "kasi"),
    ("analisis", None, timedelta(hours=25), "1 hari", "kasi"),
    ("perumusan", None, timedelta(minutes=16), "15 menit", "kepala_bidang"),
    ("telaah_pimpinan", "kasi", timedelta(minutes=16), "15 menit", "kepala_bidang"),
    ("telaah_pimpinan", "kepala_bidang", timedelta(minutes=16), "15 menit", "sekretaris"),
    ("telaah_pimpinan", "sekretaris", timedelta(minutes=16), "15 menit", "kepala_dinas"),
    ("telaah_pimpinan", "kepala_dinas", timedelta(minutes=16), "15 menit", None),
    ("tindak_lanjut", None, timedelta(minutes=16), "15 menit", "sekretaris"),
    ("penyiapan_layanan", None, timedelta(minutes=11), "10 menit", "kasi"),
]


async def _drive_to(handle: Handle, step: str, role: str | None) -> None:
    """Take the case along the straight path until it waits on ``step`` (at ``role``)."""
    if step in LANGKAH_NASKAH:
        for s in LANGKAH_NASKAH[: LANGKAH_NASKAH.index(step)]:
            await wait_step(handle, s)
            await write(handle, s, f"{s} v1")
        await wait_step(handle, step)
        return
    await write_from(handle, "pengumpulan_data", 1)
    if step == "telaah_pimpinan":
        await climb(handle, to=role or "kasi")
        return
    await approve(handle)
    if step == "penyiapan_layanan":
        await provide(handle)
    await wait_step(handle, step)


async def _finish_from(handle: Handle, step: str, role: str | None) -> None:
    """Act on ``step`` (at ``role``) and every later step of the straight path."""
    if step in LANGKAH_NASKAH:
        await write_from(handle, step, 1)
    if step in (*LANGKAH_NASKAH, "telaah_pimpinan"):
        start = RANTAI_TELAAH.index(role) if role else 0
        for level in RANTAI_TELAAH[start:-1]:
            await wait_step(handle, "telaah_pimpinan", role=level)
            await review(handle, level, "teruskan")
        await wait_step(handle, "telaah_pimpinan", role="kepala_dinas")
        await review(handle, "kepala_dinas", "setuju")
    if step != "penyiapan_layanan":
        await provide(handle)
    await prepare(handle)


@pytest.mark.parametrize(
    ("step", "role", "wait", "mutu_baku", "superior"),
    BREACHES,
    ids=[f"{s}-{r}" if r else s for s, r, *_ in BREACHES],
)
async def test_overdue_step_is_escalated_to_its_atasan_and_case_goes_on(
    step: str,
    role: str | None,
    wait: timedelta,
    mutu_baku: str,
    superior: str | None,
    ts_env: WorkflowEnvironment,
    workers: RunningWorkers,
    sessions: sessionmaker[Session],
    demo_officers: list[str],
) -> None:
    number = case_number()
    h = await start(workers.client, workers.task_queue, usulan(number))
    await _drive_to(h, step, role)

    await ts_env.sleep(wait)
    status = await wait_overdue(h)
    assert status.current_step == step
    if superior is not None:
        await wait_audit(sessions, number, "eskalasi")
    await _finish_from(h, step, role)
    result = await result_of(h)

    assert (result.status, result.sla_breached) == ("selesai", True)
    rows = tasks(sessions, number)
    assert [(t.step, t.role) for t in rows if t.overdue] == [
        (step, role or rows[[t.step for t in rows].index(step)].role)
    ]
    breach = audit(sessions, number, "sla_terlampaui")
    assert [(e.step, e.detail["mutu_baku"]) for e in breach] == [(step, mutu_baku)]
    escalated = audit(sessions, number, "eskalasi")
    if superior is None:  # the Kepala Dinas answers to nobody: recorded, nobody told
        assert escalated == []
        assert breach[0].detail["pelaksana"] == "kepala_dinas"
    else:
        assert [(e.step, e.detail["kepada_peran"]) for e in escalated] == [(step, superior)]
        assert escalated[0].detail["terkirim"] == 1
    assert case_row(sessions, number).sla_breached is True
