"""MAGESTY SOP step 2, pendaftaran_akun: one workflow per citizen account, from registration to
activation by a code sent over WhatsApp (or to its closing, unactivated).

The code goes out by an activity bounded by the step's 30 seconds; the workflow keeps only the
code's HMAC digest. The activation is an update that answers at once (right / wrong with attempts
left / expired / locked); a resend is an update too, within a cooldown and a cap. An invalid number
ends the account at once with a clear message; an account never activated is closed after
``akun_kedaluwarsa`` and its personal data erased.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.magelang.activities import MagestyActivities, akun_case
    from alur.temporal import SA_AGENCY, SA_CASE_NUMBER, SA_SOP, SA_STATUS, SA_STEP
    from sop.magelang import MAGELANG
    from workflows.case import policies
    from workflows.case.human_step import HumanSteps
    from workflows.case.records import notification_queue
    from workflows.magelang.models import (
        AktivasiInput,
        AkunMasuk,
        AkunRef,
        HasilAktivasi,
        HasilAkun,
        HasilKirimUlang,
        KirimKodeInput,
        KirimUlangInput,
        StatusAkun,
        StatusKode,
        TutupAkunInput,
    )

STEP = "pendaftaran_akun"

KIRIM_START_TO_CLOSE = timedelta(seconds=10)
"""One attempt at sending the code; the whole send is bounded by the step's 30 seconds. Not a
setting: it follows the SOP's time standard, not an operator's choice."""
KIRIM_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=5),
    non_retryable_error_types=["InvalidRecipient", "AkunTidakMenunggu"],
)


def workflow_id_for(akun_id: int) -> str:
    """The account workflow's id: the account id only."""
    return f"magesty-akun-{akun_id}"


def _tolak(pesan: str, jenis: str) -> ApplicationError:
    """A refused update: the API turns ``jenis`` into its HTTP status."""
    return ApplicationError(pesan, type=jenis, non_retryable=True)


