"""MAGESTY accounts over HTTP (SOP step 2, pendaftaran_akun): register, activate with the code
sent by WhatsApp, ask for a new code, log in; and the citizen token every MAGESTY citizen route
takes.

Registration answers a short-lived registration token (JWT ``typ: magesty_daftar``) that the
activation and resend calls need: account ids are sequential, and without it anyone could try codes
against (and lock) someone else's account. The code the citizen types is turned into its HMAC here,
so neither the code nor the password enters Temporal.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime
from typing import Annotated, NoReturn

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from alur.masking import mask_phone
from alur.phones import normalize_mobile
from alur.security import hash_password, issue_token, verify_password
from alur.settings import Settings
from alur.temporal import SA_AGENCY, SA_CASE_NUMBER, SA_SOP
from api import login_throttle
from api.deps import SessionsDep, SettingsDep, TemporalClientDep, run_db
from api.errors import (
    AlurError,
    Conflict,
    Forbidden,
    NotAuthenticated,
    NotFound,
    TooManyRequests,
    Unavailable,
    Unprocessable,
    responses,
)
from api.principals import TokenRead, pendaftaran_magesty_subject, warga_magesty_subject
from db.base import utcnow
from db.magelang.models import MagestyAkun
from sop.magelang import MAGELANG
from workflows.case.text import Teks
from workflows.magelang.akun import MagestyAkunWorkflow, workflow_id_for
from workflows.magelang.models import (
    AktivasiInput,
    AkunMasuk,
    AturanAktivasi,
    KirimUlangInput,
    StatusAkun,
    kode_digest,
    kode_key,
)

router = APIRouter(tags=["magelang"])

# The registration token's and the login's lifetimes are settings: ``Settings.magelang``
# (``token_daftar_ttl``, ``token_warga_ttl``), as are the activation's limits (``aturan_dari``).


def aturan_dari(settings: Settings) -> AturanAktivasi:
    """The activation's limits a new account starts with, from ``Settings.magelang``: they travel
    in the workflow's input, so a running account keeps the rules it started with."""
    return AturanAktivasi.model_validate(settings.magelang, from_attributes=True)


