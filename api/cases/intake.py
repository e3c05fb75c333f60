"""Opening a case at the API, the same way for every SOP: its number, its rows, its workflow.

The API writes the case's rows first (the personal data a workflow must never carry stays in the
database), then starts the workflow. Nothing is half-written: when Temporal cannot take the start,
the rows this request wrote are deleted again and the client gets 503 with a message; a retried
request (the same case number) finds its rows and joins the running case (``start_case``).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request, Response, status
from pydantic import BaseModel
from sqlalchemy.orm import Session, sessionmaker
from temporalio.service import RPCError

from api.deps import SessionsDep, run_db
from api.errors import Unavailable, responses
from api.idempotency import IdempotencyKey, idempotency_responses, idempotent
from db.models import Case
from sop.models import Sop

I = TypeVar("I")  # noqa: E741
M = TypeVar("M", bound=BaseModel)


def case_number(prefix: str, idempotency_key: str | None, *scope: object) -> str:
    """``PREFIX-YYMMDD-XXXXXXXX``, or ``PREFIX-K`` and a hash of ``scope`` and the
    Idempotency-Key: a key always gives the same number within its scope (the SOP, and the
    officer or account that sent it), so a retried request finds its case."""
    if idempotency_key:
        scoped = ":".join([*(str(s) for s in scope), idempotency_key])
        return f"{prefix}-K{hashlib.sha256(scoped.encode()).hexdigest()[:12].upper()}"
    return f"{prefix}-{datetime.now(UTC).strftime('%y%m%d')}-{secrets.token_hex(4).upper()}"


async def open_case(
    sessions: sessionmaker[Session],
    response: Response,
    *,
    record: Callable[[Session], tuple[bool, I]],
    forget: Callable[[Session], None],
    start: Callable[[I], Awaitable[None]],
    refused: str,
) -> I:
    """Write the case (``record`` answers whether this request created it, and what the start
    needs), start its workflow, and undo the write when the start fails. A case found rather than
    created answers 200."""
    created, found = await run_db(sessions, record)
    if not created:
        response.status_code = status.HTTP_200_OK
    try:
        await start(found)
    except RPCError as err:
        if created:  # nothing half-written: no case without its workflow
            await run_db(sessions, forget)
        raise Unavailable(refused, code="temporal_error") from err
    return found


def new_case(
    sop: Sop,
    number: str,
    workflow_id: str,
    *,
    kind: str,
    channel: str,
    subject: str,
    status: str,
    step: str,
    description: str | None = None,
) -> Case:
    """The case row a create writes before its workflow starts (the workflow fills in the rest)."""
    return Case(
        case_number=number,
        workflow_id=workflow_id,
        sop=sop.kode,
        agency=sop.agensi,
        kind=kind,
        channel=channel,
        subject=subject,
        description=description,
        status=status,
        current_step=step,
    )


def create_responses(model: type[BaseModel], *statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a create route: its errors, and the 200 that answers a replayed key."""
    return {
        **responses(*statuses, 422, 503),
        **idempotency_responses(model, replay_status=status.HTTP_200_OK),
    }


class CreateOnce:
    """A create route's Idempotency-Key, bound to its route (``POST /malang/laporan``, from the
    route's own path) and its response: 201 the first time, 200 with the same body on a replay
    (see ``api.idempotency.idempotent``). A dependency, so no route spells its plumbing out."""

    def __init__(
        self, sessions: sessionmaker[Session], response: Response, route: str, key: str | None
    ) -> None:
        self.sessions, self.response, self.route, self.key = sessions, response, route, key

    async def __call__(
        self, body: BaseModel, *, principal: str, model: type[M], run: Callable[[], Awaitable[M]]
    ) -> M:
        return await idempotent(
            self.sessions,
            principal=principal,
            key=self.key,
            route=self.route,
            body=body,
            model=model,
            first_status=status.HTTP_201_CREATED,
            replay_status=status.HTTP_200_OK,
            response=self.response,
            run=run,
        )


def get_create_once(
    request: Request, response: Response, sessions: SessionsDep, key: IdempotencyKey = None
) -> CreateOnce:
    route = request.scope["route"].path  # the template (/magelang/permohonan), not the URL
    return CreateOnce(sessions, response, f"{request.method} {route}", key)


CreateOnceDep = Annotated[CreateOnce, Depends(get_create_once)]
