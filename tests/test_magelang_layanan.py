"""MAGESTY steps 5 and 6 on the time-skipping server: the owning OPD serves or refuses a request
(late service is recorded, flagged and escalated to the Kepala OPD, and the request goes on), the
citizen is told by WhatsApp, and the satisfaction survey is answered, answered late, or never."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment

from alur.seed_magelang import kepala_opd_officer, seed_magelang
from db.magelang.models import MagestyPermohonan, MagestySurvei
from db.models import Case, Officer, Task
from db.session import transaction
from tests import magelang_helpers as mg
from tests.conftest import RunningWorkers
from tests.malang_helpers import poll
from workflows.magelang.layanan import MagestyLayananWorkflow as W
from workflows.magelang.models import JawabanSurvei

NILAI = [4, 3, 4, 4, 3, 4, 4, 3, 4]  # mean 33/9 = 3.666… → IKM 91.67, A


def _survei(sessions: sessionmaker[Session], number: str) -> MagestySurvei:
    with sessions() as s:
        return s.scalars(select(MagestySurvei).where(MagestySurvei.case_number == number)).one()


def _permohonan(sessions: sessionmaker[Session], number: str) -> MagestyPermohonan:
    with sessions() as s:
        return s.scalars(
            select(MagestyPermohonan).where(MagestyPermohonan.case_number == number)
        ).one()


async def test_served_request_tells_the_citizen_and_records_the_answered_survey(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    akun_id = mg.add_akun(sessions, status="aktif")
    inp = mg.add_permohonan(sessions, akun_id)
    handle = await mg.start_layanan(workers.client, workers.task_queue, inp)
    at = await mg.wait_step(handle, "pelayanan_opd")
    assert at.task is not None and at.task.role == "opd"
    assert at.task.due_at is not None and at.task.due_at - at.task.opened_at == timedelta(
        seconds=60
    )

    await handle.signal(
        "pelayanan_opd", mg.layani(hasil="Akta terbit", dokumen_ref="AKTA-3371-0042")
    )
    await mg.wait_step(handle, "survei_kepuasan")
    answer = await handle.execute_update(
        W.survei, JawabanSurvei(permintaan_id=mg.aid(), nilai=NILAI)
    )
    result = await handle.result()

    assert (answer.ikm, answer.mutu, answer.kinerja) == ("91.67", "A", "Sangat Baik")
    assert (result.keputusan, result.survei, result.ikm, result.sla_breached) == (
        "selesai",
        "terjawab",
        "91.67",
        False,
    )
    row = _permohonan(sessions, inp.case_number)
    assert (row.keputusan, row.hasil, row.dokumen_ref, row.dilayani_oleh) == (
        "selesai",
        "Akta terbit",
        "AKTA-3371-0042",
        "magelang.opd",
    )
    survei = _survei(sessions, inp.case_number)
    assert (survei.status, survei.nilai, survei.ikm) == ("terjawab", NILAI, Decimal("91.67"))
    [msg] = mg.messages(sessions, inp.case_number)
    assert msg.channel == "whatsapp" and msg.recipient == mg.akun(sessions, akun_id).whatsapp
    assert "AKTA-3371-0042" in msg.body and "survei" in msg.body
    with sessions() as s:
        case = s.scalars(select(Case).where(Case.case_number == inp.case_number)).one()
    assert (case.status, case.sop, case.channel) == ("selesai", "magelang-magesty", "magesty")
    await mg.replay(await handle.fetch_history())


async def test_refusal_reaches_the_citizen_with_its_reason(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    akun_id = mg.add_akun(sessions, status="aktif")
    inp = mg.add_permohonan(sessions, akun_id)
    handle = await mg.start_layanan(workers.client, workers.task_queue, inp)
    await mg.wait_step(handle, "pelayanan_opd")

    await handle.signal(
        "pelayanan_opd", mg.layani(keputusan="ditolak", hasil=None, alasan="Nomor KK tidak cocok")
    )
    await mg.wait_step(handle, "survei_kepuasan")
    await handle.execute_update(W.survei, JawabanSurvei(permintaan_id=mg.aid(), nilai=[2] * 9))
    result = await handle.result()

    assert (result.keputusan, result.ikm) == ("ditolak", "50.00")
    [msg] = mg.messages(sessions, inp.case_number)
    assert "ditolak: Nomor KK tidak cocok" in msg.body
    with sessions() as s:
        case = s.scalars(select(Case).where(Case.case_number == inp.case_number)).one()
    assert (case.status, case.closing_reason) == ("ditolak", "Nomor KK tidak cocok")


async def test_officer_of_another_opd_is_refused_and_audited(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    akun_id = mg.add_akun(sessions, status="aktif")
    inp = mg.add_permohonan(sessions, akun_id)
    handle = await mg.start_layanan(workers.client, workers.task_queue, inp)
    await mg.wait_step(handle, "pelayanan_opd")

    await handle.signal("pelayanan_opd", mg.layani(actor=mg.OPD_DINKES, opd="dinkes"))
    await handle.signal("pelayanan_opd", mg.layani())
    await mg.wait_step(handle, "survei_kepuasan")

    [refused] = mg.audit(sessions, inp.case_number, "aksi_ditolak")
    assert refused.actor == "magelang.opd.dinkes"
    assert refused.detail["alasan"] == "Permohonan ini milik OPD disdukcapil"
    assert _permohonan(sessions, inp.case_number).dilayani_oleh == "magelang.opd"
    await handle.terminate()


async def test_late_service_is_breached_escalated_to_kepala_opd_and_still_served(
    workers: RunningWorkers,
    sessions: sessionmaker[Session],
    demo_officers: list[str],
    ts_env: WorkflowEnvironment,
) -> None:
    with transaction(sessions) as s:
        seed_magelang(s)  # a Kepala OPD in each OPD's unit, with a phone
    akun_id = mg.add_akun(sessions, status="aktif")
    inp = mg.add_permohonan(sessions, akun_id)
    handle = await mg.start_layanan(workers.client, workers.task_queue, inp)
    await mg.wait_step(handle, "pelayanan_opd")

    await ts_env.sleep(timedelta(seconds=61))
    found = await poll(
        lambda: mg.status(handle),
        lambda s: s is not None and s.task is not None and s.task.overdue,
        "breach",
    )
    assert found is not None and found.sla_breached

    async def escalated() -> list[object]:
        return list(mg.audit(sessions, inp.case_number, "eskalasi"))

    [esc] = await poll(escalated, bool, "escalation")
    assert esc.detail["kepada_peran"] == "kepala_opd"  # type: ignore[attr-defined]
    assert esc.detail["unit"] == mg.OPD_NAMA["disdukcapil"]  # type: ignore[attr-defined]
    # Only the head of the OPD that owns the request is told, not every OPD's head.
    with sessions() as s:
        heads = dict(
            s.execute(
                select(Officer.phone, Officer.username).where(Officer.role == "kepala_opd")
            ).all()
        )
    told = {
        heads.get(m.recipient)
        for m in mg.messages(sessions, inp.case_number)
        if m.purpose == "eskalasi"
    }
    assert told == {kepala_opd_officer("disdukcapil")}
    assert esc.detail["terkirim"] == 1  # type: ignore[attr-defined]
    [breach] = mg.audit(sessions, inp.case_number, "sla_terlampaui")
    assert breach.step == "pelayanan_opd" and breach.detail["mutu_baku"] == "60 Detik"

    await handle.signal("pelayanan_opd", mg.layani())
    await mg.wait_step(handle, "survei_kepuasan")
    await handle.execute_update(W.survei, JawabanSurvei(permintaan_id=mg.aid(), nilai=NILAI))
    result = await handle.result()
    assert result.sla_breached and result.keputusan == "selesai"
    with sessions() as s:
        task = s.scalars(
            select(Task).where(Task.case_number == inp.case_number, Task.step == "pelayanan_opd")
        ).one()
    assert (task.status, task.overdue) == ("done", True)
    await mg.replay(await handle.fetch_history())


async def test_survey_never_answered_closes_after_15_hours_and_counts_as_unanswered(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    akun_id = mg.add_akun(sessions, status="aktif")
    inp = mg.add_permohonan(sessions, akun_id)
    handle = await mg.start_layanan(workers.client, workers.task_queue, inp)
    await mg.wait_step(handle, "pelayanan_opd")
    await handle.signal("pelayanan_opd", mg.layani())

    result = await handle.result()  # time skips through the 15 hours

    assert (result.survei, result.ikm) == ("tidak_dijawab", None)
    survei = _survei(sessions, inp.case_number)
    assert (survei.status, survei.nilai, survei.ikm) == ("tidak_dijawab", None, None)
    assert survei.ditutup_at - survei.dibuka_at >= timedelta(hours=15)


async def test_survey_answered_after_15_hours_is_refused(
    workers: RunningWorkers, sessions: sessionmaker[Session], ts_env: WorkflowEnvironment
) -> None:
    akun_id = mg.add_akun(sessions, status="aktif")
    inp = mg.add_permohonan(sessions, akun_id)
    handle = await mg.start_layanan(workers.client, workers.task_queue, inp)
    await mg.wait_step(handle, "pelayanan_opd")
    await handle.signal("pelayanan_opd", mg.layani())
    await mg.wait_step(handle, "survei_kepuasan")

    await ts_env.sleep(timedelta(hours=15, seconds=1))
    with pytest.raises((WorkflowUpdateFailedError, RPCError)) as late:
        await handle.execute_update(W.survei, JawabanSurvei(permintaan_id=mg.aid(), nilai=NILAI))

    if isinstance(late.value, WorkflowUpdateFailedError):
        cause = late.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "SurveiDitutup"
    assert (await handle.result()).survei == "tidak_dijawab"
    assert _survei(sessions, inp.case_number).status == "tidak_dijawab"


async def test_survey_before_service_and_twice_are_refused(
    workers: RunningWorkers, sessions: sessionmaker[Session]
) -> None:
    akun_id = mg.add_akun(sessions, status="aktif")
    inp = mg.add_permohonan(sessions, akun_id)
    handle = await mg.start_layanan(workers.client, workers.task_queue, inp)
    await mg.wait_step(handle, "pelayanan_opd")
    with pytest.raises(WorkflowUpdateFailedError) as early:
        await handle.execute_update(W.survei, JawabanSurvei(permintaan_id=mg.aid(), nilai=NILAI))
    assert isinstance(early.value.cause, ApplicationError)
    assert early.value.cause.type == "SurveiBelumDibuka"

    await handle.signal("pelayanan_opd", mg.layani())
    await mg.wait_step(handle, "survei_kepuasan")
    await handle.execute_update(W.survei, JawabanSurvei(permintaan_id=mg.aid(), nilai=NILAI))
    with pytest.raises((WorkflowUpdateFailedError, RPCError)):
        await handle.execute_update(W.survei, JawabanSurvei(permintaan_id=mg.aid(), nilai=[1] * 9))
    assert (await handle.result()).ikm == "91.67"
