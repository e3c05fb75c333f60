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
    from activities.trenggalek.activities import (
        SimpanVersiInput,
        TerbitkanInput,
        TrenggalekActivities,
    )
    from sop.trenggalek import TRENGGALEK
    from workflows.case.officer_case import OfficerCase
    from workflows.case.records import record
    from workflows.trenggalek.models import (
        LANGKAH_NASKAH,
        NASKAH_ACTIONS,
        RANTAI_TELAAH,
        HasilUsulan,
        Keputusan,
        LanjutanTrenggalek,
        PenyiapanLayanan,
        TelaahPimpinan,
        TindakLanjut,
        UsulanMasuk,
    )
    from workflows.trenggalek.steps import LANGKAH, level_rule

KIND = "usulan_aplikasi"
"""The case's ``kind`` in the shared read model."""
CHANNEL = "internal"
"""Proposals come from the agency's own staff, not a public channel."""
PENGUSUL_STEPS = ("pengumpulan_data", "analisis")
"""Steps assigned to the Fungsional who started the proposal (their own material)."""


@workflow.defn(name="TrenggalekPemanfaatanAplikasi")
class TrenggalekPemanfaatanAplikasiWorkflow(OfficerCase, table=LANGKAH, id_prefix="trenggalek"):
    """A proposal to use a service application, from gathering data to the published service."""

    @workflow.init
    def __init__(self, usulan: UsulanMasuk) -> None:
        self._begin(usulan.case_number, status="diproses")
        self._round = usulan.lanjutan.round if usulan.lanjutan else 1

    # --- the SOP ------------------------------------------------------------------------------
    @workflow.run
    async def run(self, usulan: UsulanMasuk) -> HasilUsulan:
        steps, judul = self._steps, usulan.judul[:80]
        self._tag()
        resume = usulan.lanjutan
        if resume is None:
            await self._open(
                kind=KIND,
                channel=CHANNEL,
                subject=usulan.judul,
                detail={"nomor_agenda": usulan.nomor_agenda, "pengusul": usulan.pengusul},
                summary="catat usulan",
            )
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
            title=LANGKAH.title("tindak_lanjut", judul=judul),
            round=self._round,
        )
        ready = await steps.perform(
            "penyiapan_layanan",
            PenyiapanLayanan,
            status="disetujui",
            title=LANGKAH.title("penyiapan_layanan", judul=judul),
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
                carried = LanjutanTrenggalek(
                    **self._carry(), mulai_dari=start_at, catatan_revisi=notes
                )
                workflow.continue_as_new(usulan.model_copy(update={"lanjutan": carried}))
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
        revisi = f" (revisi ke-{self._round - 1}, {notes[:80]})" if notes else ""
        title = LANGKAH.title(
            code,
            kegiatan=TRENGGALEK.step(code).kegiatan[:120],
            judul=usulan.judul[:60],
            revisi=revisi,
        )
        action = await self._steps.perform(
            code,
            NASKAH_ACTIONS[code],
            status="diproses",
            title=title,
            round=self._round,
            assignee=usulan.pengusul if code in PENGUSUL_STEPS else None,
        )
        await self._steps.flush()
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
                title=LANGKAH.title(
                    "telaah_pimpinan", peran=TRENGGALEK.role(role).nama, judul=usulan.judul[:80]
                ),
                round=self._round,
                role=role,
                check=self._level_check,
            )
            if verdict.keputusan != Keputusan.teruskan:
                return role, verdict
        # level_rule refuses teruskan from the last level, so the loop always returns
        return RANTAI_TELAAH[-1], verdict

    def _level_check(self, action: TelaahPimpinan) -> str | None:
        """The step table's level rule, against the task of the level whose turn it is."""
        task = self._steps.task
        return level_rule(action, task) if task is not None else None

    async def _publish(
        self, ready: PenyiapanLayanan, plan: TindakLanjut, approved_at: datetime
    ) -> None:
        """Step 6's output: the approved application's public page."""
        page = TerbitkanInput(
            case=self._case,
            nama_aplikasi=ready.nama_aplikasi,
            ringkasan=ready.ringkasan_publik,
            tautan=ready.tautan,
            media_komunikasi=ready.media_komunikasi,
            cara_penyediaan=plan.cara.value,
            disetujui_pada=approved_at,
            at=workflow.now(),
        )
        await self._steps.flush()
        await record(
            TrenggalekActivities.terbitkan_halaman, page, summary="terbitkan halaman publik"
        )
        await self._steps.trail.audit(
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
        await self._close(
            status=status,
            reason=reason,
            response=response,
            detail={"alasan": reason},
            noun="Usulan",
        )
        return HasilUsulan(
            case_number=self._case.case_number,
            status=status,
            rounds=self._round,
            sla_breached=self._steps.sla_breached,
            cara_penyediaan=cara.cara if cara else None,
            alasan_penolakan=reason,
        )


workflow_id_for = TrenggalekPemanfaatanAplikasiWorkflow.workflow_id_for
