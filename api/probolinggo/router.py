"""Kota Probolinggo's View Probolinggo registration over HTTP, step by step as the SOP orders it.

``POST /probolinggo/registrasi`` starts a registration (residency and phone number: steps 2-4);
then ``kata_sandi``, ``otp`` (and ``otp/kirim-ulang``), ``nik`` and ``identitas`` each store what
the citizen typed in the registration draft (the password only as its argon2 hash, the OTP not at
all) and send the workflow an update that answers at once. ``GET`` shows where a registration is,
or that it ended and its personal data was deleted. Login and the account live in
``probolinggo_akun``.

Answers: 200 when the step is done or a code was sent; 422 for a wrong or expired code or refused
data (``error.detail`` carries the workflow's answer: attempts left, the refusal code, the fields
that differ); 409 for a step out of order or a number/NIK that already has an account; 429 with
``Retry-After`` for a resend too soon or a limit against abuse; 410 when the registration has
ended (expired, or stopped) and its personal data is gone; 404 for an unknown id.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Request, status
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import delete
from sqlalchemy.orm import Session
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.service import RPCError

from activities.probolinggo.draft import (
    create_draft,
    otp_sends_last_hour,
    phone_has_account,
    set_password,
)
from activities.probolinggo.refs import client_ref, otp_proof, phone_ref
from alur.masking import mask_phone
from alur.nik import TANGGAL_LAHIR_MASA_DEPAN, latest_date_in_indonesia
from alur.phones import normalize_mobile
from alur.security import hash_password
from alur.settings import Settings
from alur.temporal import SA_AGENCY, SA_CASE_NUMBER, SA_SOP, SA_STATUS, SA_STEP
from api.deps import SessionsDep, SettingsDep, TemporalClientDep, run_db
from api.errors import Conflict, TooManyRequests, Unavailable, Unprocessable, responses
from api.probolinggo import akun as probolinggo_akun
from api.probolinggo import langkah as steps
from api.probolinggo.sandi import KEBIJAKAN, KebijakanKataSandi, password_problems
from db.base import utcnow
from db.probolinggo.models import ProbolinggoRegistration
from sop.probolinggo import PROBOLINGGO
from workflows.case.text import Teks
from workflows.probolinggo.models import (
    AturanRegistrasi,
    Isian,
    Jawaban,
    KodeOtp,
    RegistrasiMasuk,
    StatusRegistrasi,
    StatusWarga,
)
from workflows.probolinggo.workflow import ProbolinggoRegistrasiWorkflow, workflow_id_for

router = APIRouter(prefix="/probolinggo", tags=["probolinggo"])
router.include_router(probolinggo_akun.router)

W = ProbolinggoRegistrasiWorkflow
BATAS_REGISTRASI = PROBOLINGGO.step("registrasi_berhasil").waktu or timedelta(minutes=15)


# --- request and response bodies ------------------------------------------------------------------
class RegistrasiCreate(BaseModel):
    """Steps 3 and 4: residency and the phone number (any common Indonesian way of writing it)."""

    status_warga: StatusWarga
    telepon: str = Field(max_length=30, examples=["0812-3456-7890"])

    @field_validator("telepon")
    @classmethod
    def _mobile(cls, value: str) -> str:
        return normalize_mobile(value)


class RegistrasiCreated(BaseModel):
    """The registration id the app sends with every later step, and what comes next."""

    id_registrasi: str
    langkah: str
    berlaku_sampai: datetime
    telepon: str
    """The number as understood (E.164), for the app to show back."""
    kebijakan_kata_sandi: KebijakanKataSandi


class KataSandiBody(BaseModel):
    """Step 5."""

    kata_sandi: str = Field(min_length=1, max_length=256)


class OtpBody(BaseModel):
    """Step 6: the 6-digit code from the SMS."""

    kode: str = Field(pattern=r"^\d{6}$")


class NikBody(BaseModel):
    """Step 7: the 16-digit NIK from the e-KTP or KK."""

    nik: str = Field(pattern=r"^\d{16}$")


class IdentitasBody(BaseModel):
    """Step 8: identity as on the e-KTP."""

    nama: Teks = Field(max_length=200)
    tempat_lahir: Teks = Field(max_length=100)
    tanggal_lahir: date
    jenis_kelamin: Literal["L", "P"]
    alamat: Teks = Field(max_length=300)


class RegistrasiRead(BaseModel):
    """Where a registration is; nothing personal but the masked number."""

    id_registrasi: str
    status_warga: StatusWarga
    status: str
    langkah: str | None
    berlaku_sampai: datetime
    telepon: str | None
    sla_terlampaui: bool
    otp_berlaku_sampai: datetime | None = None
    otp_kirim_ulang_pada: datetime | None = None
    sisa_percobaan_otp: int | None = None
    sisa_kirim_ulang: int | None = None
    pesan: str


# --- routes ---------------------------------------------------------------------------------------
@router.get("/kebijakan-kata-sandi", response_model=KebijakanKataSandi)
def password_policy() -> KebijakanKataSandi:
    """The password policy, for the app to show before step 5."""
    return KEBIJAKAN


@router.post(
    "/registrasi",
    response_model=RegistrasiCreated,
    status_code=status.HTTP_201_CREATED,
    responses=responses(409, 422, 429, 503),
)
async def start_registration(
    body: RegistrasiCreate,
    request: Request,
    sessions: SessionsDep,
    client: TemporalClientDep,
    settings: SettingsDep,
) -> Any:
    """Steps 2-4: start a registration with the residency and the phone number."""
    key = steps.key(settings)
    registration_id = f"PRB-{secrets.token_hex(12).upper()}"
    refs = (phone_ref(key, body.telepon), client_ref(key, steps.address(request)))
    await run_db(sessions, _open, registration_id, body, refs, settings)
    try:
        await client.start_workflow(
            W.run,
            RegistrasiMasuk(
                registration_id=registration_id,
                status_warga=body.status_warga,
                aturan=AturanRegistrasi.from_settings(settings.probolinggo),
            ),
            id=workflow_id_for(registration_id),
            task_queue=settings.task_queue,
            search_attributes=TypedSearchAttributes(
                [
                    SearchAttributePair(SA_SOP, PROBOLINGGO.kode),
                    SearchAttributePair(SA_CASE_NUMBER, registration_id),
                    SearchAttributePair(SA_AGENCY, PROBOLINGGO.agensi),
                    SearchAttributePair(SA_STATUS, "berjalan"),
                    SearchAttributePair(SA_STEP, "kata_sandi"),
                ]
            ),
            static_summary=f"Registrasi View Probolinggo {registration_id}",
        )
    except RPCError as err:
        await run_db(sessions, _forget, registration_id)
        raise Unavailable(
            "Registrasi belum dapat dimulai, coba lagi", code="temporal_error"
        ) from err
    return RegistrasiCreated(
        id_registrasi=registration_id,
        langkah="kata_sandi",
        berlaku_sampai=utcnow() + BATAS_REGISTRASI,
        telepon=body.telepon,
        kebijakan_kata_sandi=KEBIJAKAN,
    )


def _open(
    session: Session,
    registration_id: str,
    body: RegistrasiCreate,
    refs: tuple[str, str],
    settings: Settings,
) -> None:
    """The draft, unless the number has an account or the hourly caps are reached."""
    if phone_has_account(session, body.telepon):
        raise Conflict(
            "Nomor HP ini sudah terdaftar. Silakan masuk (login).", code="nomor_terdaftar"
        )
    per_phone, per_client = otp_sends_last_hour(session, phone_ref=refs[0], client_ref=refs[1])
    limits = settings.probolinggo
    if (
        per_phone >= limits.max_otp_per_phone_per_hour
        or per_client >= limits.max_otp_per_client_per_hour
    ):
        raise TooManyRequests(
            "Terlalu banyak permintaan kode OTP dalam 1 jam, coba lagi nanti",
            code="batas_per_jam",
            retry_after=3600,
        )
    create_draft(
        session,
        registration_id=registration_id,
        status_warga=body.status_warga.value,
        phone=body.telepon,
        phone_ref=refs[0],
        client_ref=refs[1],
        expires_at=utcnow() + BATAS_REGISTRASI,
    )
    session.commit()


def _forget(session: Session, registration_id: str) -> None:
    session.execute(
        delete(ProbolinggoRegistration).where(
            ProbolinggoRegistration.registration_id == registration_id
        )
    )
    session.commit()


@router.get(
    "/registrasi/{id_registrasi}", response_model=RegistrasiRead, responses=responses(404, 410)
)
async def read_registration(
    id_registrasi: str, sessions: SessionsDep, client: TemporalClientDep
) -> RegistrasiRead:
    """Where the registration is; 410 once it expired or stopped (its personal data deleted)."""
    draft = await run_db(sessions, steps.draft_or_404, id_registrasi)
    if draft.status == "selesai":
        return _read(draft, None, "Registrasi berhasil. Silakan masuk (login).")
    if draft.status != "berjalan" or draft.erased_at is not None:
        raise steps.gone(draft)
    live = await steps.live_status(client, id_registrasi, sessions)
    return _read(draft, live, f"Menunggu langkah {live.langkah}")


def _read(
    draft: ProbolinggoRegistration, live: StatusRegistrasi | None, message: str
) -> RegistrasiRead:
    return RegistrasiRead(
        id_registrasi=draft.registration_id,
        status_warga=StatusWarga(draft.status_warga),
        status=live.status if live else draft.status,
        langkah=live.langkah if live else None,
        berlaku_sampai=live.berlaku_sampai if live else draft.expires_at,
        telepon=mask_phone(draft.phone) if draft.phone else None,
        sla_terlampaui=live.sla_terlampaui if live else False,
        otp_berlaku_sampai=live.otp_berlaku_sampai if live else None,
        otp_kirim_ulang_pada=live.otp_kirim_ulang_pada if live else None,
        sisa_percobaan_otp=live.sisa_percobaan_otp if live else None,
        sisa_kirim_ulang=live.sisa_kirim_ulang if live else None,
        pesan=message,
    )


@router.post(
    "/registrasi/{id_registrasi}/kata_sandi",
    response_model=Jawaban,
    responses=responses(404, 409, 410, 422, 429),
)
async def kata_sandi(
    id_registrasi: str,
    body: KataSandiBody,
    request: Request,
    sessions: SessionsDep,
    client: TemporalClientDep,
    settings: SettingsDep,
) -> Any:
    """Step 5: the password (checked against the policy, hashed); the first OTP is sent by SMS."""
    draft = await steps.running(sessions, id_registrasi)
    problems = password_problems(body.kata_sandi, draft.phone)
    if problems:
        raise Unprocessable(
            "Kata sandi belum memenuhi kebijakan: " + "; ".join(problems),
            code="kata_sandi_lemah",
            detail={"aturan_dilanggar": problems},
        )
    await steps.require_step(client, id_registrasi, sessions, "kata_sandi")
    hashed = await run_in_threadpool(hash_password, body.kata_sandi)
    ref = client_ref(steps.key(settings), steps.address(request))
    await run_db(sessions, steps.store, id_registrasi, lambda d: set_password(d, hashed, ref))
    return await steps.update(client, sessions, id_registrasi, "kata_sandi", Isian())


@router.post(
    "/registrasi/{id_registrasi}/otp",
    response_model=Jawaban,
    responses=responses(404, 409, 410, 422),
)
async def otp(
    id_registrasi: str,
    body: OtpBody,
    sessions: SessionsDep,
    client: TemporalClientDep,
    settings: SettingsDep,
) -> Any:
    """Step 6: the code from the SMS: right (on to the NIK), wrong (attempts left) or expired."""
    proof = KodeOtp(bukti=otp_proof(steps.key(settings), id_registrasi, body.kode))
    return await steps.update(client, sessions, id_registrasi, "otp", proof)


@router.post(
    "/registrasi/{id_registrasi}/otp/kirim-ulang",
    response_model=Jawaban,
    responses=responses(404, 409, 410, 429),
)
async def kirim_ulang_otp(
    id_registrasi: str,
    request: Request,
    sessions: SessionsDep,
    client: TemporalClientDep,
    settings: SettingsDep,
) -> Any:
    """Step 6: a new code, after the cooldown (30 s by default) and within the resend cap (3 by
    default): ``ALUR_PROBOLINGGO__OTP_JEDA_KIRIM_ULANG`` and ``..._MAX_KIRIM_ULANG``."""
    await steps.running(sessions, id_registrasi)
    ref = client_ref(steps.key(settings), steps.address(request))

    def remember_address(draft: ProbolinggoRegistration) -> None:
        draft.client_ref = ref

    await run_db(sessions, steps.store, id_registrasi, remember_address)
    return await steps.update(client, sessions, id_registrasi, "kirim_ulang_otp", Isian())


@router.post(
    "/registrasi/{id_registrasi}/nik",
    response_model=Jawaban,
    responses=responses(404, 409, 410, 422),
)
async def nik(
    id_registrasi: str, body: NikBody, sessions: SessionsDep, client: TemporalClientDep
) -> Any:
    """Step 7: the NIK, checked for structure and region, against SIAK for a resident, and for an
    existing account."""
    await steps.running(sessions, id_registrasi)
    await steps.require_step(client, id_registrasi, sessions, "nik")
    await run_db(sessions, steps.store_step, id_registrasi, "nik", {"nik": body.nik})
    return await steps.update(client, sessions, id_registrasi, "nik", Isian())


@router.post(
    "/registrasi/{id_registrasi}/identitas",
    response_model=Jawaban,
    responses=responses(404, 409, 410, 422),
)
async def identitas(
    id_registrasi: str, body: IdentitasBody, sessions: SessionsDep, client: TemporalClientDep
) -> Any:
    """Step 8: identity, checked against the NIK (and SIAK for a resident); when it agrees, the
    account is created (step 9) and the answer says so. A birth date after today is refused here
    (422 ``tanggal_lahir_masa_depan``) and stored nowhere; the check refuses it too."""
    await steps.running(sessions, id_registrasi)
    if body.tanggal_lahir > latest_date_in_indonesia(utcnow()):
        raise Unprocessable(
            TANGGAL_LAHIR_MASA_DEPAN,
            code="tanggal_lahir_masa_depan",
            detail={"alasan": "tanggal_lahir_masa_depan", "detail": ["tanggal_lahir"]},
        )
    await steps.require_step(client, id_registrasi, sessions, "identitas")
    fields = body.model_dump()
    await run_db(sessions, steps.store_step, id_registrasi, "identitas", fields)
    return await steps.update(client, sessions, id_registrasi, "identitas", Isian())
