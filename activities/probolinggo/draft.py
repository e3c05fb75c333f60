"""The registration draft: where the API keeps what the citizen enters, step by step, before it
tells the workflow "done" (the workflow then checks it through activities, by registration id).

Service functions, session first; the caller commits. Only a running draft (not ended, not past
its 15 minutes) takes data: an ended registration's draft stays empty.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from db.base import utcnow
from db.probolinggo.models import ProbolinggoAccount, ProbolinggoOtpSend, ProbolinggoRegistration


def create_draft(
    session: Session,
    *,
    registration_id: str,
    status_warga: str,
    phone: str,
    phone_ref: str,
    client_ref: str | None,
    expires_at: datetime,
) -> ProbolinggoRegistration:
    """Steps 3 and 4: the residency and the (normalised) phone number."""
    draft = ProbolinggoRegistration(
        registration_id=registration_id,
        status_warga=status_warga,
        status="berjalan",
        phone=phone,
        phone_ref=phone_ref,
        client_ref=client_ref,
        expires_at=expires_at,
    )
    session.add(draft)
    return draft


def running_draft(session: Session, registration_id: str) -> ProbolinggoRegistration | None:
    """The draft if the registration is still running, else None."""
    draft = find_draft(session, registration_id)
    if draft is None or draft.status != "berjalan" or draft.erased_at is not None:
        return None
    return draft


def find_draft(session: Session, registration_id: str) -> ProbolinggoRegistration | None:
    """The draft (running or ended) of a registration id."""
    return session.scalar(
        select(ProbolinggoRegistration).where(
            ProbolinggoRegistration.registration_id == registration_id
        )
    )


def phone_has_account(session: Session, phone: str) -> bool:
    """Step 4's rule: a number that already has an account cannot register again."""
    found = session.scalar(select(ProbolinggoAccount.id).where(ProbolinggoAccount.phone == phone))
    return found is not None


def otp_sends_last_hour(
    session: Session, *, phone_ref: str, client_ref: str | None
) -> tuple[int, int]:
    """(codes sent to this number, codes asked from this address) in the last hour."""
    since = utcnow() - timedelta(hours=1)
    per_phone = session.scalar(
        select(func.count(ProbolinggoOtpSend.id)).where(
            ProbolinggoOtpSend.phone_ref == phone_ref, ProbolinggoOtpSend.sent_at > since
        )
    )
    per_client = 0
    if client_ref is not None:
        per_client = (
            session.scalar(
                select(func.count(ProbolinggoOtpSend.id)).where(
                    ProbolinggoOtpSend.client_ref == client_ref, ProbolinggoOtpSend.sent_at > since
                )
            )
            or 0
        )
    return per_phone or 0, per_client


def set_password(
    draft: ProbolinggoRegistration, password_hash: str, client_ref: str | None
) -> None:
    """Step 5: the password's argon2 hash (never the password)."""
    draft.password_hash = password_hash
    draft.client_ref = client_ref


def set_nik(draft: ProbolinggoRegistration, nik: str) -> None:
    """Step 7: the NIK as typed (the workflow's activity checks it)."""
    draft.nik = nik


def set_identity(
    draft: ProbolinggoRegistration,
    *,
    nama: str,
    tempat_lahir: str,
    tanggal_lahir: date,
    jenis_kelamin: str,
    alamat: str,
) -> None:
    """Step 8: the identity as typed."""
    draft.nama = nama
    draft.tempat_lahir = tempat_lahir
    draft.tanggal_lahir = tanggal_lahir
    draft.jenis_kelamin = jenis_kelamin
    draft.alamat = alamat


LOCKED_BY: dict[str, tuple[str, ...]] = {"nik": ("nik", "identitas"), "identitas": ("identitas",)}
"""The locks that keep a step's data from changing: the identity check locks the NIK too."""
_UNLOCKED_TO: dict[str, str | None] = {"nik": None, "identitas": "nik"}


def store_unlocked(
    session: Session, registration_id: str, step: str, values: dict[str, Any]
) -> bool:
    """Write ``step``'s data to the running draft in one conditional UPDATE, only while no check
    has locked it (see ``lock_step``); False when nothing was written. The caller commits."""
    t = ProbolinggoRegistration
    result = session.execute(
        update(t)
        .where(
            t.registration_id == registration_id,
            t.status == "berjalan",
            t.erased_at.is_(None),
            or_(t.locked_step.is_(None), t.locked_step.not_in(LOCKED_BY[step])),
        )
        .values(**values)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def lock_step(session: Session, registration_id: str, step: str) -> None:
    """A check of ``step`` begins: from now on its data cannot change. The caller commits (before
    the check reads the data)."""
    t = ProbolinggoRegistration
    session.execute(update(t).where(t.registration_id == registration_id).values(locked_step=step))


def unlock_step(session: Session, registration_id: str, step: str) -> None:
    """The check of ``step`` refused (or failed): the citizen may correct the data."""
    t = ProbolinggoRegistration
    session.execute(
        update(t)
        .where(t.registration_id == registration_id, t.locked_step == step)
        .values(locked_step=_UNLOCKED_TO[step])
    )