class AkunCreate(BaseModel):
    """A new MAGESTY account."""

    nama: Teks = Field(min_length=2, max_length=200)
    whatsapp: str = Field(description="Nomor HP dengan WhatsApp, mis. 0812-3456-7890")
    email: str = Field(max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    password: str = Field(min_length=8, max_length=128)

    @field_validator("whatsapp")
    @classmethod
    def _mobile(cls, value: str) -> str:
        return normalize_mobile(value)

    @field_validator("email")
    @classmethod
    def _lower(cls, value: str) -> str:
        return value.strip().lower()


class AkunCreated(BaseModel):
    """The account waits for its activation code."""

    akun_id: int
    status: str
    kode_terkirim: bool
    kode_berlaku_sampai: datetime | None
    pesan: str
    token_pendaftaran: str
    """Bearer token for ``/magelang/akun/aktivasi`` and ``/magelang/akun/kirim-ulang``."""


class AktivasiBody(BaseModel):
    """The six-digit code from the WhatsApp message."""

    kode: str = Field(pattern=r"^\s*\d{6}\s*$")


class AktivasiRead(BaseModel):
    """The account is active: log in next."""

    hasil: str
    pesan: str


class KirimUlangRead(BaseModel):
    """A new code went out (or could not, for now)."""

    terkirim: bool
    sisa_kirim_ulang: int
    pesan: str


class LoginBody(BaseModel):
    """Log in with the email or the WhatsApp number of the account."""

    akun: str = Field(min_length=3, max_length=200, description="email atau nomor WhatsApp")
    password: str = Field(min_length=1, max_length=128)


class AkunRead(BaseModel):
    """The logged-in citizen's account."""

    akun_id: int
    nama: str | None
    whatsapp: str
    email: str | None
    status: str


# --- tokens (decoded by api.principals) ------------------------------------------------------
def get_current_warga(
    sessions: SessionsDep, akun_id: Annotated[int, Depends(warga_magesty_subject)]
) -> MagestyAkun:
    """The active MAGESTY account whose token came with the request; 401 otherwise."""
    with sessions() as session:
        akun = session.get(MagestyAkun, akun_id)
    if akun is None or akun.status != "aktif":
        raise NotAuthenticated("Akun tidak aktif")
    return akun


CurrentWargaMagesty = Annotated[MagestyAkun, Depends(get_current_warga)]
Pendaftar = Annotated[int, Depends(pendaftaran_magesty_subject)]
"""The account id of a registration token (``typ: magesty_daftar``)."""


# --- registration ----------------------------------------------------------------------------
def _create(session: Session, body: AkunCreate) -> tuple[int, bool]:
    """The new account's id and True; or, when the same person registers again before activating
    (same number, email and password: they lost the registration token), that account and False."""
    taken = session.scalar(
        select(MagestyAkun).where(
            or_(MagestyAkun.whatsapp == body.whatsapp, MagestyAkun.email == body.email)
        )
    )
    if taken is not None:
        same = (taken.whatsapp, taken.email) == (body.whatsapp, body.email)
        if (
            same
            and taken.status == "menunggu_aktivasi"
            and verify_password(taken.password_hash, body.password)
        ):
            return taken.id, False
        raise Conflict(
            "Nomor WhatsApp atau email sudah terdaftar; silakan masuk", code="akun_sudah_ada"
        )
    akun = MagestyAkun(
        nama=body.nama.strip(),
        whatsapp=body.whatsapp,
        email=body.email,
        password_hash=hash_password(body.password),
        status="menunggu_aktivasi",
        workflow_id=f"pending-{body.whatsapp}",
    )
    session.add(akun)
    try:
        session.flush()
        akun.workflow_id = workflow_id_for(akun.id)
        session.commit()
    except IntegrityError as err:  # the same number or email at the same moment
        session.rollback()
        raise Conflict("Nomor WhatsApp atau email sudah terdaftar", code="akun_sudah_ada") from err
    return akun.id, True


def _forget(session: Session, akun_id: int) -> None:
    session.execute(delete(MagestyAkun).where(MagestyAkun.id == akun_id))
    session.commit()


@router.post(
    "/akun",
    response_model=AkunCreated,
    status_code=status.HTTP_201_CREATED,
    responses=responses(409, 422, 503),
)
async def daftar(
    body: AkunCreate,
    sessions: SessionsDep,
    client: TemporalClientDep,
    settings: SettingsDep,
    response: Response,
) -> AkunCreated:
    """Register; the activation code goes out by WhatsApp before this answers. Registering again
    with the same data before activating answers 200 with a new registration token."""
    akun_id, baru = await run_db(sessions, _create, body)
    if not baru:
        response.status_code = status.HTTP_200_OK
        try:
            found = await client.get_workflow_handle(workflow_id_for(akun_id)).query(
                MagestyAkunWorkflow.status
            )
        except RPCError as err:
            _closed(err)
        sent: StatusAkun = found
    else:
        try:
            handle = await client.start_workflow(
                MagestyAkunWorkflow.run,
                AkunMasuk(akun_id=akun_id, aturan=aturan_dari(settings)),
                id=workflow_id_for(akun_id),
                task_queue=settings.task_queue,
                search_attributes=_attrs(akun_id),
                static_summary=f"Akun MAGESTY {akun_id}",
            )
        except RPCError as err:  # nothing half-made: no account without its workflow
            await run_db(sessions, _forget, akun_id)
            raise Unavailable(
                "Pendaftaran belum dapat diproses, coba lagi", code="temporal_error"
            ) from err
        try:
            sent = await handle.execute_update(MagestyAkunWorkflow.tunggu_kode)
        except RPCError as err:
            raise Unavailable(
                "Pendaftaran diterima tetapi status kode belum diketahui; daftar ulang dengan "
                "data yang sama untuk melihatnya",
                code="temporal_error",
            ) from err
    if sent.kode == "gagal_permanen":
        raise Unprocessable(sent.pesan, code="nomor_tidak_dapat_menerima")
    token, _ = issue_token(
        subject=str(akun_id),
        claims={"typ": "magesty_daftar"},
        secret=settings.jwt_secret.get_secret_value(),
        ttl=settings.magelang.token_daftar_ttl,
    )
    return AkunCreated(
        akun_id=akun_id,
        status=sent.status,
        kode_terkirim=sent.kode == "terkirim",
        kode_berlaku_sampai=sent.kode_kedaluwarsa,
        pesan=sent.pesan,
        token_pendaftaran=token,
    )


def _attrs(akun_id: int) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(SA_SOP, MAGELANG.kode),
            SearchAttributePair(SA_CASE_NUMBER, f"MGS-AKUN-{akun_id}"),
            SearchAttributePair(SA_AGENCY, MAGELANG.agensi),
        ]
    )


