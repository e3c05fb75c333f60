"""MAGESTY SOP steps 4-6 for one service request: the citizen picked a service (pemilihan_layanan,
done when the request is filed), the owning OPD serves it (pelayanan_opd, a human step held to 60
seconds with breach, escalation and audit), the citizen is told the output by WhatsApp and asked
for the satisfaction survey (survei_kepuasan, open for the SOP's 15 hours; unanswered, it closes
and is counted as such).
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.magelang.activities import MagestyActivities
    from alur.temporal import SA_STATUS, SA_STEP
    from sop.magelang import MAGELANG
    from sop.skm import ikm_of_response
    from workflows.case.officer_case import OfficerCase
    from workflows.case.records import record
    from workflows.magelang.models import (
        CatatSurveiInput,
        HasilPermohonan,
        HasilSurvei,
        JawabanSurvei,
        KabariWargaInput,
        LayananSelesaiInput,
        PelayananOpd,
        PelayananOpdData,
        PermohonanMasuk,
    )
    from workflows.magelang.steps import LANGKAH

SURVEI = "survei_kepuasan"


@workflow.defn(name="MagestyLayanan")
class MagestyLayananWorkflow(OfficerCase, table=LANGKAH, id_prefix="magesty"):
    """One citizen's request for one OPD service, from filing to the survey."""

    @workflow.init
    def __init__(self, inp: PermohonanMasuk) -> None:
        self._inp = inp
        self._begin(inp.case_number, status="diajukan", unit=inp.opd_nama)
        self._survei_terbuka = False
        self._survei_ditutup = False
        self._jawaban: JawabanSurvei | None = None
        self._ikm: HasilSurvei | None = None

    @workflow.update
    def survei(self, jawaban: JawabanSurvei) -> HasilSurvei:
        """Step 6: the citizen's nine SKM scores; answers the respondent's IKM at once."""
        ikm = ikm_of_response(jawaban.nilai)
        self._jawaban = jawaban
        self._ikm = HasilSurvei(ikm=str(ikm.nilai), mutu=ikm.mutu, kinerja=ikm.kinerja)
        return self._ikm

    @survei.validator
    def _survei_boleh(self, jawaban: JawabanSurvei) -> None:
        del jawaban
        if self._jawaban is not None:
            raise ApplicationError("Survei sudah dijawab", type="SurveiSudahDijawab")
        if self._survei_ditutup:
            raise ApplicationError("Waktu survei (15 jam) sudah habis", type="SurveiDitutup")
        if not self._survei_terbuka:
            raise ApplicationError(
                "Survei belum dibuka: layanan belum selesai", type="SurveiBelumDibuka"
            )

    def _current_step(self) -> str | None:
        """The OPD's step while it is open, then the citizen's survey while it is open."""
        task = self._steps.task
        return task.step if task else (SURVEI if self._survei_terbuka else None)

    @workflow.run
    async def run(self, inp: PermohonanMasuk) -> HasilPermohonan:
        steps = self._steps
        self._tag()
        await self._open(
            kind=inp.layanan_kode,
            channel="magesty",
            subject=inp.layanan_nama,
            detail={"layanan": inp.layanan_kode, "opd": inp.opd_kode},
            step="pemilihan_layanan",
            summary="catat permohonan",
        )
        opd = inp.opd_kode
        aksi = await steps.perform(
            "pelayanan_opd",
            PelayananOpd,
            status="diproses",
            title=LANGKAH.title("pelayanan_opd", layanan=inp.layanan_nama, nomor=inp.case_number),
            check=lambda a: None if a.opd_kode == opd else f"Permohonan ini milik OPD {opd}",
        )
        self._status = "menunggu_survei"
        output = aksi.model_dump(include=set(PelayananOpdData.model_fields))
        selesai = LayananSelesaiInput(
            case_number=inp.case_number, oleh=aksi.actor.username, at=workflow.now(), **output
        )
        await steps.flush()
        await record(MagestyActivities.catat_pelayanan, selesai, summary="catat hasil layanan")
        await self._kabari(inp, self._pesan_hasil(inp, aksi))
        survei_status = await self._survei(inp)
        return await self._tutup(inp, aksi, survei_status)

    def _pesan_hasil(self, inp: PermohonanMasuk, aksi: PelayananOpd) -> str:
        head = f"[MAGESTY] Permohonan {inp.case_number} ({inp.layanan_nama})"
        if aksi.keputusan == "ditolak":
            out = f"{head} ditolak: {aksi.alasan}."
        else:
            parts = [
                p for p in (aksi.hasil, aksi.dokumen_ref and f"Dokumen: {aksi.dokumen_ref}") if p
            ]
            out = f"{head} selesai. {' '.join(parts)}"
        return f"{out} Mohon isi survei kepuasan di aplikasi MAGESTY dalam 15 jam."

    async def _kabari(self, inp: PermohonanMasuk, body: str) -> None:
        """Tell the citizen; a number that cannot receive is recorded and the request goes on."""
        wid = self._case.workflow_id
        await self._tell_citizen(
            MagestyActivities.kabari_warga_magesty,
            KabariWargaInput(
                akun_id=inp.akun_id,
                workflow_id=wid,
                case_number=inp.case_number,
                key=f"{wid}/hasil",
                purpose="hasil_layanan",
                body=body,
            ),
            purpose="hasil_layanan",
            summary="kabari warga: hasil layanan",
        )

    async def _survei(self, inp: PermohonanMasuk) -> str:
        """Step 6: the survey is open for the SOP's 15 hours."""
        step = MAGELANG.step(SURVEI)
        dibuka = workflow.now()
        self._survei_terbuka = True
        workflow.upsert_search_attributes(
            [SA_STEP.value_set(SURVEI), SA_STATUS.value_set(self._status)]
        )
        workflow.set_current_details("Menunggu survei kepuasan warga (15 jam)")
        await self._steps.trail.audit(
            SURVEI, None, "langkah_dimulai", detail={"mutu_baku": step.waktu_teks}
        )
        try:
            await workflow.wait_condition(lambda: self._jawaban is not None, timeout=step.waktu)
        except TimeoutError:
            pass
        self._survei_terbuka = False
        self._survei_ditutup = True
        await workflow.wait_condition(workflow.all_handlers_finished)
        jawaban, ikm = self._jawaban, self._ikm
        status = "terjawab" if jawaban is not None else "tidak_dijawab"
        await record(
            MagestyActivities.catat_survei,
            CatatSurveiInput(
                case_number=inp.case_number,
                layanan_kode=inp.layanan_kode,
                opd_kode=inp.opd_kode,
                status=status,
                nilai=jawaban.nilai if jawaban else None,
                ikm=ikm.ikm if ikm else None,
                saran=jawaban.saran if jawaban else None,
                saran_dari=jawaban.permintaan_id if jawaban and jawaban.ada_saran else None,
                dibuka_at=dibuka,
                ditutup_at=workflow.now(),
            ),
            summary=f"survei {status}",
        )
        detail: dict[str, object] = {"status": status}
        if ikm is not None:
            detail.update(ikm=ikm.ikm, mutu=ikm.mutu)
        await self._steps.trail.audit(SURVEI, None, f"survei_{status}", detail=detail)
        return status

    async def _tutup(
        self, inp: PermohonanMasuk, aksi: PelayananOpd, survei: str
    ) -> HasilPermohonan:
        status = "selesai" if aksi.keputusan == "selesai" else "ditolak"
        await self._close(
            status=status,
            reason=aksi.alasan if status == "ditolak" else None,
            response=None,
            detail={"survei": survei},
            noun="Permohonan",
        )
        return HasilPermohonan(
            case_number=inp.case_number,
            keputusan=aksi.keputusan,
            sla_breached=self._steps.sla_breached,
            survei="terjawab" if survei == "terjawab" else "tidak_dijawab",
            ikm=self._ikm.ikm if self._ikm else None,
        )


workflow_id_for = MagestyLayananWorkflow.workflow_id_for
