"""Kota Magelang's MAGESTY activities: the activation code (made, kept as an HMAC, sent by
WhatsApp), the account's activation or closing, WhatsApp messages to a citizen about their
request, the OPD's decision and the survey written to the read model, and the daily statistics.

Messages go through the shared notification activities' logged send (``NotificationActivities``),
so every attempt lands in the notification log (the dev outbox) and an invalid number is a
non-retryable ``InvalidRecipient``.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.magelang.statistik import simpan_laporan
from activities.notifications import NotificationActivities
from activities.senders import Sender
from activities.wiring import ActivityDeps, ActivitySet
from alur.case_ref import CaseRef
from db.base import utcnow
from db.magelang.models import MagestyAkun, MagestyPermohonan, MagestySaran, MagestySurvei
from db.models import Notification
from db.session import transaction
from sop.magelang import MAGELANG
from workflows.magelang.models import (
    AkunRef,
    CatatSurveiInput,
    HasilLaporanStatistik,
    KabariWargaInput,
    KirimKodeInput,
    KodeTerkirim,
    LaporanStatistikInput,
    LayananSelesaiInput,
    TutupAkunInput,
    kode_digest,
    kode_key,
)

KODE_DIGITS = 6
CODE = re.compile(rf"\b\d{{{KODE_DIGITS}}}\b")
"""An activation code inside a message's text."""
MASK = "*" * KODE_DIGITS


def mask_code(body: str, kode: str) -> str:
    """The message as the log keeps it: the code masked."""
    return body.replace(kode, MASK)


"""Length of an activation code."""


def akun_case_number(akun_id: int) -> str:
    """The number an account's audit lines and messages are filed under (no personal data)."""
    return f"MGS-AKUN-{akun_id}"


def akun_case(akun_id: int, workflow_id: str) -> CaseRef:
    """The reference an account's audit lines and messages are filed under (no personal data)."""
    return CaseRef(
        workflow_id=workflow_id,
        case_number=akun_case_number(akun_id),
        sop=MAGELANG.kode,
        agency=MAGELANG.agensi,
    )


PERSONAL_COLUMNS = ("nama", "whatsapp", "email", "password_hash", "kode_hash", "kode_kedaluwarsa")
"""What an account holds of its person: erased when it is never activated."""


