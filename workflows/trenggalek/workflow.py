"""Kabupaten Trenggalek, SOP 07-6/SOP/1/2022 "Pemanfaatan Aplikasi Layanan": one workflow per
proposal to use a service application, read step by step like the SOP's table.

1 pengumpulan_data and 2 analisis (the proposing Fungsional) → 3 perumusan (Kasi) →
4 telaah_pimpinan, climbed level by level: Kasi → Kepala Bidang → Sekretaris → Kepala Dinas, each
level its own task with the step's 15 minutes and its own atasan for escalations; any level may
send the proposal back to the step that must change (it then runs forward and climbs the whole chain
again, a new round) or reject it for good; the Kepala Dinas's YES approves it →
5 tindak_lanjut (Kepala Bidang: swakelola or penyedia) → 6 penyiapan_layanan (Fungsional; the
public page is published).

Every version of the text is kept (round, step, author); the revise loop continues-as-new every
``max_rounds_per_run`` rounds so the history stays short however many rounds the review takes.
"""

from __future__ import annotations

from datetime import datetime

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.case_records import CaseRecordActivities, CloseCaseInput, RecordCaseInput
    from activities.trenggalek.activities import (
        SimpanVersiInput,
        TerbitkanInput,
        TrenggalekActivities,
    )
    from alur.temporal import SA_AGENCY, SA_CASE_NUMBER, SA_SOP, SA_STATUS, SA_STEP
    from sop.trenggalek import TRENGGALEK
    from workflows.case.human_step import Check, HumanSteps, InboxItem
    from workflows.case.models import CaseRef, CaseStatus
    from workflows.case.records import record
    from workflows.trenggalek.models import (
        ACTIONS,
        LANGKAH_NASKAH,
        NASKAH_ACTIONS,
        RANTAI_TELAAH,
        Analisis,
        HasilUsulan,
        Keputusan,
        LanjutanTrenggalek,
        PengumpulanData,
        PenyiapanLayanan,
        Perumusan,
        TelaahPimpinan,
        TindakLanjut,
        UsulanMasuk,
    )

KIND = "usulan_aplikasi"
"""The case's ``kind`` in the shared read model."""
CHANNEL = "internal"
"""Proposals come from the agency's own staff, not a public channel."""
PENGUSUL_STEPS = ("pengumpulan_data", "analisis")
"""Steps assigned to the Fungsional who started the proposal (their own material)."""


def workflow_id_for(case_number: str) -> str:
    """The workflow id of a Trenggalek case: meaningful to operators, no personal data."""
    return f"trenggalek-{case_number}"


def level_rule(role: str) -> Check:
    """Step 4's rule for one level: only the Kepala Dinas approves; the Kepala Dinas, the top of
    the chain, has nobody to forward to."""

    def check(action: TelaahPimpinan) -> str | None:
        top = role == RANTAI_TELAAH[-1]
        if action.keputusan == Keputusan.setuju and not top:
            return "Hanya Kepala Dinas yang dapat menyetujui; teruskan, revisi atau tolak"
        if action.keputusan == Keputusan.teruskan and top:
            return "Kepala Dinas memutuskan: setuju, revisi atau tolak"
        return None

    return check


