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
    from activities.notifications import NotificationActivities, NotifyCitizenInput
    from workflows.case.officer_case import OfficerCase
    from workflows.case.records import notify
    from workflows.malang.models import (
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
    from workflows.malang.steps import LANGKAH


def workflow_id_for(case_number: str) -> str:
    """The workflow id of a Malang case: meaningful to operators, no personal data."""
    return f"malang-{case_number}"


@workflow.defn(name="MalangPengelolaanTIK")
class MalangPengelolaanTIKWorkflow(OfficerCase):
    """A complaint, suggestion or information request from intake to the delivered response."""

    TABLE = LANGKAH

    @workflow.init
    def __init__(self, laporan: LaporanMasuk) -> None:
        self._begin(
            laporan.case_number, status="diterima" if laporan.lanjutan is None else "diproses"
        )

    @workflow.run
    async def run(self, laporan: LaporanMasuk) -> HasilLaporan:
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
                Penerimaan,
                status="diterima",
                title=LANGKAH.title("penerimaan", jenis=laporan.jenis, nomor=nomor),
            )
            if terima.keputusan != KeputusanPenerimaan.teruskan:
                return await self._close_rejected(terima)
            self._status = "diproses"
            disp = await steps.perform(
                "disposisi",
                Disposisi,
                status="diproses",
                title=LANGKAH.title("disposisi", jenis=laporan.jenis, nomor=nomor),
            )
            kasubag = disp.kasubag
            order = await steps.perform(
                "perintah",
                Perintah,
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
            Penyampaian,
            status="diproses",
            title=LANGKAH.title("penyampaian", nomor=nomor),
        )
        return await self._deliver(final_draft)

    async def _drafting_rounds(
        self, laporan: LaporanMasuk, *, kasubag: str, pelaksana: str, notes: str | None
    ) -> str:
        """Steps 4 to 6, as many rounds as the Kasubag needs; returns the approved draft."""
        steps, start = self._steps, self._round
        while True:
            rnd = self._round
            if rnd - start >= laporan.max_rounds_per_run:
                await steps.settle()
                carried = LanjutanMalang(
                    **self._carry(), kasubag=kasubag, pelaksana=pelaksana, catatan_revisi=notes
                )
                workflow.continue_as_new(laporan.model_copy(update={"lanjutan": carried}))
            revisi = f" (revisi ke-{rnd - 1}: {notes[:80]})" if notes else ""
            draft = await steps.perform(
                "draf_tanggapan",
                DrafTanggapan,
                status="diproses",
                title=LANGKAH.title("draf_tanggapan", revisi=revisi),
                round=rnd,
                assignee=pelaksana,
            )
            await steps.perform(
                "pengajuan_draf",
                PengajuanDraf,
                status="diproses",
                title=LANGKAH.title("pengajuan_draf"),
                round=rnd,
                assignee=pelaksana,
            )
            verdict = await steps.perform(
                "telaah",
                Telaah,
                status="diproses",
                title=LANGKAH.title("telaah"),
                round=rnd,
                assignee=kasubag,
            )
            if verdict.setuju:
                return draft.draf
            notes = verdict.catatan
            self._round = rnd + 1

    async def _close_rejected(self, terima: Penerimaan) -> HasilLaporan:
        """A duplicate or spam: closed with its reason, and the citizen is told why."""
        if terima.keputusan == KeputusanPenerimaan.duplikat:
            reason = f"Duplikat dari {terima.duplikat_dari}: {terima.alasan}"
        else:
            reason = f"Spam: {terima.alasan}"
        nomor = self._case.case_number
        await self._tell_citizen("penutupan", f"[Pemkot Malang] Laporan {nomor} ditutup. {reason}")
        return await self._finish(status="ditutup", reason=reason, response=None)

    async def _deliver(self, response: str) -> HasilLaporan:
        """Step 7's effect: the citizen gets the response and it goes on the public page."""
        nomor = self._case.case_number
        await self._tell_citizen(
            "tanggapan", f"[Pemkot Malang] Tanggapan atas laporan {nomor}: {response}"
        )
        return await self._finish(status="selesai", reason=None, response=response)

    async def _tell_citizen(self, purpose: str, body: str) -> None:
        """Notify the citizen if they left a number; a number that cannot receive is recorded,
        and the case still closes (the public page has the answer)."""
        case, steps = self._case, self._steps
        try:
            result = await notify(
                NotificationActivities.notify_citizen,
                NotifyCitizenInput(
                    case=case,
                    key=f"{case.workflow_id}/{purpose}",
                    step=None,
                    purpose=purpose,
                    body=body,
                ),
                summary=f"kabari warga: {purpose}",
            )
        except ActivityError as err:
            await steps.trail.audit(
                None, None, "notifikasi_gagal", detail={"tujuan": purpose, "alasan": str(err.cause)}
            )
            return
        await steps.trail.audit(
            None,
            None,
            "notifikasi_warga",
            detail={"tujuan": purpose, "terkirim": result.sent, "catatan": result.skipped},
        )

    async def _finish(
        self, *, status: str, reason: str | None, response: str | None
    ) -> HasilLaporan:
        await self._close(
            status=status, reason=reason, response=response, detail={"alasan": reason}
        )
        return HasilLaporan(
            case_number=self._case.case_number,
            status=status,
            rounds=self._round,
            sla_breached=self._steps.sla_breached,
            tanggapan=response,
            alasan_penutupan=reason,
        )
