"""View Probolinggo's SMS: the OTP of step 6 and the message that registration succeeded.

``kirim_otp`` makes a 6-digit code with ``secrets``, stores only the hash of its keyed proof in the
registration draft, and sends the code by SMS. Before it sends, it counts the codes sent in the
last hour to the same number and from the same client address (by HMAC, see
``probolinggo_refs``): each SMS costs money, and SMS pumping (bots requesting codes to premium
numbers) is a real cost, so past the cap it refuses without retrying. The caps are the settings
``ALUR_PROBOLINGGO__MAX_OTP_PER_PHONE_PER_HOUR`` and ``..._PER_CLIENT_PER_HOUR``. A number the
provider calls invalid is not retried either: the workflow tells the citizen.

Every attempt goes to the shared notification log, as the other SOPs' messages do, so
``GET /dev/outbox`` shows the code in development. Outside development the logged body has the
code masked: a log is not the place for a live secret.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.notifications import NotificationActivities
from activities.probolinggo.refs import otp_hash, otp_proof
from activities.senders import Sender
from alur.case_ref import CaseRef
from alur.settings_probolinggo import ProbolinggoSettings
from db.base import utcnow
from db.probolinggo.models import (
    ProbolinggoAccount,
    ProbolinggoOtpLimit,
    ProbolinggoOtpSend,
    ProbolinggoRegistration,
)
from db.session import transaction

log = logging.getLogger(__name__)

_DONE = ("queued", "accepted", "sending", "sent", "delivered", "read")


class KirimOtpInput(BaseModel):
    """Send a new OTP for this registration; ``key`` is unique per send (workflow id and count)."""

    case: CaseRef
    registration_id: str
    key: str
    berlaku_detik: int


class OtpTerkirim(BaseModel):
    """The code went out (or had already gone out for this key)."""

    sent: bool


class KabarBerhasilInput(BaseModel):
    """Tell the new account's owner that registration succeeded."""

    case: CaseRef
    registration_id: str
    key: str