_REFUSALS: dict[str, tuple[type[AlurError], str]] = {
    "SudahAktif": (Conflict, "sudah_aktif"),
    "PendaftaranDitutup": (Conflict, "pendaftaran_ditutup"),
    "KodeBelumTerkirim": (Conflict, "kode_belum_terkirim"),
    "SedangMengirim": (Conflict, "sedang_mengirim"),
}

_TOO_MANY = {"TungguKirimUlang": "tunggu_kirim_ulang", "BatasKirimUlang": "batas_kirim_ulang"}
"""Refusals the citizen waits out: 429 with ``Retry-After`` (``TooManyRequests``)."""


def _refused(err: WorkflowUpdateFailedError) -> NoReturn:
    """An update the workflow's validator refused, as the HTTP error its reason calls for."""
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.type in _REFUSALS:
        cls, code = _REFUSALS[cause.type]
        raise cls(cause.message, code=code) from err
    raise Unavailable("Permintaan belum dapat diproses, coba lagi", code="temporal_error") from err


async def _wait_out(
    err: WorkflowUpdateFailedError, client: Client, akun: MagestyAkun, settings: Settings
) -> NoReturn:
    """A refused resend: 429 for a cooldown or the cap, else as ``_refused``."""
    cause = err.cause
    if not (isinstance(cause, ApplicationError) and cause.type in _TOO_MANY):
        _refused(err)
    seconds = await _seconds_to_wait(cause, client, akun, settings)
    raise TooManyRequests(cause.message, code=_TOO_MANY[cause.type], retry_after=seconds) from err


async def _seconds_to_wait(
    cause: ApplicationError, client: Client, akun: MagestyAkun, settings: Settings
) -> int:
    """How long until a resend can succeed: the workflow's own figure when it gives one; for the
    cooldown, until the status' ``kirim_ulang_setelah``; for the cap, until the registration
    closes (then the citizen registers again)."""
    if cause.details and isinstance(cause.details[0], int | float):
        return math.ceil(cause.details[0])
    if cause.type == "BatasKirimUlang":
        until = akun.created_at + settings.magelang.akun_kedaluwarsa
    else:
        try:
            found = await client.get_workflow_handle(akun.workflow_id).query(
                MagestyAkunWorkflow.status
            )
        except RPCError:
            found = None
        if found is None or found.kirim_ulang_setelah is None:
            return math.ceil(settings.magelang.jeda_kirim_ulang.total_seconds())
        until = found.kirim_ulang_setelah
    return math.ceil((until - utcnow()).total_seconds())


def _closed(err: RPCError) -> NoReturn:
    if err.status == RPCStatusCode.NOT_FOUND:
        raise Conflict(
            "Pendaftaran sudah ditutup atau akun sudah aktif", code="pendaftaran_ditutup"
        ) from err
    raise Unavailable("Permintaan belum dapat diproses, coba lagi", code="temporal_error") from err


def _exists(session: Session, akun_id: int) -> MagestyAkun:
    akun = session.get(MagestyAkun, akun_id)
    if akun is None:
        raise NotFound("Akun tidak ditemukan", code="akun_tidak_ditemukan")
    return akun


@router.post(
    "/akun/aktivasi", response_model=AktivasiRead, responses=responses(401, 404, 409, 422, 503)
)
async def aktivasi(
    body: AktivasiBody,
    akun_id: Pendaftar,
    sessions: SessionsDep,
    client: TemporalClientDep,
    settings: SettingsDep,
) -> AktivasiRead:
    """Activate with the code from WhatsApp: 200 right; 422 wrong (``detail.sisa_percobaan``),
    expired or locked (ask for a new code)."""
    akun = await run_db(sessions, _exists, akun_id)
    if akun.status == "aktif":
        raise Conflict("Akun sudah aktif; silakan masuk", code="sudah_aktif")
    key = kode_key(settings.personal_ref_key.get_secret_value())
    inp = AktivasiInput(kode_digest=kode_digest(key, akun_id, body.kode))
    try:
        hasil = await client.get_workflow_handle(akun.workflow_id).execute_update(
            MagestyAkunWorkflow.aktivasi, inp
        )
    except WorkflowUpdateFailedError as err:
        _refused(err)
    except RPCError as err:
        _closed(err)
    if hasil.hasil == "benar":
        return AktivasiRead(hasil="benar", pesan=hasil.pesan)
    codes = {"salah": "kode_salah", "kedaluwarsa": "kode_kedaluwarsa", "terkunci": "kode_terkunci"}
    raise Unprocessable(
        hasil.pesan, code=codes[hasil.hasil], detail={"sisa_percobaan": hasil.sisa_percobaan}
    )


