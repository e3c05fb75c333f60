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

with workflow.unsafe.imports_passed_through():
    import workflows.malang.models as m
    from activities.notifications import NotificationActivities, NotifyCitizenInput
    from workflows.case.officer_case import OfficerCase
    from workflows.malang.steps import LANGKAH


@workflow.defn(name="MalangPengelolaanTIK")
class MalangPengelolaanTIKWorkflow(OfficerCase, table=LANGKAH, id_prefix="malang"):
    """A complaint, suggestion or information request from intake to the delivered response."""

    @workflow.init
    def __init__(self, laporan: m.LaporanMasuk) -> None:
        self._begin(
            laporan.case_number, status="diterima" if laporan.lanjutan is None else "diproses"
        )

    @workflow.run
    async def run(self, laporan: m.LaporanMasuk) -> m.HasilLaporan:
        steps, nomor = self._steps, laporan.case_number
        self._tag()
        resume = laporan.lanjutan
        if resume is None:
            await self._open(
                kind=laporan.jenis.value,
                channel=laporan.kanal.value,
                subject=laporan.judul,
                detail={"jenis": laporan.jenis.value, "kanal": laporan.kanal.value},
            )
            terima = await steps.perform(
                "penerimaan",
                m.Penerimaan,
                status="diterima",
                title=LANGKAH.title("penerimaan", jenis=laporan.jenis, nomor=nomor),
            )
            if terima.keputusan != m.KeputusanPenerimaan.teruskan:
                return await self._close_rejected(terima)
            self._status = "diproses"
            disp = await steps.perform(
                "disposisi",
                m.Disposisi,
                status="diproses",
                title=LANGKAH.title("disposisi", jenis=laporan.jenis, nomor=nomor),
            )
            kasubag = disp.kasubag
            order = await steps.perform(
                "perintah",
                m.Perintah,
                status="diproses",
                title=LANGKAH.title("perintah", instruksi=disp.instruksi[:80]),
                assignee=kasubag,
            )
            pelaksana, notes = order.pelaksana, None
        else:
            self._restore(resume)
            kasubag, pelaksana, notes = resume.kasubag, resume.pelaksana, resume.catatan_revisi

        final_draft = await self._drafting_rounds(
            laporan, kasubag=kasubag, pelaksana=pelaksana, notes=notes
        )
        await steps.perform(
            "penyampaian",
            m.Penyampaian,
            status="diproses",
            title=LANGKAH.title("penyampaian", nomor=nomor),
        )
        return await self._deliver(final_draft)

    async def _drafting_rounds(
        self, laporan: m.LaporanMasuk, *, kasubag: str, pelaksana: str, notes: str | None
    ) -> str:
        """Steps 4 to 6, as many rounds as the Kasubag needs; returns the approved draft."""
        steps, start = self._steps, self._round
        while True:
            rnd = self._round
            if rnd - start >= laporan.max_rounds_per_run:
                await steps.settle()
                carried = m.LanjutanMalang(
                    **self._carry(), kasubag=kasubag, pelaksana=pelaksana, catatan_revisi=notes
                )
                workflow.continue_as_new(laporan.model_copy(update={"lanjutan": carried}))
            revisi = f" (revisi ke-{rnd - 1}: {notes[:80]})" if notes else ""
            draft = await steps.perform(
                "draf_tanggapan",
                m.DrafTanggapan,
                status="diproses",
                title=LANGKAH.title("draf_tanggapan", revisi=revisi),
                round=rnd,
                assignee=pelaksana,
            )
            await steps.perform(
                "pengajuan_draf",
                m.PengajuanDraf,
                status="diproses",
                title=LANGKAH.title("pengajuan_draf"),
                round=rnd,
                assignee=pelaksana,
            )
            verdict = await steps.perform(
                "telaah",
                m.Telaah,
                status="diproses",
                title=LANGKAH.title("telaah"),
                round=rnd,
                assignee=kasubag,
            )
            if verdict.setuju:
                return draft.draf
            notes = verdict.catatan
            self._round = rnd + 1

    async def _close_rejected(self, terima: m.Penerimaan) -> m.HasilLaporan:
        """A duplicate or spam: closed with its reason, and the citizen is told why."""
        if terima.keputusan == m.KeputusanPenerimaan.duplikat:
            reason = f"Duplikat dari {terima.duplikat_dari}: {terima.alasan}"
        else:
            reason = f"Spam: {terima.alasan}"
        nomor = self._case.case_number
        await self._tell("penutupan", f"[Pemkot Malang] Laporan {nomor} ditutup. {reason}")
        return await self._finish(status="ditutup", reason=reason, response=None)

    async def _deliver(self, response: str) -> m.HasilLaporan:
        """Step 7's effect: the citizen gets the response and it goes on the public page."""
        nomor = self._case.case_number
        await self._tell("tanggapan", f"[Pemkot Malang] Tanggapan atas laporan {nomor}: {response}")
        return await self._finish(status="selesai", reason=None, response=response)

    async def _tell(self, purpose: str, body: str) -> None:
        """Notify the citizen if they left a number; a number that cannot receive is recorded,
        and the case still closes (the public page has the answer)."""
        key = f"{self._case.workflow_id}/{purpose}"
        await self._tell_citizen(
            NotificationActivities.notify_citizen,
            NotifyCitizenInput(case=self._case, key=key, step=None, purpose=purpose, body=body),
            purpose=purpose,
            summary=f"kabari warga: {purpose}",
            sent=lambda result: {"terkirim": result.sent, "catatan": result.skipped},
        )

    async def _finish(
        self, *, status: str, reason: str | None, response: str | None
    ) -> m.HasilLaporan:
        await self._close(
            status=status, reason=reason, response=response, detail={"alasan": reason}
        )
        return m.HasilLaporan(
            case_number=self._case.case_number,
            status=status,
            rounds=self._round,
            sla_breached=self._steps.sla_breached,
            tanggapan=response,
            alasan_penutupan=reason,
        )


workflow_id_for = MalangPengelolaanTIKWorkflow.workflow_id_for