class ProbolinggoSmsActivities:
    """The OTP and success SMS, through the worker's ``Sender``; runs on the notifications queue."""

    def __init__(
        self,
        sender: Sender,
        session_factory: sessionmaker[Session],
        ref_key: bytes,
        limits: ProbolinggoSettings,
        status_callback: str | None = None,
    ) -> None:
        self._sender = sender
        self._sessions = session_factory
        self._key = ref_key
        self._limits = limits
        self._notify = NotificationActivities(sender, session_factory, status_callback)

    @activity.defn
    def kirim_otp(self, inp: KirimOtpInput) -> OtpTerkirim:
        """Make, store (hashed) and send one OTP, within the hourly caps."""
        if self._notify.already_sent(inp.key):
            return OtpTerkirim(sent=True)  # a retry after the SMS went out: the citizen has it
        with self._sessions() as s:
            draft = s.scalar(
                select(ProbolinggoRegistration).where(
                    ProbolinggoRegistration.registration_id == inp.registration_id
                )
            )
            if draft is None or draft.phone is None:
                raise ApplicationError(
                    "Registrasi tidak ditemukan atau sudah berakhir",
                    type="RegistrationGone",
                    non_retryable=True,
                )
            phone, phone_ref, client_ref = draft.phone, draft.phone_ref, draft.client_ref
        self._reserve(inp, phone_ref, client_ref)
        try:
            code = f"{secrets.randbelow(1_000_000):06d}"
            with transaction(self._sessions) as s:
                draft = s.scalars(
                    select(ProbolinggoRegistration).where(
                        ProbolinggoRegistration.registration_id == inp.registration_id
                    )
                ).one()
                draft.otp_hash = otp_hash(otp_proof(self._key, inp.registration_id, code))
            minutes = max(1, inp.berlaku_detik // 60)
            body = (
                f"[View Probolinggo] Kode OTP registrasi Anda: {code}. Berlaku {minutes} menit. "
                "Jangan berikan kode ini kepada siapa pun, termasuk petugas."
            )
            logged = body if self._notify.sender_name == "dev" else body.replace(code, "******")
            self._notify.send_logged(
                inp.case,
                inp.key,
                "otp",
                "otp",
                "sms",
                phone,
                body,
                logged_body=logged,
                validity_seconds=inp.berlaku_detik,
            )
        except BaseException:
            with transaction(self._sessions) as s:  # not sent: the reservation is given back
                s.execute(delete(ProbolinggoOtpSend).where(ProbolinggoOtpSend.send_key == inp.key))
            raise
        return OtpTerkirim(sent=True)

    def _reserve(self, inp: KirimOtpInput, phone_ref: str, client_ref: str | None) -> None:
        """Reserve this send in the hour's log before sending, in one transaction that first locks
        the number's (and address's) row, so parallel sends count one another; a retry finds its
        own reservation."""
        refs = sorted(["p:" + phone_ref] + ([] if client_ref is None else ["c:" + client_ref]))
        for ref in refs:
            try:
                with transaction(self._sessions) as s:
                    if s.scalar(
                        select(ProbolinggoOtpLimit.id).where(ProbolinggoOtpLimit.ref == ref)
                    ):
                        continue
                    s.add(ProbolinggoOtpLimit(ref=ref, sends=0))
            except IntegrityError:
                pass  # a parallel send made it
        with transaction(self._sessions) as s:
            for ref in refs:  # the lock: held until this transaction ends
                s.execute(
                    update(ProbolinggoOtpLimit)
                    .where(ProbolinggoOtpLimit.ref == ref)
                    .values(sends=ProbolinggoOtpLimit.sends + 1)
                )
            if s.scalar(
                select(ProbolinggoOtpSend.id).where(ProbolinggoOtpSend.send_key == inp.key)
            ):
                return
            self._check_caps(s, phone_ref, client_ref)
            s.add(
                ProbolinggoOtpSend(
                    send_key=inp.key,
                    registration_id=inp.registration_id,
                    phone_ref=phone_ref,
                    client_ref=client_ref,
                    sent_at=utcnow(),
                )
            )

    @activity.defn
    def kabari_registrasi_berhasil(self, inp: KabarBerhasilInput) -> OtpTerkirim:
        """The success SMS to the account's number (read from the account, never carried)."""
        if self._notify.already_sent(inp.key):
            return OtpTerkirim(sent=True)
        with self._sessions() as s:
            phone = s.scalar(
                select(ProbolinggoAccount.phone).where(
                    ProbolinggoAccount.registration_id == inp.registration_id
                )
            )
        if phone is None:
            return OtpTerkirim(sent=False)
        body = (
            "[View Probolinggo] Registrasi berhasil. Silakan masuk (login) dengan nomor HP dan "
            "kata sandi yang Anda daftarkan."
        )
        self._notify.send_logged(
            inp.case, inp.key, "registrasi_berhasil", "registrasi_berhasil", "sms", phone, body
        )
        return OtpTerkirim(sent=True)

    # --- helpers --------------------------------------------------------------------------------
    def _check_caps(self, s: Session, phone_ref: str, client_ref: str | None) -> None:
        limits = self._limits
        since = utcnow() - timedelta(hours=1)
        per_phone = s.scalar(
            select(func.count(ProbolinggoOtpSend.id)).where(
                ProbolinggoOtpSend.phone_ref == phone_ref, ProbolinggoOtpSend.sent_at > since
            )
        )
        if (per_phone or 0) >= limits.max_otp_per_phone_per_hour:
            raise ApplicationError(
                "Batas pengiriman kode OTP ke nomor ini tercapai, coba lagi dalam 1 jam",
                "nomor",
                type="OtpRateLimited",
                non_retryable=True,
            )
        if client_ref is None:
            return
        per_client = s.scalar(
            select(func.count(ProbolinggoOtpSend.id)).where(
                ProbolinggoOtpSend.client_ref == client_ref, ProbolinggoOtpSend.sent_at > since
            )
        )
        if (per_client or 0) >= limits.max_otp_per_client_per_hour:
            raise ApplicationError(
                "Batas permintaan kode OTP dari jaringan ini tercapai, coba lagi dalam 1 jam",
                "alamat",
                type="OtpRateLimited",
                non_retryable=True,
            )