class MagestyActivities:
    """MAGESTY's side effects, bound to the worker's database, sender and the code key."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        sender: Sender,
        status_callback: str | None,
        key: bytes,
    ) -> None:
        self._sessions = session_factory
        self._notify = NotificationActivities(sender, session_factory, status_callback)
        self._key = key

    # --- notifications queue ------------------------------------------------------------------
    @activity.defn
    def kirim_kode_aktivasi(self, inp: KirimKodeInput) -> KodeTerkirim:
        """Make a fresh code, keep only its HMAC, send it by WhatsApp. Each attempt makes its own
        code (the latest one counts), so a retry never leaves the citizen holding a code whose
        digest was overwritten."""
        with self._sessions() as s:
            akun = s.get(MagestyAkun, inp.akun_id)
        if akun is None or akun.status != "menunggu_aktivasi" or not akun.whatsapp:
            raise ApplicationError(
                "Akun tidak menunggu aktivasi", type="AkunTidakMenunggu", non_retryable=True
            )
        kode = f"{secrets.randbelow(10**KODE_DIGITS):0{KODE_DIGITS}d}"
        digest = kode_digest(self._key, inp.akun_id, kode)
        with transaction(self._sessions) as s:
            s.execute(
                update(MagestyAkun)
                .where(MagestyAkun.id == inp.akun_id)
                .values(kode_hash=digest, kode_kedaluwarsa=utcnow() + inp.berlaku)
            )
        minutes = max(1, int(inp.berlaku / timedelta(minutes=1)))
        body = (
            f"[MAGESTY Kota Magelang] Kode aktivasi akun Anda: {kode}. Berlaku {minutes} menit. "
            "Jangan berikan kode ini kepada siapa pun."
        )
        attempt = activity.info().attempt
        self._erase_codes(inp.akun_id)  # every code sent before is void now
        self._notify.send_logged(
            akun_case(inp.akun_id, inp.workflow_id),
            f"{inp.key}/{attempt}",
            "pendaftaran_akun",
            "kode_aktivasi",
            "whatsapp",
            akun.whatsapp,
            body,
            # The log never keeps a code, except the dev outbox while the code is valid (that is
            # how a developer reads it); it is erased once the code is used up or replaced.
            logged_body=body if self._notify.sender_name == "dev" else mask_code(body, kode),
        )
        return KodeTerkirim(digest=digest)

    @activity.defn
    def kabari_warga_magesty(self, inp: KabariWargaInput) -> None:
        """A WhatsApp message to the account holder about their request."""
        with self._sessions() as s:
            akun = s.get(MagestyAkun, inp.akun_id)
        if akun is None or not akun.whatsapp:
            raise ApplicationError(
                "Akun tanpa nomor WhatsApp", type="InvalidRecipient", non_retryable=True
            )
        case = CaseRef(
            workflow_id=inp.workflow_id,
            case_number=inp.case_number,
            sop=MAGELANG.kode,
            agency=MAGELANG.agensi,
        )
        self._notify.send_logged(
            case, inp.key, None, inp.purpose, "whatsapp", akun.whatsapp, inp.body
        )

    def _erase_codes(self, akun_id: int) -> None:
        """Erase the codes from the account's activation messages in the log (UU 27/2022: kept no
        longer than their purpose needs)."""
        with transaction(self._sessions) as s:
            rows = s.scalars(
                select(Notification).where(
                    Notification.case_number == akun_case_number(akun_id),
                    Notification.purpose == "kode_aktivasi",
                )
            ).all()
            for row in rows:
                row.body = CODE.sub(MASK, row.body)

    # --- main queue: the read model -----------------------------------------------------------
    @activity.defn
    def aktifkan_akun(self, inp: AkunRef) -> None:
        """The account is active: login opens, the code's digest is dropped."""
        with transaction(self._sessions) as s:
            s.execute(
                update(MagestyAkun)
                .where(MagestyAkun.id == inp.akun_id)
                .values(status="aktif", activated_at=inp.at, kode_hash=None, kode_kedaluwarsa=None)
            )
        self._erase_codes(inp.akun_id)  # the code is used up

    @activity.defn
    def tutup_akun(self, inp: TutupAkunInput) -> None:
        """A never-activated account: erase its personal data (UU 27/2022), keep the row so the
        statistics still count the registration."""
        with transaction(self._sessions) as s:
            s.execute(
                update(MagestyAkun)
                .where(MagestyAkun.id == inp.akun_id, MagestyAkun.status != "aktif")
                .values(status=inp.status, **dict.fromkeys(PERSONAL_COLUMNS))
            )
            # The activation messages hold the number and the code: erased with the account.
            s.execute(
                update(Notification)
                .where(Notification.case_number == akun_case_number(inp.akun_id))
                .values(recipient="", body="")
            )

    @activity.defn
    def catat_pelayanan(self, inp: LayananSelesaiInput) -> None:
        """The OPD's output or refusal on the request's row."""
        with transaction(self._sessions) as s:
            s.execute(
                update(MagestyPermohonan)
                .where(MagestyPermohonan.case_number == inp.case_number)
                .values(
                    keputusan=inp.keputusan,
                    hasil=inp.hasil,
                    dokumen_ref=inp.dokumen_ref,
                    alasan_penolakan=inp.alasan,
                    dilayani_oleh=inp.oleh,
                    dilayani_at=inp.at,
                )
            )

    @activity.defn
    def catat_survei(self, inp: CatatSurveiInput) -> None:
        """The survey's outcome, once per request."""
        with transaction(self._sessions) as s:
            found = s.scalar(
                select(MagestySurvei.id).where(MagestySurvei.case_number == inp.case_number)
            )
            if found is not None:
                return
            saran = inp.saran
            if inp.saran_dari is not None:  # the suggestion waits in its own table: moved here
                kept = s.scalar(
                    select(MagestySaran).where(MagestySaran.permintaan_id == inp.saran_dari)
                )
                if kept is not None:
                    saran = kept.saran
                    s.delete(kept)
            s.add(
                MagestySurvei(
                    **inp.model_dump(exclude={"ikm", "saran", "saran_dari"}),
                    ikm=Decimal(inp.ikm) if inp.ikm is not None else None,
                    saran=saran,
                )
            )

    @activity.defn
    def susun_laporan_statistik(self, inp: LaporanStatistikInput) -> HasilLaporanStatistik:
        """SOP step 3's report for one day, computed and stored (replacing that day's)."""
        if inp.tanggal is None:
            raise ApplicationError("tanggal wajib", type="TanggalKosong", non_retryable=True)
        with transaction(self._sessions) as s:
            return simpan_laporan(s, inp.tanggal, utcnow())


def build_activities(deps: ActivityDeps) -> ActivitySet:
    """The MAGESTY activities for the worker: sends on the notifications queue, the rest on main."""
    key = kode_key(deps.settings.personal_ref_key.get_secret_value())
    acts = MagestyActivities(deps.session_factory, deps.sender, deps.status_callback, key)
    return ActivitySet(
        main=[
            acts.aktifkan_akun,
            acts.tutup_akun,
            acts.catat_pelayanan,
            acts.catat_survei,
            acts.susun_laporan_statistik,
        ],
        notifications=[acts.kirim_kode_aktivasi, acts.kabari_warga_magesty],
    )
