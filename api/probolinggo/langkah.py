"""The plumbing every View Probolinggo step route shares: finding the draft, asking the workflow
where it is, sending the step's update and turning the workflow's answer into an HTTP answer.

The workflow answers every update with a ``Jawaban``; this module maps it: done or sent → 200;
wrong or expired code, refused data → 422 (a NIK with an account → 409); too soon or a limit →
429 with ``Retry-After`` (``TooManyRequests``); the registration stopped → 410. Each is raised
as the shared ``api.errors`` error with the workflow's answer as ``detail``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode

from activities.probolinggo.draft import find_draft, running_draft, store_unlocked
from activities.probolinggo.refs import ref_key
from alur.settings import Settings
from api.deps import run_db
from api.errors import (
    AlurError,
    Conflict,
    NotFound,
    TooManyRequests,
    Unavailable,
    Unprocessable,
)
from db.probolinggo.models import ProbolinggoRegistration
from workflows.probolinggo.models import Hasil, Jawaban, StatusRegistrasi
from workflows.probolinggo.policies import ALASAN_AKHIR
from workflows.probolinggo.workflow import ProbolinggoRegistrasiWorkflow, workflow_id_for

W = ProbolinggoRegistrasiWorkflow
DATA_DIHAPUS = "Data pribadi yang dikumpulkan registrasi ini telah dihapus."


class Gone(AlurError):
    """The registration has ended and its personal data is deleted."""

    status, code = 410, "registrasi_berakhir"


def key(settings: Settings) -> bytes:
    """The HMAC key of references (phone, address, OTP proof)."""
    return ref_key(settings.personal_ref_key.get_secret_value())


def address(request: Request) -> str:
    """The client's address as the server saw it (run uvicorn with ``--proxy-headers`` and
    ``--forwarded-allow-ips`` behind a proxy, so this is the citizen's, not the proxy's)."""
    return request.client.host if request.client else "unknown"


def draft_or_404(session: Session, registration_id: str) -> ProbolinggoRegistration:
    """The draft, running or ended; 404 when the id is unknown."""
    draft = find_draft(session, registration_id)
    if draft is None:
        raise NotFound(f"Registrasi {registration_id} tidak ditemukan", code="registrasi_tidak_ada")
    return draft


def gone(draft: ProbolinggoRegistration) -> Gone:
    """410 for an ended registration, saying its personal data is deleted."""
    reason = draft.end_reason or draft.status
    text = ALASAN_AKHIR.get(reason, "Registrasi sudah berakhir")
    return Gone(
        f"{text}. {DATA_DIHAPUS} Silakan mulai registrasi baru.",
        detail={"status": draft.status, "alasan": reason, "data_pribadi_dihapus": True},
    )


async def running(sessions: sessionmaker[Session], registration_id: str) -> ProbolinggoRegistration:
    """The draft of a running registration; 404, 409 (finished) or 410 (ended) otherwise."""
    draft = await run_db(sessions, draft_or_404, registration_id)
    if draft.status == "selesai":
        raise Conflict(
            "Registrasi sudah selesai. Silakan masuk (login).", code="registrasi_selesai"
        )
    if draft.status != "berjalan" or draft.erased_at is not None:
        raise gone(draft)
    return draft


def store(session: Session, registration_id: str, change: Any) -> None:
    """Apply ``change`` to the running draft and commit (409 if it ended meanwhile)."""
    draft = running_draft(session, registration_id)
    if draft is None:
        raise Conflict("Registrasi sudah berakhir", code="registrasi_berakhir")
    change(draft)
    session.commit()


def store_step(session: Session, registration_id: str, step: str, values: dict[str, Any]) -> None:
    """Write a checked step's data (NIK, identity) and commit; 409 ``sedang_diproses`` with
    nothing written once its check has begun (the data checked is the data the account gets), 409
    ``registrasi_berakhir`` if the registration ended meanwhile."""
    if store_unlocked(session, registration_id, step, values):
        session.commit()
        return
    session.rollback()
    if running_draft(session, registration_id) is None:
        raise Conflict("Registrasi sudah berakhir", code="registrasi_berakhir")
    raise Conflict(
        "Data ini sedang atau sudah diperiksa dan tidak dapat diubah lagi",
        code="sedang_diproses",
    )


async def live_status(
    client: Client, registration_id: str, sessions: sessionmaker[Session]
) -> StatusRegistrasi:
    """The workflow's own answer to where the registration is."""
    handle = client.get_workflow_handle(workflow_id_for(registration_id))
    try:
        live: StatusRegistrasi = await handle.query(W.status)
    except RPCError as err:
        raise await after_rpc_error(err, sessions, registration_id) from err
    return live