@router.post(
    "/akun/kirim-ulang",
    response_model=KirimUlangRead,
    status_code=status.HTTP_202_ACCEPTED,
    responses=responses(401, 404, 409, 429, 503),
)
async def kirim_ulang(
    akun_id: Pendaftar, sessions: SessionsDep, client: TemporalClientDep, settings: SettingsDep
) -> KirimUlangRead:
    """Send a new activation code (after a cooldown, a limited number of times); 429 with
    ``Retry-After`` and ``detail.tunggu_detik`` when it must wait."""
    akun = await run_db(sessions, _exists, akun_id)
    try:
        hasil = await client.get_workflow_handle(akun.workflow_id).execute_update(
            MagestyAkunWorkflow.kirim_ulang, KirimUlangInput(permintaan_id=uuid.uuid4().hex)
        )
    except WorkflowUpdateFailedError as err:
        await _wait_out(err, client, akun, settings)
    except RPCError as err:
        _closed(err)
    return KirimUlangRead(
        terkirim=hasil.terkirim, sisa_kirim_ulang=hasil.sisa_kirim_ulang, pesan=hasil.pesan
    )


@router.get("/akun/status", response_model=StatusAkun, responses=responses(401, 404, 409, 503))
async def status_aktivasi(
    akun_id: Pendaftar, sessions: SessionsDep, client: TemporalClientDep
) -> StatusAkun:
    """Where the activation stands (attempts and resends left, when a resend is allowed)."""
    akun = await run_db(sessions, _exists, akun_id)
    try:
        found: StatusAkun = await client.get_workflow_handle(akun.workflow_id).query(
            MagestyAkunWorkflow.status
        )
    except RPCError as err:
        _closed(err)
    return found


# --- login -----------------------------------------------------------------------------------
def _login(session: Session, settings: Settings, body: LoginBody, address: str) -> MagestyAkun:
    who = body.akun.strip().lower()
    if "@" not in who:
        try:
            who = normalize_mobile(who)
        except ValueError:
            pass
    attempt = login_throttle.admit(
        session,
        settings,
        account_key=login_throttle.magesty_key(settings, who),
        address=address,
    )
    akun = session.scalar(
        select(MagestyAkun).where(or_(MagestyAkun.email == who, MagestyAkun.whatsapp == who))
    )
    if not verify_password(akun.password_hash if akun else None, body.password) or akun is None:
        attempt.failed(
            NotAuthenticated("Email/nomor atau kata sandi salah", code="bad_credentials")
        )
    attempt.succeeded()
    return akun


@router.post("/login", response_model=TokenRead, responses=responses(401, 403, 422, 429))
def login(
    body: LoginBody, request: Request, sessions: SessionsDep, settings: SettingsDep
) -> TokenRead:
    """Log in to MAGESTY (activated accounts only) for a citizen token; 429 while the account
    or the client address waits after failed logins (``api/login_throttle.py``)."""
    with sessions() as session:
        akun = _login(session, settings, body, login_throttle.client_address(request))
    if akun.status != "aktif":
        raise Forbidden(
            "Akun belum diaktifkan; masukkan kode dari WhatsApp", code="akun_belum_aktif"
        )
    token, expires = issue_token(
        subject=str(akun.id),
        claims={"typ": "magesty"},
        secret=settings.jwt_secret.get_secret_value(),
        ttl=settings.magelang.token_warga_ttl,
    )
    return TokenRead(access_token=token, expires_at=expires)


@router.get("/akun/saya", response_model=AkunRead, responses=responses(401))
def saya(akun: CurrentWargaMagesty) -> AkunRead:
    """My account (number masked)."""
    return AkunRead(
        akun_id=akun.id,
        nama=akun.nama,
        whatsapp=mask_phone(akun.whatsapp),
        email=akun.email,
        status=akun.status,
    )
