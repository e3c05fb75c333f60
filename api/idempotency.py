"""An ``Idempotency-Key`` bound to its use: who sent it, on which route, with which body.

A client that is unsure whether a request went through sends it again with the same key and must
get the first answer, with nothing done twice. The key means that one request only: the same key
sent to another route (another step, another case) or with another body is refused with 422
``idempotency_key_dipakai``, never answered with the first request's result (which would silently
drop the second request). Two identical requests at the same moment: one does the work, the other
gets 409 ``sedang_diproses`` (or the stored answer once the first is done).

The key is reserved before the work runs and released if the work raises, so a failed attempt
(Temporal down, a 4xx) leaves nothing behind and its retry runs again. A reservation whose request
never finished (the process died) is taken over after ``STALE_AFTER``.

What is kept is a fingerprint (SHA-256 of route and canonical body), never the body, and the
answer's body, which for every route using this holds case numbers and statuses, no personal data.
Database work runs in short sessions on the thread pool (``run_db``); no connection is held while
the work awaits Temporal.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Annotated, Any, TypeVar

import anyio
from fastapi import Header, Request, Response
from pydantic import BaseModel
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from api.deps import run_db
from api.errors import Conflict, ErrorResponse, Unprocessable
from db.base import utcnow
from db.idempotency import IdempotencyRecord

log = logging.getLogger(__name__)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=100,
        description=(
            "Send the same key again, with the same body to the same route, to retry safely: "
            "the first answer comes back and nothing new is created or done. A key is one "
            "request: reused for another route or body it is refused (422 idempotency_key_dipakai)."
        ),
    ),
]
"""The ``Idempotency-Key`` header, optional: without it every request is new."""

PUBLIK = "publik"
"""The one principal anonymous citizens share (they have no account to tell them apart)."""

STALE_AFTER = timedelta(minutes=5)
"""A reservation older than this whose request never answered is taken over by a retry."""

REUSED_MESSAGE = "Idempotency-Key ini sudah dipakai untuk permintaan lain; buat kunci baru"
BUSY_MESSAGE = "Permintaan yang sama sedang diproses, coba lagi sebentar lagi"

M = TypeVar("M", bound=BaseModel)


def route_of(request: Request) -> str:
    """The route a key is bound to: the method and the concrete path (case number and step)."""
    return f"{request.method} {request.url.path}"


def fingerprint(route: str, body: BaseModel) -> str:
    """SHA-256 (hex) of the route and the canonical JSON of the validated body: equal bodies (the
    same values, whatever their order or left-out defaults) give the same fingerprint."""
    canonical = json.dumps(
        body.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(f"{route}\n{canonical}".encode()).hexdigest()


def idempotency_responses(
    model: type[BaseModel], *, replay_status: int
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries for a route that takes an Idempotency-Key: its replay answer and the
    two refusals. Merge it after ``api.errors.responses(...)``."""
    return {
        replay_status: {
            "model": model,
            "description": (
                "A retry with the same Idempotency-Key, route and body: the first answer again, "
                "nothing done twice."
            ),
        },
        409: {
            "model": ErrorResponse,
            "description": "sedang_diproses: the same request with this key is still running.",
        },
        422: {
            "model": ErrorResponse,
            "description": (
                "idempotency_key_dipakai: this key was used for another route or body; "
                "or the body is invalid."
            ),
        },
    }


class _Replay:
    """The stored answer of a key's first use."""

    def __init__(self, body: dict[str, Any]) -> None:
        self.body = body


def _reserve(
    session: Session, *, principal: str, key: str, route: str, fp: str, stale_after: timedelta
) -> int | _Replay:
    """Reserve the key (its record's id) or find its first use: the stored answer, or a refusal."""
    for _ in range(5):
        record = IdempotencyRecord(principal=principal, key=key, route=route, fingerprint=fp)
        session.add(record)
        try:
            session.commit()
            return record.id
        except IntegrityError:  # used before, or being used right now
            session.rollback()
        found = session.scalar(
            select(IdempotencyRecord).where(
                IdempotencyRecord.principal == principal, IdempotencyRecord.key == key
            )
        )
        if found is None:
            continue  # its first use failed and let go between our insert and this read
        if found.fingerprint != fp:
            raise Unprocessable(REUSED_MESSAGE, code="idempotency_key_dipakai")
        if found.status_code is not None:
            return _Replay(found.response or {})
        now = utcnow()
        taken = session.scalar(  # a reservation its request never finished: take it over
            update(IdempotencyRecord)
            .where(
                IdempotencyRecord.id == found.id,
                IdempotencyRecord.status_code.is_(None),
                IdempotencyRecord.created_at < now - stale_after,
            )
            .values(created_at=now)
            .returning(IdempotencyRecord.id)
        )
        session.commit()
        if taken is not None:
            return taken
        raise Conflict(BUSY_MESSAGE, code="sedang_diproses")
    raise Conflict(BUSY_MESSAGE, code="sedang_diproses")


def _release(session: Session, record_id: int) -> None:
    session.execute(
        delete(IdempotencyRecord).where(
            IdempotencyRecord.id == record_id, IdempotencyRecord.status_code.is_(None)
        )
    )
    session.commit()


def _finish(session: Session, record_id: int, status_code: int, body: dict[str, Any]) -> None:
    session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.id == record_id)
        .values(status_code=status_code, response=body)
    )
    session.commit()


async def idempotent(
    sessions: sessionmaker[Session],
    *,
    principal: str,
    key: str | None,
    route: str,
    body: BaseModel,
    model: type[M],
    first_status: int,
    replay_status: int,
    response: Response,
    run: Callable[[], Awaitable[M]],
    stale_after: timedelta = STALE_AFTER,
) -> M:
    """Run ``run`` once per (principal, key); answer its retries with its first answer.

    ``key`` None: just runs. Otherwise a retry with the same route and body gets the stored answer
    with ``replay_status`` (set on ``response``); another route or body gets 422
    ``idempotency_key_dipakai``; the same request still running gets 409 ``sedang_diproses``. When
    ``run`` raises, the key is released (so the retry runs) and the error goes on. The answer is
    stored with the status ``run`` set on ``response``, else ``first_status``.
    """
    if key is None:
        return await run()
    fp = fingerprint(route, body)
    reserved = await run_db(
        sessions,
        _reserve,
        principal=principal,
        key=key,
        route=route,
        fp=fp,
        stale_after=stale_after,
    )
    if isinstance(reserved, _Replay):
        response.status_code = replay_status
        return model.model_validate(reserved.body)
    try:
        result = await run()
    except BaseException:
        with anyio.CancelScope(shield=True):  # released even when the request is cancelled
            await run_db(sessions, _release, reserved)
        raise
    status_code = response.status_code or first_status
    try:
        with anyio.CancelScope(shield=True):
            await run_db(sessions, _finish, reserved, status_code, result.model_dump(mode="json"))
    except Exception:  # the work is done: answer it; a retry takes the reservation over later
        log.exception("storing the answer of Idempotency-Key record %s failed", reserved)
    return result