async def require_step(
    client: Client, registration_id: str, sessions: sessionmaker[Session], step: str
) -> None:
    """409 before anything is stored when the registration waits on another step."""
    current = await live_status(client, registration_id, sessions)
    if current.langkah != step:
        raise Conflict(
            f"Registrasi sedang di langkah {current.langkah}, bukan {step}",
            code="langkah_lain",
            detail={"langkah_sekarang": current.langkah},
        )


async def after_rpc_error(
    err: RPCError, sessions: sessionmaker[Session], registration_id: str
) -> AlurError:
    """The error to answer when Temporal refused a call: a finished workflow is the draft's
    outcome (410 or 409), anything else a 503."""
    if err.status == RPCStatusCode.NOT_FOUND:
        draft = await run_db(sessions, draft_or_404, registration_id)
        return (
            gone(draft)
            if draft.status != "selesai"
            else Conflict("Registrasi sudah selesai", code="registrasi_selesai")
        )
    return Unavailable("Layanan registrasi belum menjawab, coba lagi", code="temporal_error")


async def update(
    client: Client, sessions: sessionmaker[Session], registration_id: str, name: str, arg: BaseModel
) -> Any:
    """Send the step's update and turn the workflow's answer into the HTTP answer."""
    handle = client.get_workflow_handle(workflow_id_for(registration_id))
    try:
        answer: Jawaban = await handle.execute_update(name, arg, result_type=Jawaban)
    except WorkflowUpdateFailedError as err:
        cause = err.cause
        kind = cause.type if isinstance(cause, ApplicationError) else None
        message = cause.message if isinstance(cause, ApplicationError) else "Langkah ditolak"
        if kind == "RegistrasiBerakhir":
            draft = await run_db(sessions, draft_or_404, registration_id)
            raise gone(draft) from err
        raise Conflict(
            message, code="langkah_lain" if kind == "LangkahLain" else "sedang_diproses"
        ) from err
    except RPCError as err:
        raise await after_rpc_error(err, sessions, registration_id) from err
    return respond(answer)


def respond(answer: Jawaban) -> Jawaban:
    """The workflow's answer when the step is done or a code was sent; otherwise the error it
    calls for, raised (see the module docstring)."""
    if answer.hasil in (Hasil.diterima, Hasil.terkirim):
        return answer
    body = answer.model_dump(mode="json")
    if answer.hasil in (Hasil.tunggu, Hasil.batas):
        retry = answer.tunggu_detik if answer.hasil == Hasil.tunggu else 3600
        raise TooManyRequests(
            answer.pesan,
            code=answer.alasan or answer.hasil.value,
            retry_after=retry or 1,
            detail=body,
        )
    if answer.hasil == Hasil.gagal:
        raise Gone(answer.pesan, detail=body)
    if answer.alasan == "nik_terdaftar":
        raise Conflict(answer.pesan, code="nik_terdaftar", detail=body)
    code = {Hasil.salah: "otp_salah", Hasil.kedaluwarsa: "otp_kedaluwarsa"}.get(answer.hasil)
    raise Unprocessable(answer.pesan, code=code or answer.alasan or "ditolak", detail=body)