@workflow.defn(name="MagestyAkun")
class MagestyAkunWorkflow:
    """A MAGESTY account from registration to activation."""

    @workflow.init
    def __init__(self, inp: AkunMasuk) -> None:
        self._akun_id = inp.akun_id
        self._aturan = inp.aturan
        self._case = akun_case(inp.akun_id, workflow.info().workflow_id)
        self._steps = HumanSteps(MAGELANG, self._case)
        self._status = "menunggu_aktivasi"
        self._kode: StatusKode = "mengirim"
        self._pesan = "Kode aktivasi sedang dikirim lewat WhatsApp"
        self._digest: str | None = None
        self._berlaku_sampai: datetime | None = None
        self._percobaan = 0
        self._kirim_ulang = 0
        self._terakhir_kirim: datetime | None = None
        self._kirim_ke = 0
        self._aktif = False

    # --- queries and updates ------------------------------------------------------------------
    @workflow.query
    def status(self) -> StatusAkun:
        """Where the activation stands."""
        return self._status_akun()

    @workflow.update
    async def tunggu_kode(self) -> StatusAkun:
        """Answers once the first code has gone out or failed: the registration call uses it to
        tell the citizen at once when their number cannot receive WhatsApp."""
        await workflow.wait_condition(lambda: self._kode != "mengirim")
        return self._status_akun()

    @workflow.update
    async def aktivasi(self, inp: AktivasiInput) -> HasilAktivasi:
        """The citizen's code: right (the account is active when this answers), wrong (with the
        attempts left), expired, or locked after too many wrong tries."""
        sisa = self._aturan.maks_percobaan - self._percobaan
        if self._aktif:
            return HasilAktivasi(hasil="benar", sisa_percobaan=sisa, pesan="Akun sudah aktif")
        if self._berlaku_sampai is None or workflow.now() > self._berlaku_sampai:
            await self._catat("aktivasi_kedaluwarsa", {})
            return HasilAktivasi(
                hasil="kedaluwarsa",
                sisa_percobaan=sisa,
                pesan="Kode sudah kedaluwarsa, minta kode baru",
            )
        if sisa <= 0:
            return HasilAktivasi(
                hasil="terkunci",
                sisa_percobaan=0,
                pesan="Terlalu banyak percobaan, minta kode baru",
            )
        if self._digest is not None and hmac.compare_digest(self._digest, inp.kode_digest):
            self._aktif = True
            now = workflow.now()
            await workflow.execute_local_activity_method(
                MagestyActivities.aktifkan_akun,
                AkunRef(akun_id=self._akun_id, at=now),
                start_to_close_timeout=policies.DB_START_TO_CLOSE,
                retry_policy=policies.DB_RETRY,
                summary="aktifkan akun",
            )
            self._status = "aktif"
            return HasilAktivasi(
                hasil="benar", sisa_percobaan=sisa, pesan="Akun berhasil diaktifkan"
            )
        self._percobaan += 1
        sisa -= 1
        await self._catat("aktivasi_salah", {"sisa_percobaan": sisa})
        if sisa <= 0:
            return HasilAktivasi(
                hasil="terkunci", sisa_percobaan=0, pesan="Kode salah; minta kode baru"
            )
        return HasilAktivasi(
            hasil="salah", sisa_percobaan=sisa, pesan=f"Kode salah, sisa {sisa} percobaan"
        )

    @aktivasi.validator
    def _aktivasi_boleh(self, inp: AktivasiInput) -> None:
        del inp
        self._harus_menunggu()
        if self._digest is None:
            raise _tolak("Kode aktivasi belum terkirim", "KodeBelumTerkirim")

    @workflow.update
    async def kirim_ulang(self, inp: KirimUlangInput) -> HasilKirimUlang:
        """Send a new code (the old one stops working)."""
        del inp
        self._kirim_ulang += 1
        await self._kirim()
        sisa = self._aturan.maks_kirim_ulang - self._kirim_ulang
        return HasilKirimUlang(
            terkirim=self._kode == "terkirim", sisa_kirim_ulang=sisa, pesan=self._pesan
        )

    @kirim_ulang.validator
    def _kirim_ulang_boleh(self, inp: KirimUlangInput) -> None:
        del inp
        self._harus_menunggu()
        if self._kode == "mengirim":
            raise _tolak("Kode sedang dikirim, tunggu sebentar", "SedangMengirim")
        if self._kirim_ulang >= self._aturan.maks_kirim_ulang:
            raise _tolak("Batas kirim ulang kode sudah tercapai", "BatasKirimUlang")
        boleh = self._boleh_kirim_ulang()
        if boleh is not None and workflow.now() < boleh:
            detik = int((boleh - workflow.now()).total_seconds()) + 1
            raise _tolak(f"Tunggu {detik} detik sebelum meminta kode baru", "TungguKirimUlang")

    # --- the step -----------------------------------------------------------------------------
    @workflow.run
    async def run(self, inp: AkunMasuk) -> HasilAkun:
        workflow.upsert_search_attributes(
            [
                SA_SOP.value_set(MAGELANG.kode),
                SA_CASE_NUMBER.value_set(self._case.case_number),
                SA_AGENCY.value_set(MAGELANG.agensi),
                SA_STEP.value_set(STEP),
                SA_STATUS.value_set(self._status),
            ]
        )
        workflow.set_current_details("Menunggu aktivasi akun lewat kode WhatsApp")
        mulai = workflow.now()
        await self._catat("pendaftaran_dimulai", {})
        await self._kirim()
        if self._kode != "gagal_permanen":
            try:
                await workflow.wait_condition(
                    lambda: self._aktif or self._kode == "gagal_permanen",
                    timeout=inp.aturan.akun_kedaluwarsa,
                )
            except TimeoutError:
                if not self._aktif:
                    self._status = "kedaluwarsa"
        await workflow.wait_condition(workflow.all_handlers_finished)
        if self._aktif:
            durasi = (workflow.now() - mulai).total_seconds()
            waktu = MAGELANG.step(STEP).waktu
            tepat = waktu is None or durasi <= waktu.total_seconds()
            await self._catat("akun_aktif", {"durasi_detik": durasi, "tepat_waktu": tepat})
            self._akhiri("aktif")
            return HasilAkun(
                akun_id=self._akun_id, status="aktif", detik_sampai_aktif=durasi, tepat_waktu=tepat
            )
        status = "gagal_kirim" if self._kode == "gagal_permanen" else "kedaluwarsa"
        self._status = status
        await workflow.execute_local_activity_method(
            MagestyActivities.tutup_akun,
            TutupAkunInput(akun_id=self._akun_id, status=status),
            start_to_close_timeout=policies.DB_START_TO_CLOSE,
            retry_policy=policies.DB_RETRY,
            summary=f"tutup akun: {status}",
        )
        await self._catat(f"akun_{status}", {"data_pribadi": "dihapus"})
        self._akhiri(status)
        return HasilAkun(akun_id=self._akun_id, status=status)

    async def _kirim(self) -> None:
        """Send a fresh code within the step's 30 seconds; an invalid number ends the account."""
        self._kode = "mengirim"
        self._kirim_ke += 1
        try:
            sent = await workflow.execute_activity_method(
                MagestyActivities.kirim_kode_aktivasi,
                KirimKodeInput(
                    akun_id=self._akun_id,
                    workflow_id=self._case.workflow_id,
                    key=f"{self._case.workflow_id}/kode/{self._kirim_ke}",
                    berlaku=self._aturan.kode_berlaku,
                ),
                task_queue=notification_queue(),
                start_to_close_timeout=KIRIM_START_TO_CLOSE,
                schedule_to_close_timeout=MAGELANG.step(STEP).waktu,
                retry_policy=KIRIM_RETRY,
                summary="kirim kode aktivasi (WhatsApp)",
            )
        except ActivityError as err:
            cause = err.cause
            permanent = isinstance(cause, ApplicationError) and cause.type == "InvalidRecipient"
            if permanent:
                self._kode = "gagal_permanen"
                self._pesan = (
                    "Nomor WhatsApp tidak dapat menerima pesan; periksa nomor lalu daftar ulang"
                )
            else:
                self._kode = "gagal_sementara"
                self._pesan = "Kode belum dapat dikirim; coba kirim ulang sebentar lagi"
            await self._catat("kode_gagal", {"permanen": permanent, "alasan": str(cause)})
            return
        now = workflow.now()
        self._digest = sent.digest
        self._berlaku_sampai = now + self._aturan.kode_berlaku
        self._terakhir_kirim = now
        self._percobaan = 0
        self._kode = "terkirim"
        self._pesan = "Kode aktivasi sudah dikirim lewat WhatsApp"
        await self._catat("kode_terkirim", {"ke": self._kirim_ke})

    # --- helpers ------------------------------------------------------------------------------
    def _harus_menunggu(self) -> None:
        if self._aktif or self._status == "aktif":
            raise _tolak("Akun sudah aktif", "SudahAktif")
        if self._status != "menunggu_aktivasi" or self._kode == "gagal_permanen":
            raise _tolak("Pendaftaran sudah ditutup; silakan daftar ulang", "PendaftaranDitutup")

    def _boleh_kirim_ulang(self) -> datetime | None:
        """When a resend is allowed (the cooldown runs from the last code that went out)."""
        if self._kode != "terkirim" or self._terakhir_kirim is None:
            return None
        return self._terakhir_kirim + self._aturan.jeda_kirim_ulang

    def _status_akun(self) -> StatusAkun:
        return StatusAkun(
            akun_id=self._akun_id,
            status=self._status,
            kode=self._kode,
            pesan=self._pesan,
            sisa_percobaan=max(0, self._aturan.maks_percobaan - self._percobaan),
            sisa_kirim_ulang=max(0, self._aturan.maks_kirim_ulang - self._kirim_ulang),
            kirim_ulang_setelah=self._boleh_kirim_ulang(),
            kode_kedaluwarsa=self._berlaku_sampai,
        )

    async def _catat(self, event: str, detail: dict[str, object]) -> None:
        await self._steps.trail.audit(STEP, None, event, detail=detail)

    def _akhiri(self, status: str) -> None:
        self._status = status
        workflow.upsert_search_attributes([SA_STATUS.value_set(status), SA_STEP.value_set("")])
        workflow.set_current_details(f"Akun {status}")
