"""Kota Malang, SOP 15 "Pengelolaan Teknologi Informasi": one workflow per complaint, suggestion or
information request, read step by step like the SOP's table.

1 penerimaan (Pengelola TIK) → 2 disposisi (Kabag) → 3 perintah (Kasubag) → 4 draf_tanggapan and
5 pengajuan_draf (pelaksana) → 6 telaah (Kasubag; back to 4 with notes until approved) →
7 penyampaian (Pengelola TIK; the citizen is told and the response is published).
Each step is held to its 15 minutes by the human step; the revise loop continues-as-new every
``max_rounds_per_run`` rounds so the history stays short however long the review goes on.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.case_records import CaseRecordActivities, CloseCaseInput, RecordCaseInput
    from activities.notifications import NotificationActivities, NotifyCitizenInput
    from alur.temporal import SA_AGENCY, SA_CASE_NUMBER, SA_SOP, SA_STATUS, SA_STEP
    from sop.malang import MALANG
    from workflows.case import policies
    from workflows.case.human_step import HumanSteps, InboxItem, notification_queue
    from workflows.case.models import CaseRef, CaseStatus, OfficerAction
    from workflows.case.records import record
    from workflows.malang.models import (
        ACTIONS,
        Disposisi,
        DrafTanggapan,
        HasilLaporan,
        KeputusanPenerimaan,
        LanjutanMalang,
        LaporanMasuk,
        Penerimaan,
        PengajuanDraf,
        Penyampaian,
        Perintah,
        Telaah,
    )


def workflow_id_for(case_number: str) -> str:
    """The workflow id of a Malang case: meaningful to operators, no personal data."""
    return f"malang-{case_number}"


@workflow.defn(name="MalangPengelolaanTIK")
class MalangPengelolaanTIKWorkflow:
    """A complaint, suggestion or information request from intake to the delivered response."""

    @workflow.init
    def __init__(self, laporan: LaporanMasuk) -> None:
        self._case = CaseRef(
            workflow_id=workflow.info().workflow_id,
            case_number=laporan.case_number,
            sop=MALANG.kode,
            agency=MALANG.agensi,
        )
        self._steps = HumanSteps(MALANG, self._case)
        self._status = "diterima" if laporan.lanjutan is None else "diproses"
        self._round = 1

    # --- signals: one per step, named as in the SOP -------------------------------------------
    @workflow.signal
    def penerimaan(self, action: Penerimaan) -> None:
        """Step 1: Pengelola TIK forwards or closes the item."""
        self._offer("penerimaan", action)

    @workflow.signal
    def disposisi(self, action: Disposisi) -> None:
        """Step 2: the Kabag dispositions to a Kasubag."""
        self._offer("disposisi", action)

    @workflow.signal
    def perintah(self, action: Perintah) -> None:
        """Step 3: the Kasubag orders a pelaksana."""
        self._offer("perintah", action)

    @workflow.signal
    def draf_tanggapan(self, action: DrafTanggapan) -> None:
        """Step 4: the pelaksana writes the draft response."""
        self._offer("draf_tanggapan", action)

    @workflow.signal
    def pengajuan_draf(self, action: PengajuanDraf) -> None:
        """Step 5: the pelaksana submits the draft for review."""
        self._offer("pengajuan_draf", action)

    @workflow.signal
    def telaah(self, action: Telaah) -> None:
        """Step 6: the Kasubag approves or sends the draft back."""
        self._offer("telaah", action)

    @workflow.signal
    def penyampaian(self, action: Penyampaian) -> None:
        """Step 7: Pengelola TIK delivers the response."""
        self._offer("penyampaian", action)

    @workflow.query
    def status(self) -> CaseStatus:
        """Where the case is, for the API's checks and the officer view."""
        steps = self._steps
        return CaseStatus(
            case_number=self._case.case_number,
            sop=MALANG.kode,
            agency=MALANG.agensi,
            status=self._status,
            current_step=steps.task.step if steps.task else None,
            task=steps.task,
            sla_breached=steps.sla_breached,
            round=self._round,
        )

    def _offer(self, step: str, action: OfficerAction) -> None:
        self._steps.offer(step, action)

    # --- the SOP ------------------------------------------------------------------------------
    @workflow.run
    async def run(self, laporan: LaporanMasuk) -> HasilLaporan:
        case, steps = self._case, self._steps
        workflow.upsert_search_attributes(
            [
                SA_SOP.value_set(MALANG.kode),
                SA_CASE_NUMBER.value_set(laporan.case_number),
                SA_AGENCY.value_set(MALANG.agensi),
            ]
        )
        resume = laporan.lanjutan
        if resume is None:
            await self._open(case, laporan, steps)
            terima = await steps.perform(
                "penerimaan",
                Penerimaan,
                status="diterima",
                title=f"Terima {laporan.jenis} {case.case_number}",
            )
            if terima.keputusan != KeputusanPenerimaan.teruskan:
                return await self._close_rejected(case, steps, terima)
            self._status = "diproses"
            disp = await steps.perform(
                "disposisi",
                Disposisi,
                status="diproses",
                title=f"Disposisi {laporan.jenis} {case.case_number}",
            )
            kasubag = disp.kasubag
            order = await steps.perform(
                "perintah",
                Perintah,
                status="diproses",
                title=f"Perintahkan pelaksana: {disp.instruksi[:80]}",
                assignee=kasubag,
            )
            pelaksana, notes, first_round = order.pelaksana, None, 1
        else:
            self._restore(steps, resume)
            kasubag, pelaksana = resume.kasubag, resume.pelaksana
            notes, first_round = resume.catatan_revisi, resume.round

        final_draft = await self._drafting_rounds(
            laporan, steps, kasubag=kasubag, pelaksana=pelaksana, notes=notes, start=first_round
        )
        await steps.perform(
            "penyampaian",
            Penyampaian,
            status="diproses",
            title=f"Sampaikan tanggapan {case.case_number}",
        )
        return await self._deliver(case, steps, final_draft)

    async def _drafting_rounds(
        self,
        laporan: LaporanMasuk,
        steps: HumanSteps,
        *,
        kasubag: str,
        pelaksana: str,
        notes: str | None,
        start: int,
    ) -> str:
        """Steps 4 to 6, as many rounds as the Kasubag needs; returns the approved draft."""
        rnd = start
        while True:
            self._round = rnd
            if rnd - start >= laporan.max_rounds_per_run:
                await steps.settle()
                self._continue(laporan, steps, kasubag, pelaksana, notes, rnd)
            title = "Susun draf tanggapan" + (
                f" (revisi ke-{rnd - 1}: {notes[:80]})" if notes else ""
            )
            draft = await steps.perform(
                "draf_tanggapan",
                DrafTanggapan,
                status="diproses",
                title=title,
                round=rnd,
                assignee=pelaksana,
            )
            await steps.perform(
                "pengajuan_draf",
                PengajuanDraf,
                status="diproses",
                title="Ajukan draf ke Kasubag",
                round=rnd,
                assignee=pelaksana,
            )
            verdict = await steps.perform(
                "telaah",
                Telaah,
                status="diproses",
                title="Telaah draf",
                round=rnd,
                assignee=kasubag,
            )
            if verdict.setuju:
                return draft.draf
            notes = verdict.catatan
            rnd += 1

    def _continue(
        self,
        laporan: LaporanMasuk,
        steps: HumanSteps,
        kasubag: str,
        pelaksana: str,
        notes: str | None,
        rnd: int,
    ) -> None:
        """Continue as new, carrying the round and every action not yet taken."""
        carried = LanjutanMalang(
            round=rnd,
            kasubag=kasubag,
            pelaksana=pelaksana,
            catatan_revisi=notes,
            sla_breached=steps.sla_breached,
            seen=sorted(steps.seen),
            inbox=[(i.step, i.action.model_dump(mode="json")) for i in steps.inbox],
        )
        workflow.continue_as_new(laporan.model_copy(update={"lanjutan": carried}))

    def _restore(self, steps: HumanSteps, resume: LanjutanMalang) -> None:
        steps.sla_breached = resume.sla_breached
        steps.seen.update(resume.seen)
        steps.inbox[:0] = [
            InboxItem(code, ACTIONS[code].model_validate(data)) for code, data in resume.inbox
        ]

    async def _open(self, case: CaseRef, laporan: LaporanMasuk, steps: HumanSteps) -> None:
        await record(
            CaseRecordActivities.record_case,
            RecordCaseInput(
                case=case,
                kind=laporan.jenis.value,
                channel=laporan.kanal.value,
                subject=laporan.judul,
                status="diterima",
                opened_at=workflow.now(),
                audit=steps.entry(
                    None,
                    None,
                    "kasus_dibuka",
                    detail={"jenis": laporan.jenis.value, "kanal": laporan.kanal.value},
                ),
            ),
            summary="catat kasus",
        )

    async def _close_rejected(
        self, case: CaseRef, steps: HumanSteps, terima: Penerimaan
    ) -> HasilLaporan:
        """A duplicate or spam: closed with its reason, and the citizen is told why."""
        if terima.keputusan == KeputusanPenerimaan.duplikat:
            reason = f"Duplikat dari {terima.duplikat_dari}: {terima.alasan}"
        else:
            reason = f"Spam: {terima.alasan}"
        await self._tell_citizen(
            case,
            steps,
            purpose="penutupan",
            body=f"[Pemkot Malang] Laporan {case.case_number} ditutup. {reason}",
        )
        return await self._finish(case, steps, status="ditutup", reason=reason, response=None)

    async def _deliver(self, case: CaseRef, steps: HumanSteps, response: str) -> HasilLaporan:
        """Step 7's effect: the citizen gets the response and it goes on the public page."""
        await self._tell_citizen(
            case,
            steps,
            purpose="tanggapan",
            body=f"[Pemkot Malang] Tanggapan atas laporan {case.case_number}: {response}",
        )
        return await self._finish(case, steps, status="selesai", reason=None, response=response)

    async def _tell_citizen(
        self, case: CaseRef, steps: HumanSteps, *, purpose: str, body: str
    ) -> None:
        """Notify the citizen if they left a number; a number that cannot receive is recorded,
        and the case still closes (the public page has the answer)."""
        try:
            result = await workflow.execute_activity_method(
                NotificationActivities.notify_citizen,
                NotifyCitizenInput(
                    case=case,
                    key=f"{case.workflow_id}/{purpose}",
                    step=None,
                    purpose=purpose,
                    body=body,
                ),
                task_queue=notification_queue(),
                start_to_close_timeout=policies.NOTIFY_START_TO_CLOSE,
                schedule_to_close_timeout=policies.NOTIFY_SCHEDULE_TO_CLOSE,
                retry_policy=policies.NOTIFY_RETRY,
                summary=f"kabari warga: {purpose}",
            )
        except ActivityError as err:
            cause = err.cause
            await steps.audit(
                None, None, "notifikasi_gagal", detail={"tujuan": purpose, "alasan": str(cause)}
            )
            return
        await steps.audit(
            None,
            None,
            "notifikasi_warga",
            detail={"tujuan": purpose, "terkirim": result.sent, "catatan": result.skipped},
        )

    async def _finish(
        self,
        case: CaseRef,
        steps: HumanSteps,
        *,
        status: str,
        reason: str | None,
        response: str | None,
    ) -> HasilLaporan:
        self._status = status
        workflow.upsert_search_attributes([SA_STATUS.value_set(status), SA_STEP.value_set("")])
        workflow.set_current_details(f"Kasus {status}")
        await steps.settle()
        await steps.refuse_leftovers()
        await record(
            CaseRecordActivities.close_case,
            CloseCaseInput(
                case=case,
                status=status,
                closing_reason=reason,
                public_response=response,
                closed_at=workflow.now(),
                audit=steps.entry(None, None, f"kasus_{status}", detail={"alasan": reason}),
            ),
            summary=f"kasus {status}",
        )
        return HasilLaporan(
            case_number=case.case_number,
            status=status,
            rounds=self._round,
            sla_breached=steps.sla_breached,
            tanggapan=response,
            alasan_penutupan=reason,
        )