@workflow.defn(name="TrenggalekPemanfaatanAplikasi")
class TrenggalekPemanfaatanAplikasiWorkflow:
    """A proposal to use a service application, from gathering data to the published service."""

    @workflow.init
    def __init__(self, usulan: UsulanMasuk) -> None:
        self._case = CaseRef(
            workflow_id=workflow.info().workflow_id,
            case_number=usulan.case_number,
            sop=TRENGGALEK.kode,
            agency=TRENGGALEK.agensi,
        )
        self._steps = HumanSteps(TRENGGALEK, self._case)
        self._status = "diproses"
        self._round = usulan.lanjutan.round if usulan.lanjutan else 1

    # --- signals: one per step, named as in the SOP -------------------------------------------
    @workflow.signal
    def pengumpulan_data(self, action: PengumpulanData) -> None:
        """Step 1: the Fungsional gathers data on programmes, activities and public issues."""
        self._steps.offer("pengumpulan_data", action)

    @workflow.signal
    def analisis(self, action: Analisis) -> None:
        """Step 2: the Fungsional analyses the application's use for the leadership."""
        self._steps.offer("analisis", action)

    @workflow.signal
    def perumusan(self, action: Perumusan) -> None:
        """Step 3: the Kasi formulates planning, implementation, monitoring and evaluation."""
        self._steps.offer("perumusan", action)

    @workflow.signal
    def telaah_pimpinan(self, action: TelaahPimpinan) -> None:
        """Step 4: the level whose turn it is forwards, approves, sends back or rejects."""
        self._steps.offer("telaah_pimpinan", action)

    @workflow.signal
    def tindak_lanjut(self, action: TindakLanjut) -> None:
        """Step 5: the Kepala Bidang chooses swakelola or penyedia."""
        self._steps.offer("tindak_lanjut", action)

    @workflow.signal
    def penyiapan_layanan(self, action: PenyiapanLayanan) -> None:
        """Step 6: the Fungsional prepares the service and publishes its information."""
        self._steps.offer("penyiapan_layanan", action)

    @workflow.query
    def status(self) -> CaseStatus:
        """Where the case is (and, in step 4, which level's turn it is: ``task.role``)."""
        steps = self._steps
        return CaseStatus(
            case_number=self._case.case_number,
            sop=TRENGGALEK.kode,
            agency=TRENGGALEK.agensi,
            status=self._status,
            current_step=steps.task.step if steps.task else None,
            task=steps.task,
            sla_breached=steps.sla_breached,
            round=self._round,
        )

    # --- the SOP ------------------------------------------------------------------------------
    @workflow.run
    async def run(self, usulan: UsulanMasuk) -> HasilUsulan:
        steps = self._steps
        workflow.upsert_search_attributes(
            [
                SA_SOP.value_set(TRENGGALEK.kode),
                SA_CASE_NUMBER.value_set(usulan.case_number),
                SA_AGENCY.value_set(TRENGGALEK.agensi),
            ]
        )
        resume = usulan.lanjutan
        if resume is None:
            await self._open(usulan)
            start_at, notes = LANGKAH_NASKAH[0], None
        else:
            self._restore(resume)
            start_at, notes = resume.mulai_dari, resume.catatan_revisi

        level, verdict = await self._rounds(usulan, start_at=start_at, notes=notes)
        if verdict.keputusan == Keputusan.tolak:
            return await self._finish(
                status="ditolak",
                reason=f"Ditolak oleh {level}: {verdict.catatan}",
                response=None,
                cara=None,
            )
        approved_at = workflow.now()
        self._status = "disetujui"
        plan = await steps.perform(
            "tindak_lanjut",
            TindakLanjut,
            status="disetujui",
            title=f"Tindak lanjuti persetujuan (swakelola/penyedia): {usulan.judul[:80]}",
            round=self._round,
        )
        ready = await steps.perform(
            "penyiapan_layanan",
            PenyiapanLayanan,
            status="disetujui",
            title=f"Siapkan layanan dan publikasikan: {usulan.judul[:80]}",
            round=self._round,
        )
        await self._publish(ready, plan, approved_at)
        return await self._finish(
            status="selesai",
            reason=None,
            response=f"Aplikasi {ready.nama_aplikasi} disetujui dan informasinya diterbitkan",
            cara=plan,
        )

    async def _rounds(
        self, usulan: UsulanMasuk, *, start_at: str, notes: str | None
    ) -> tuple[str, TelaahPimpinan]:
        """Steps 1 to 4 as many rounds as the leadership needs; returns the deciding level and its
        final verdict (setuju or tolak)."""
        first = self._round
        while True:
            if self._round - first >= usulan.max_rounds_per_run:
                await self._steps.settle()
                self._continue(usulan, start_at, notes)
            self._status = "diproses"
            for code in LANGKAH_NASKAH[LANGKAH_NASKAH.index(start_at) :]:
                await self._write(usulan, code, notes)
            level, verdict = await self._review(usulan)
            if verdict.keputusan != Keputusan.revisi:
                return level, verdict
            start_at = verdict.kembali_ke or LANGKAH_NASKAH[0]
            notes = f"{level}: {verdict.catatan}"
            self._round += 1

    async def _write(self, usulan: UsulanMasuk, code: str, notes: str | None) -> None:
        """One text-writing step; the text it accepts is kept as this round's version."""
        step = TRENGGALEK.step(code)
        title = f"{step.kegiatan[:120]}: {usulan.judul[:60]}"
        if notes:
            title = f"{title} (revisi ke-{self._round - 1}, {notes[:80]})"
        action = await self._steps.perform(
            code,
            NASKAH_ACTIONS[code],
            status="diproses",
            title=title[:300],
            round=self._round,
            assignee=usulan.pengusul if code in PENGUSUL_STEPS else None,
        )
        await record(
            TrenggalekActivities.simpan_versi,
            SimpanVersiInput(
                case=self._case,
                round=self._round,
                step=code,
                author=action.actor.username,
                author_role=action.actor.role,
                teks=action.teks,
                catatan=action.catatan,
                at=workflow.now(),
            ),
            summary=f"simpan versi {code} putaran {self._round}",
        )

    async def _review(self, usulan: UsulanMasuk) -> tuple[str, TelaahPimpinan]:
        """Step 4 up the chain: the first level that does not forward decides the round (the
        Kepala Dinas, the last, always decides)."""
        self._status = "ditelaah"
        for role in RANTAI_TELAAH:
            verdict = await self._steps.perform(
                "telaah_pimpinan",
                TelaahPimpinan,
                status="ditelaah",
                title=f"Telaah pimpinan ({TRENGGALEK.role(role).nama}): {usulan.judul[:80]}",
                round=self._round,
                role=role,
                check=level_rule(role),
            )
            if verdict.keputusan != Keputusan.teruskan:
                return role, verdict
        # level_rule refuses teruskan from the last level, so the loop always returns
        return RANTAI_TELAAH[-1], verdict

    def _continue(self, usulan: UsulanMasuk, start_at: str, notes: str | None) -> None:
        """Continue as new, carrying the round and every action not yet taken."""
        steps = self._steps
        carried = LanjutanTrenggalek(
            round=self._round,
            mulai_dari=start_at,
            catatan_revisi=notes,
            sla_breached=steps.sla_breached,
            seen=sorted(steps.seen),
            inbox=[(i.step, i.action.model_dump(mode="json")) for i in steps.inbox],
        )
        workflow.continue_as_new(usulan.model_copy(update={"lanjutan": carried}))

    def _restore(self, resume: LanjutanTrenggalek) -> None:
        steps = self._steps
        steps.sla_breached = resume.sla_breached
        steps.seen.update(resume.seen)
        steps.inbox[:0] = [
            InboxItem(code, ACTIONS[code].model_validate(data)) for code, data in resume.inbox
        ]

    async def _open(self, usulan: UsulanMasuk) -> None:
        await record(
            CaseRecordActivities.record_case,
            RecordCaseInput(
                case=self._case,
                kind=KIND,
                channel=CHANNEL,
                subject=usulan.judul,
                status="diproses",
                opened_at=workflow.now(),
                audit=self._steps.entry(
                    None,
                    None,
                    "kasus_dibuka",
                    detail={"nomor_agenda": usulan.nomor_agenda, "pengusul": usulan.pengusul},
                ),
            ),
            summary="catat usulan",
        )

    async def _publish(
        self, ready: PenyiapanLayanan, plan: TindakLanjut, approved_at: datetime
    ) -> None:
        """Step 6's output: the approved application's public page."""
        await record(
            TrenggalekActivities.terbitkan_halaman,
            TerbitkanInput(
                case=self._case,
                nama_aplikasi=ready.nama_aplikasi,
                ringkasan=ready.ringkasan_publik,
                tautan=ready.tautan,
                media_komunikasi=ready.media_komunikasi,
                cara_penyediaan=plan.cara.value,
                disetujui_pada=approved_at,
                at=workflow.now(),
            ),
            summary="terbitkan halaman publik",
        )
        await self._steps.audit(
            "penyiapan_layanan",
            self._round,
            "informasi_terbit",
            detail={"nama_aplikasi": ready.nama_aplikasi},
        )

    async def _finish(
        self,
        *,
        status: str,
        reason: str | None,
        response: str | None,
        cara: TindakLanjut | None,
    ) -> HasilUsulan:
        steps = self._steps
        self._status = status
        workflow.upsert_search_attributes([SA_STATUS.value_set(status), SA_STEP.value_set("")])
        workflow.set_current_details(f"Usulan {status}")
        await steps.settle()
        await steps.refuse_leftovers()
        await record(
            CaseRecordActivities.close_case,
            CloseCaseInput(
                case=self._case,
                status=status,
                closing_reason=reason,
                public_response=response,
                closed_at=workflow.now(),
                audit=steps.entry(None, None, f"kasus_{status}", detail={"alasan": reason}),
            ),
            summary=f"usulan {status}",
        )
        return HasilUsulan(
            case_number=self._case.case_number,
            status=status,
            rounds=self._round,
            sla_breached=steps.sla_breached,
            cara_penyediaan=cara.cara if cara else None,
            alasan_penolakan=reason,
        )
