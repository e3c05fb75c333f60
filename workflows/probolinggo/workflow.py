"""Kota Probolinggo, SOP 025/425.113/2019 "Registrasi View Probolinggo": one workflow per
registration, driven step by step by the citizen's app.

Steps 2-4 (pilih_daftar, pilih_status_warga, nomor_telepon) are done when the registration starts
(the app sends the residency and the number together); then 5 kata_sandi, 6 otp, 7 nik and
8 identitas each wait for the citizen's update, which answers at once (right, wrong and attempts
left, expired, refused and why); 9 registrasi_berhasil creates the account and sends an SMS.
Each step is held to the catalogue's time standard: a late step is recorded (audit
``sla_terlampaui``, ``AlurSlaBreached``) and the registration goes on, until the whole 15 minutes of
registrasi_berhasil pass: then it expires and the personal data it gathered is erased.

Only the registration id, flags and outcomes enter this workflow: the number, password hash, NIK
and identity stay in the draft table, and the OTP crosses as a keyed proof. Nothing personal is in
the workflow id or the search attributes either.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from activities.case_records import (
        CaseRecordActivities,
        CloseCaseInput,
        RecordCaseInput,
    )
    from activities.probolinggo.otp import (
        KabarBerhasilInput,
        KirimOtpInput,
        ProbolinggoSmsActivities,
    )
    from activities.probolinggo.registrasi import (
        BuatAkunInput,
        CocokkanOtpInput,
        HapusDataInput,
        HasilPeriksa,
        PeriksaInput,
        ProbolinggoRegistrationActivities,
    )
    from alur.case_ref import CaseRef
    from alur.temporal import (
        SA_AGENCY,
        SA_CASE_NUMBER,
        SA_SOP,
        SA_STATUS,
        SA_STEP,
    )
    from sop.probolinggo import PROBOLINGGO
    from workflows.case import policies
    from workflows.case.citizen_step import CitizenSteps
    from workflows.case.records import notification_queue, notify, record
    from workflows.probolinggo.models import (
        Hasil,
        HasilRegistrasi,
        Isian,
        Jawaban,
        KodeOtp,
        RegistrasiMasuk,
        StatusRegistrasi,
    )
    from workflows.probolinggo.policies import (
        ALASAN_AKHIR,
        CHECK_RETRY,
        CHECK_SCHEDULE_TO_CLOSE,
        CHECK_START_TO_CLOSE,
        CITIZEN_STEPS,
        DONE_AT_START,
        OTP_SEND_RETRY,
        OTP_SEND_SCHEDULE_TO_CLOSE,
        OTP_SEND_START_TO_CLOSE,
    )


def workflow_id_for(registration_id: str) -> str:
    """The workflow id of a registration: its random id only, nothing personal."""
    return f"probolinggo-registrasi-{registration_id}"


@workflow.defn(name="ProbolinggoRegistrasi")
class ProbolinggoRegistrasiWorkflow:
    """One View Probolinggo registration, from the number to the account (or its expiry)."""

    @workflow.init
    def __init__(self, inp: RegistrasiMasuk) -> None:
        self._inp = inp
        self._aturan = inp.aturan
        """The limits this registration is held to, fixed when it started."""
        self._case = CaseRef(
            workflow_id=workflow.info().workflow_id,
            case_number=inp.registration_id,
            sop=PROBOLINGGO.kode,
            agency=PROBOLINGGO.agensi,
        )
        self._started = workflow.now()
        batas = PROBOLINGGO.step("registrasi_berhasil").waktu or timedelta(minutes=15)
        self._deadline = self._started + batas
        self._step: str | None = CITIZEN_STEPS[0]
        self._done: set[str] = set()
        self._status = "berjalan"
        self._end: str | None = None
        """The reason a handler asked the registration to stop (the run loop ends it)."""
        self._finished = False
        self._busy = False
        self._otp_sends = 0
        self._otp_expires: datetime | None = None
        self._otp_next: datetime | None = None
        self._otp_wrong = 0
        self._nik_refused = 0
        self._identity_refused = 0
        self._siak = False
        self._steps = CitizenSteps(
            PROBOLINGGO, self._case, inp.status_warga.value, deadline=self._deadline
        )

    # --- the SOP ------------------------------------------------------------------------------
    @workflow.run
    async def run(self, inp: RegistrasiMasuk) -> HasilRegistrasi:
        workflow.upsert_search_attributes(
            [
                SA_SOP.value_set(PROBOLINGGO.kode),
                SA_CASE_NUMBER.value_set(inp.registration_id),
                SA_AGENCY.value_set(PROBOLINGGO.agensi),
                SA_STATUS.value_set("berjalan"),
            ]
        )
        await record(
            CaseRecordActivities.record_case,
            RecordCaseInput(
                case=self._case,
                kind="registrasi",
                channel="view_probolinggo",
                subject=f"Registrasi View Probolinggo ({inp.status_warga.value})",
                status="berjalan",
                opened_at=self._started,
                audit=self._steps.entry(
                    None, "kasus_dibuka", {"status_warga": inp.status_warga.value}
                ),
            ),
            summary="catat registrasi",
        )
        for code in DONE_AT_START:
            await self._steps.audit(code, "langkah_selesai", {"di_aplikasi": True})
        for code in CITIZEN_STEPS:
            if not await self._wait_step(code):
                return await self._finish("gagal" if self._end != "kedaluwarsa" else "kedaluwarsa")
        return await self._register()

    async def _wait_step(self, code: str) -> bool:
        """Wait for the citizen to complete ``code``; False when the registration must end."""
        self._step = code
        outcome = await self._steps.wait(
            code, done=lambda: code in self._done, stop=lambda: self._end is not None
        )
        if outcome == "kedaluwarsa":
            self._end = "kedaluwarsa"
        return outcome == "selesai"

    async def _register(self) -> HasilRegistrasi:
        """Step 9: the account, the draft erased, the citizen told by SMS."""
        self._step = "registrasi_berhasil"
        workflow.upsert_search_attributes([SA_STEP.value_set("registrasi_berhasil")])
        workflow.set_current_details("Membuat akun")
        try:
            created = await workflow.execute_activity_method(
                ProbolinggoRegistrationActivities.buat_akun,
                BuatAkunInput(
                    registration_id=self._inp.registration_id, siak_terverifikasi=self._siak
                ),
                start_to_close_timeout=policies.DB_START_TO_CLOSE,
                retry_policy=policies.DB_RETRY,
                summary="buat akun",
            )
        except ActivityError:  # only a non-retryable error gets here: the draft is incomplete
            self._end = "data_tidak_lengkap"
            return await self._finish("gagal")
        if not created:
            self._end = "sudah_terdaftar"
            return await self._finish("gagal")
        await self._steps.audit("registrasi_berhasil", "akun_dibuat", {"siak": self._siak})
        try:
            await notify(
                ProbolinggoSmsActivities.kabari_registrasi_berhasil,
                KabarBerhasilInput(
                    case=self._case,
                    registration_id=self._inp.registration_id,
                    key=f"{self._case.workflow_id}/registrasi_berhasil",
                ),
                summary="SMS registrasi berhasil",
            )
        except ActivityError as err:
            # The account exists; the citizen can log in without the SMS. The trail says why.
            await self._steps.audit(
                "registrasi_berhasil", "notifikasi_gagal", {"alasan": str(err.cause)}
            )
        return await self._finish("selesai")

    async def _finish(self, status: str) -> HasilRegistrasi:
        """End the registration: draft erased (always), case closed, waiting updates answered."""
        self._status = status
        self._step = None
        reason = None if status == "selesai" else self._end
        workflow.upsert_search_attributes([SA_STATUS.value_set(status), SA_STEP.value_set("")])
        workflow.set_current_details(f"Registrasi {status}")
        now = workflow.now()
        try:
            await workflow.execute_activity_method(
                ProbolinggoRegistrationActivities.hapus_data,
                HapusDataInput(
                    registration_id=self._inp.registration_id,
                    status=status,
                    alasan=reason,
                    pada=now,
                ),
                start_to_close_timeout=policies.DB_START_TO_CLOSE,
                retry_policy=policies.DB_RETRY,
                summary="hapus data pribadi draf",
            )
        except ActivityError as err:  # no draft at all (retries cover a database outage)
            await self._steps.audit(None, "hapus_data_gagal", {"alasan": str(err.cause)})
        await record(
            CaseRecordActivities.close_case,
            CloseCaseInput(
                case=self._case,
                status=status,
                closing_reason=ALASAN_AKHIR.get(reason or ""),
                closed_at=now,
                audit=self._steps.entry(
                    None, f"registrasi_{status}", {"alasan": reason, "data_pribadi_dihapus": True}
                ),
            ),
            summary=f"registrasi {status}",
        )
        self._finished = True
        await workflow.wait_condition(workflow.all_handlers_finished)
        return HasilRegistrasi(
            registration_id=self._inp.registration_id,
            status=status,
            alasan=reason,
            sla_terlampaui=bool(self._steps.breached),
            langkah_terlampaui=list(self._steps.breached),
        )

    # --- updates: one per citizen step, each answering at once ----------------------------------
    def _require(self, code: str) -> None:
        """Validators' rule: an update for another step, a busy or ended registration is refused
        before it enters history (the API answers 409 with this message)."""
        if self._end is not None or self._step is None:
            raise ApplicationError("Registrasi sudah berakhir", type="RegistrasiBerakhir")
        if self._step != code:
            raise ApplicationError(
                f"Registrasi sedang di langkah {self._step}, bukan {code}", type="LangkahLain"
            )
        if self._busy:
            raise ApplicationError("Permintaan sebelumnya masih diproses", type="SedangDiproses")

    def _claim(self) -> None:
        """Handlers' rule: the validators of updates that arrive together all run before any
        handler does, so each handler checks again and takes the step before its first await; a
        parallel duplicate fails (the API answers 409) instead of sending a second code."""
        if self._busy:
            raise ApplicationError("Permintaan sebelumnya masih diproses", type="SedangDiproses")
        self._busy = True

    @workflow.update
    async def kata_sandi(self, isian: Isian) -> Jawaban:
        """Step 5: the password is set (its hash is in the draft); the first OTP goes out."""
        if "kata_sandi" in self._done:
            raise ApplicationError("Permintaan sebelumnya masih diproses", type="SedangDiproses")
        self._claim()
        await self._steps.audit("kata_sandi", "aksi_diterima")
        await self._complete("kata_sandi")
        return await self._send_otp(first=True)

    @kata_sandi.validator
    def _check_kata_sandi(self, isian: Isian) -> None:
        self._require("kata_sandi")
        if "kata_sandi" in self._done:
            raise ApplicationError("Permintaan sebelumnya masih diproses", type="SedangDiproses")

    @workflow.update
    async def kirim_ulang_otp(self, isian: Isian) -> Jawaban:
        """Step 6: a new code, after the cooldown and within the cap."""
        if self._busy:
            raise ApplicationError("Permintaan sebelumnya masih diproses", type="SedangDiproses")
        now = workflow.now()
        if self._otp_sends > self._aturan.max_kirim_ulang:
            return self._answer(
                Hasil.batas, f"Kode OTP sudah dikirim ulang {self._aturan.max_kirim_ulang} kali"
            )
        if self._otp_next is not None and now < self._otp_next:
            wait = math.ceil((self._otp_next - now).total_seconds())
            return self._answer(
                Hasil.tunggu, f"Tunggu {wait} detik sebelum meminta kode baru", tunggu_detik=wait
            )
        return await self._send_otp(first=False)

    @kirim_ulang_otp.validator
    def _check_kirim_ulang(self, isian: Isian) -> None:
        self._require("otp")

    @workflow.update
    async def otp(self, kode: KodeOtp) -> Jawaban:
        """Step 6: the code the citizen typed, as its proof: right, wrong, or expired."""
        if self._busy:
            raise ApplicationError("Permintaan sebelumnya masih diproses", type="SedangDiproses")
        if self._otp_expires is None or workflow.now() > self._otp_expires:
            await self._steps.audit("otp", "otp_kedaluwarsa")
            return self._answer(
                Hasil.kedaluwarsa, "Kode OTP sudah kedaluwarsa, minta kode baru", alasan="otp"
            )
        self._busy = True
        try:
            right = await workflow.execute_local_activity_method(
                ProbolinggoRegistrationActivities.cocokkan_otp,
                CocokkanOtpInput(registration_id=self._inp.registration_id, bukti=kode.bukti),
                start_to_close_timeout=policies.DB_START_TO_CLOSE,
                retry_policy=policies.DB_RETRY,
                summary="cocokkan OTP",
            )
        finally:
            self._busy = False
        if self._end is not None:
            return self._ended()
        if right:
            await self._steps.audit("otp", "aksi_diterima")
            await self._complete("otp")
            return self._answer(Hasil.diterima, "Kode OTP benar", langkah="nik")
        self._otp_wrong += 1
        left = self._aturan.max_otp_salah - self._otp_wrong
        await self._steps.audit("otp", "otp_salah", {"sisa_percobaan": left})
        if left <= 0:
            self._end = "otp_salah_berulang"
            return self._ended()
        return self._answer(
            Hasil.salah, f"Kode OTP salah, sisa {left} percobaan", sisa_percobaan=left
        )

    @otp.validator
    def _check_otp(self, kode: KodeOtp) -> None:
        self._require("otp")

    @workflow.update
    async def nik(self, isian: Isian) -> Jawaban:
        """Step 7: the NIK in the draft is checked (structure, region, SIAK, duplicates)."""
        result = await self._check(ProbolinggoRegistrationActivities.periksa_nik, "periksa NIK")
        if result is None:
            return self._answer(
                Hasil.tunggu, "Data kependudukan belum dapat dihubungi, coba lagi", tunggu_detik=5
            )
        if self._end is not None:
            return self._ended()
        if result.diterima:
            self._siak = result.siak
            await self._steps.audit("nik", "aksi_diterima", {"siak": result.siak})
            await self._complete("nik")
            return self._answer(Hasil.diterima, "NIK diterima", langkah="identitas")
        self._nik_refused += 1
        left = self._aturan.max_nik_ditolak - self._nik_refused
        await self._steps.audit(
            "nik", "aksi_ditolak", {"alasan": result.alasan, "sisa_percobaan": left}
        )
        if left <= 0:
            self._end = "nik_ditolak_berulang"
            return self._ended()
        return self._answer(
            Hasil.ditolak, result.pesan or "NIK ditolak", alasan=result.alasan, sisa_percobaan=left
        )

    @nik.validator
    def _check_nik(self, isian: Isian) -> None:
        self._require("nik")

    @workflow.update
    async def identitas(self, isian: Isian) -> Jawaban:
        """Step 8: the identity in the draft is checked; when it agrees, the answer waits for
        step 9 (the account) so the app learns the outcome in one call."""
        result = await self._check(
            ProbolinggoRegistrationActivities.periksa_identitas, "periksa identitas"
        )
        if result is None:
            return self._answer(
                Hasil.tunggu, "Data kependudukan belum dapat dihubungi, coba lagi", tunggu_detik=5
            )
        if self._end is not None:
            return self._ended()
        if not result.diterima:
            self._identity_refused += 1
            left = self._aturan.max_identitas_ditolak - self._identity_refused
            await self._steps.audit(
                "identitas",
                "aksi_ditolak",
                {"alasan": result.alasan, "kolom": result.tidak_sesuai, "sisa_percobaan": left},
            )
            if left <= 0:
                self._end = "identitas_ditolak_berulang"
                return self._ended()
            return self._answer(
                Hasil.ditolak,
                result.pesan or "Identitas ditolak",
                alasan=result.alasan,
                sisa_percobaan=left,
                detail=result.tidak_sesuai,
            )
        self._done.add("identitas")
        await self._steps.audit("identitas", "aksi_diterima")
        await workflow.wait_condition(lambda: self._finished)
        if self._status == "selesai":
            return self._answer(
                Hasil.diterima,
                "Registrasi berhasil. Silakan masuk dengan nomor HP dan kata sandi Anda.",
                langkah=None,
            )
        return self._ended()

    @identitas.validator
    def _check_identitas(self, isian: Isian) -> None:
        self._require("identitas")

    @workflow.query
    def status(self) -> StatusRegistrasi:
        """Where the registration is, for the API."""
        return StatusRegistrasi(
            registration_id=self._inp.registration_id,
            status_warga=self._inp.status_warga,
            status=self._status,
            langkah=self._step,
            berlaku_sampai=self._deadline,
            sla_terlampaui=bool(self._steps.breached),
            otp_berlaku_sampai=self._otp_expires,
            otp_kirim_ulang_pada=self._otp_next,
            sisa_percobaan_otp=self._aturan.max_otp_salah - self._otp_wrong,
            sisa_kirim_ulang=max(0, self._aturan.max_kirim_ulang - max(0, self._otp_sends - 1)),
            alasan=self._end,
        )

    # --- helpers ------------------------------------------------------------------------------
    async def _complete(self, code: str) -> None:
        """Mark the step done and wait until the run loop has moved on, so the answer the app gets
        and the step the next request finds agree."""
        self._done.add(code)
        await workflow.wait_condition(lambda: self._step != code or self._end is not None)

    async def _send_otp(self, *, first: bool) -> Jawaban:
        """One OTP by SMS. An invalid number or the hourly cap on the first code ends the
        registration (nothing else can be done); a refused resend leaves the last code valid."""
        self._busy = True
        self._otp_sends += 1
        n = self._otp_sends
        try:
            await workflow.execute_activity_method(
                ProbolinggoSmsActivities.kirim_otp,
                KirimOtpInput(
                    case=self._case,
                    registration_id=self._inp.registration_id,
                    key=f"{self._case.workflow_id}/otp/{n}",
                    berlaku_detik=int(self._aturan.otp_berlaku.total_seconds()),
                ),
                task_queue=notification_queue(),
                start_to_close_timeout=OTP_SEND_START_TO_CLOSE,
                schedule_to_close_timeout=OTP_SEND_SCHEDULE_TO_CLOSE,
                retry_policy=OTP_SEND_RETRY,
                summary=f"kirim OTP ke-{n}",
            )
        except ActivityError as err:
            return await self._otp_not_sent(err, first=first)
        finally:
            self._busy = False
        now = workflow.now()
        self._otp_expires = now + self._aturan.otp_berlaku
        self._otp_next = now + self._aturan.otp_jeda_kirim_ulang
        await self._steps.audit("otp", "otp_terkirim", {"ke": n})
        if self._end is not None:
            return self._ended()
        return self._answer(
            Hasil.terkirim,
            "Kode OTP telah dikirim melalui SMS",
            langkah="otp",
            otp_berlaku_sampai=self._otp_expires,
        )

    async def _otp_not_sent(self, err: ActivityError, *, first: bool) -> Jawaban:
        cause = err.cause
        kind = cause.type if isinstance(cause, ApplicationError) else None
        message = cause.message if isinstance(cause, ApplicationError) else "SMS belum terkirim"
        await self._steps.audit("otp", "otp_gagal_dikirim", {"jenis": kind or "waktu_habis"})
        if kind == "InvalidRecipient":
            self._end = "nomor_tidak_dapat_menerima_sms"
            return self._ended(message)
        if kind == "OtpRateLimited":
            if first:
                self._end = "batas_pengiriman_otp"
                return self._ended(message)
            return self._answer(Hasil.batas, message, alasan="batas_per_jam")
        if self._end is not None:
            return self._ended()
        # The provider stayed down past the step's minute: the citizen may ask again at once.
        self._otp_sends -= 1
        return self._answer(
            Hasil.tunggu, "SMS belum dapat dikirim, silakan minta kirim ulang", tunggu_detik=0
        )

    async def _check(self, method: Any, summary: str) -> HasilPeriksa | None:
        """Run a NIK or identity check; None when the register did not answer in time."""
        self._claim()
        try:
            result: HasilPeriksa = await workflow.execute_activity_method(
                method,
                PeriksaInput(
                    registration_id=self._inp.registration_id,
                    status_warga=self._inp.status_warga,
                    pada=workflow.now(),
                ),
                start_to_close_timeout=CHECK_START_TO_CLOSE,
                schedule_to_close_timeout=CHECK_SCHEDULE_TO_CLOSE,
                retry_policy=CHECK_RETRY,
                summary=summary,
            )
        except ActivityError:
            return None
        finally:
            self._busy = False
        return result

    def _answer(self, hasil: Hasil, pesan: str, **kw: Any) -> Jawaban:
        kw.setdefault("langkah", self._step)
        return Jawaban(hasil=hasil, pesan=pesan, **kw)

    def _ended(self, message: str | None = None) -> Jawaban:
        reason = self._end or self._status
        text = message or ALASAN_AKHIR.get(reason, "Registrasi berakhir")
        return Jawaban(
            hasil=Hasil.gagal,
            pesan=f"{text}. Registrasi dihentikan dan data pribadi yang dikumpulkan dihapus.",
            langkah=None,
            alasan=reason,
        )
