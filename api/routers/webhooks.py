"""Twilio's delivery-status webhook: updates the notification log with what happened to a message.

The signature is checked against the public URL Twilio called, built from ALUR_PUBLIC_BASE_URL:
behind a proxy that ends TLS the request's own URL differs and validation would fail.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator

from api.deps import SessionsDep, SettingsDep, run_db
from api.errors import Forbidden, NotFound, Unprocessable, responses
from db.base import utcnow
from db.models import Notification

router = APIRouter(prefix="/webhooks", tags=["webhooks"])

# A later status never goes back to an earlier one (callbacks can arrive out of order).
_ORDER = {
    "queued": 0,
    "accepted": 0,
    "sending": 1,
    "sent": 2,
    "failed": 3,
    "undelivered": 3,
    "delivered": 4,
    "read": 5,
}


@router.post("/twilio/status", status_code=204, responses=responses(403, 404, 422))
async def twilio_status(
    request: Request,
    sessions: SessionsDep,
    settings: SettingsDep,
    signature: Annotated[str | None, Header(alias="X-Twilio-Signature")] = None,
) -> Response:
    """Twilio's status callback for a message Alur sent (form fields MessageSid, MessageStatus,
    ErrorCode)."""
    if settings.twilio_auth_token is None:
        raise Forbidden("Webhook Twilio tidak dikonfigurasi", code="webhook_disabled")
    form = await request.form()
    params = {k: str(v) for k, v in form.items()}
    url = f"{settings.public_base_url.rstrip('/')}{request.url.path}"
    validator = RequestValidator(settings.twilio_auth_token.get_secret_value())
    if not signature or not validator.validate(url, params, signature):
        raise Forbidden("Tanda tangan Twilio tidak valid", code="bad_signature")
    sid = params.get("MessageSid")
    new_status = params.get("MessageStatus")
    if not sid or not new_status:
        raise Unprocessable("MessageSid dan MessageStatus wajib ada", code="invalid_request")
    found = await run_db(sessions, _record_status, sid, new_status, params.get("ErrorCode"))
    if not found:
        raise NotFound(f"Pesan {sid} tidak dikenal", code="message_not_found")
    return Response(status_code=204)


def _record_status(session: Session, sid: str, new_status: str, error_code: str | None) -> bool:
    row = session.scalar(select(Notification).where(Notification.provider_id == sid))
    if row is None:
        return False
    if _ORDER.get(new_status, 0) >= _ORDER.get(row.status, 0):
        row.status = new_status
    if error_code and error_code.isdigit():
        row.error_code = int(error_code)
    row.updated_at = utcnow()
    session.commit()
    return True
