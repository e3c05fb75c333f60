"""The router builder for officer cases: from an SOP's step table, the same action routes for every
officer SOP (``POST /<sop>/kasus/{nomor_kasus}/<step>``), the ``CurrentCase`` dependency, and the
pieces every case view shares (tasks, the audit trail, the live status).

Every action goes the same way, so every SOP answers alike:
1. the case exists (404) and belongs to the officer's agency (403, written to the trail);
2. the ``Idempotency-Key`` is bound to this officer, route and body (a replay gets the first 202,
   a reuse for anything else 422);
3. the workflow says where the case is (409 at another step or closed; 403 for the wrong role or
   assignee, written to the trail); the step's own checks (named officers, the unit, its rule:
   422/403);
4. the open task is claimed atomically (the second of two simultaneous actions gets 409
   ``sudah_ditindaklanjuti``), then the workflow is signalled; it checks again and has the last
   word.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Request, Response, status
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from api.case_access import (
    leaving,
    live_status,
    load_case,
    open_task,
    recorded_status,
    require_agency,
    require_officer,
    require_step,
)
from api.cases.claims import acted_first, claim_task, record_refusal, release_claim
from api.deps import (
    CurrentOfficer,
    OfficerUsername,
    SessionsDep,
    TemporalClientDep,
    active_officer,
    actor_of,
    run_db,
)
from api.errors import AlurError, Conflict, Forbidden, Unavailable, Unprocessable, responses
from api.idempotency import IdempotencyKey, idempotency_responses, idempotent, route_of
from api.routers.tasks import TaskRead, to_read
from db.base import utcnow
from db.models import AuditEvent, Case, Officer, Task
from workflows.case.models import ENDED, CaseStatus, OpenTask
from workflows.case.step_table import OfficerStep, StepTable


class AksiDiterima(BaseModel):
    """The action reached the case; the trail will show it accepted or refused."""

    nomor_kasus: str
    langkah: str
    action_id: str
    pesan: str


class AuditRead(BaseModel):
    """One line of a case's audit trail."""

    at: datetime
    event: str
    step: str | None
    round: int | None
    actor: str | None
    actor_role: str | None
    detail: dict[str, Any]


class KasusRead(BaseModel):
    """What every officer case view shows; an SOP's view adds its own fields."""

    nomor_kasus: str
    judul: str
    status: str
    langkah_sekarang: str | None
    sla_terlampaui: bool
    dibuat: datetime
    selesai: datetime | None
    tugas: list[TaskRead]
    jejak_audit: list[AuditRead]
    status_langsung: CaseStatus | None = None
    """The workflow's own answer while the case is open (absent when Temporal is away)."""


def kasus_fields(session: Session, case: Case) -> dict[str, Any]:
    """The shared fields of a case view, from the read model."""
    return {
        "nomor_kasus": case.case_number,
        "judul": case.subject,
        "status": case.status,
        "langkah_sekarang": case.current_step,
        "sla_terlampaui": case.sla_breached,
        "dibuat": case.created_at,
        "selesai": case.closed_at,
        "tugas": tasks_of(session, case),
        "jejak_audit": trail_of(session, case),
    }


def trail_of(session: Session, case: Case) -> list[AuditRead]:
    """The case's whole audit trail, in the order it was written."""
    rows = session.scalars(
        select(AuditEvent).where(AuditEvent.case_number == case.case_number).order_by(AuditEvent.id)
    )
    return [AuditRead.model_validate(a, from_attributes=True) for a in rows]


def tasks_of(session: Session, case: Case) -> list[TaskRead]:
    """Every task the case opened, in order, with its deadline and whether it ran late."""
    rows = session.scalars(
        select(Task).where(Task.workflow_id == case.workflow_id).order_by(Task.id)
    )
    now = utcnow()
    return [to_read(t, now) for t in rows]


async def live_or_none(client: Client, case: Case) -> CaseStatus | None:
    """The workflow's own answer for an open case; None when closed or Temporal is away (the read
    model still answers)."""
    if case.closed_at is not None:
        return None
    try:
        return await live_status(client, case)
    except (Unavailable, AlurError):
        return None


V = TypeVar("V", bound=KasusRead)

LEAVING_WAIT_S = 2.0
"""How long an action waits for the workflow to take the accepted action before it (a
colleague's, the level below's) when the case was leaving that turn: the workflow takes it within
one workflow task, so this bounds only a stalled worker."""
LEAVING_POLL_S = 0.05
BETWEEN_WAIT_S = 5.0
"""How long an action waits for a case between steps (just filed, or just past an action) to
open its next task: the workflow opens it within a workflow task or two, so an officer acting the
moment a case is filed (the README's walk-through) is not sent back with ``case_busy``; a case
that stays without a task longer (a worker behind, a notification retrying) still gets it."""


UnitCheck = Callable[[Session, Case, Officer], dict[str, Any]]
"""For a step taken inside one unit (a MAGESTY OPD): raises Forbidden for an officer of another
unit, else returns the action's extra fields (the unit the API found the officer serves)."""

UnitFound = dict[str, Any] | Forbidden | None
"""What a ``UnitCheck`` gave: the fields, its refusal, or None for a step not taken by unit."""

DoneCheck = Callable[[CaseStatus], AlurError | None]
"""The SOP's own answer when the case no longer waits on an officer (closed, with the citizen)."""


class OfficerCases:
    """An SOP's officer routes, built from its step table."""

    def __init__(
        self,
        table: StepTable,
        *,
        unit: UnitCheck | None = None,
        done: DoneCheck | None = None,
    ) -> None:
        self.table = table
        self.unit = unit
        self.done = done
        self.router = APIRouter()
        for row in table.steps:
            self._add_action_route(row)

    # --- the case a route is about ------------------------------------------------------------
    def current_case(
        self, nomor_kasus: str, officer: CurrentOfficer, sessions: SessionsDep
    ) -> Case:
        """``CurrentCase``: the SOP's case with this number (404), of the officer's agency (403)."""
        with sessions() as session:
            case = load_case(session, nomor_kasus, sop=self.table.sop.kode)
            require_agency(case, officer)
            return case

    def add_view(self, model: type[V], read: Callable[[Session, Case], V], *, summary: str) -> None:
        """``GET /kasus/{nomor_kasus}``: the case as its agency's officers see it (``read``), with
        the workflow's live status while it is open."""

        async def view(case: Case, sessions: SessionsDep, client: TemporalClientDep) -> KasusRead:
            shown: KasusRead = await run_db(sessions, read, case)
            shown.status_langsung = await live_or_none(client, case)
            return shown

        # evaluated here, not from the module's names: the dependency is this SOP's own
        view.__annotations__["case"] = Annotated[Case, Depends(self.current_case)]
        view.__doc__ = summary
        self.router.add_api_route(
            "/kasus/{nomor_kasus}",
            view,
            methods=["GET"],
            response_model=model,
            responses=responses(401, 403, 404),
            name="officer_view",
        )

    # --- the action routes --------------------------------------------------------------------
    def _add_action_route(self, row: OfficerStep) -> None:
        sop = self.table.sop
        body_model = row.body

        async def act(
            nomor_kasus: str,
            body: body_model,  # type: ignore[valid-type]
            officer: OfficerUsername,
            sessions: SessionsDep,
            client: TemporalClientDep,
            request: Request,
            response: Response,
            idempotency_key: IdempotencyKey = None,
        ) -> AksiDiterima:
            return await self.perform(
                row.kode,
                nomor_kasus,
                body,
                officer,
                sessions,
                client,
                idempotency_key=idempotency_key,
                route=route_of(request),
                response=response,
            )

        step = sop.step(row.kode)
        act.__annotations__["body"] = body_model  # a name FastAPI cannot look up in the module
        act.__name__ = row.kode
        act.__doc__ = f"Step {step.nomor}, {row.kode}: {step.kegiatan_en}."
        self.router.add_api_route(
            f"/kasus/{{nomor_kasus}}/{row.kode}",
            act,
            methods=["POST"],
            response_model=AksiDiterima,
            status_code=status.HTTP_202_ACCEPTED,
            responses={
                **responses(401, 403, 404, 409, 422, 503),
                **idempotency_responses(AksiDiterima, replay_status=status.HTTP_202_ACCEPTED),
            },
            summary=f"{row.kode} ({step.nomor})",
        )

    async def perform(
        self,
        kode: str,
        nomor_kasus: str,
        body: BaseModel,
        officer: Officer | str,
        sessions: sessionmaker[Session],
        client: Client,
        *,
        idempotency_key: str | None = None,
        route: str | None = None,
        response: Response | None = None,
    ) -> AksiDiterima:
        """The whole pipeline of one action on step ``kode`` (see the module's docstring), for
        the JSON route and the web form alike: 404, agency 403 (in the trail), idempotency, the
        live step (409), role and assignee (403, in the trail), the step's checks (422), the
        atomic claim (409 ``sudah_ditindaklanjuti``/``sudah_diklaim``), then the signal.

        ``route`` binds the ``Idempotency-Key``: the request's route (by default the SOP, the
        case and the step). ``officer``: the account, or the username of a valid token, whose
        account is then read in the same session as the case (one hop to the thread pool fewer:
        see ``_arrive``)."""
        row = self.table.step(kode)
        sop = self.table.sop
        arrival = await run_db(
            sessions,
            _arrive,
            nomor_kasus,
            sop=sop.kode,
            step=row.kode,
            officer=officer,
            unit=self.unit if row.by_unit else None,
        )
        case, officer = arrival.case, arrival.officer
        await self._refused_unless(sessions, case, officer, row.kode, require_agency)

        async def run() -> AksiDiterima:
            return await self._act(row, arrival, body, officer, sessions, client, idempotency_key)

        return await idempotent(
            sessions,
            principal=officer.username,
            key=idempotency_key,
            route=route or f"POST /{sop.kode}/kasus/{nomor_kasus}/{row.kode}",
            body=body,
            model=AksiDiterima,
            first_status=status.HTTP_202_ACCEPTED,
            replay_status=status.HTTP_202_ACCEPTED,
            response=response if response is not None else Response(),
            run=run,
        )

    async def _refused_unless(
        self,
        sessions: Any,
        case: Case,
        officer: Officer,
        step: str,
        check: Callable[..., Any],
        *args: Any,
    ) -> Any:
        """Run an access check; a 403 it raises is written to the case's trail first."""
        try:
            return check(*args) if args else check(case, officer)
        except Forbidden as err:
            await run_db(sessions, _write_refusal, case, officer, step, err)
            raise

    async def _act(
        self,
        row: OfficerStep,
        arrival: Arrival,
        body: BaseModel,
        officer: Officer,
        sessions: Any,
        client: Client,
        idempotency_key: str | None,
    ) -> AksiDiterima:
        from api.case_access import action_id_for

        case = arrival.case
        live = arrival.recorded or await self._live(client, arrival)
        if live.task is None and self.done is not None:
            refusal = self.done(live)
            if refusal is not None:
                raise refusal
        if live.task is None and live.status not in ENDED:
            live = await self._next_task(sessions, arrival, live)
        extra: dict[str, Any] = {}
        if self.unit is not None and row.by_unit:  # the unit first: it names who may act at all
            extra = await self._unit_fields(sessions, case, officer, row.kode, arrival.unit)
        try:
            await self._refused_unless(
                sessions, case, officer, row.kode, require_step, live, row.kode, officer
            )
        except Conflict as err:  # the case has left the step: perhaps someone just took it
            if err.code in ("wrong_step", "case_busy") and arrival.first is not None:
                await run_db(sessions, _write_refusal, case, officer, row.kode, arrival.first)
                raise arrival.first from err
            raise
        task = live.task
        assert task is not None  # require_step answered 409 without one
        if row.names:
            await run_db(sessions, _named_officers, row, body, officer)
        action_id = action_id_for(officer, idempotency_key)
        action = row.action.model_validate(
            {**body.model_dump(), **extra, "action_id": action_id, "actor": actor_of(officer)}
        )
        if row.rule is not None:
            reason = row.rule(action, task)
            if reason is not None:
                raise Unprocessable(reason, code="keputusan_tidak_sah", detail={"level": task.role})
        if task.key is None:  # a workflow from before task keys: nothing to claim
            raise Conflict("Kasus sedang diproses, coba lagi sebentar lagi", code="case_busy")
        await _released(task.key)
        try:
            await run_db(sessions, _claim, case, officer, task, action_id)
        except OperationalError:
            # The database went away during the claim: its commit may have landed, and the signal
            # is not sent, so a claim left behind would refuse the officer's retry for CLAIM_FOR.
            _release_when_back(sessions, task.key, action_id)
            raise
        try:
            await client.get_workflow_handle(case.workflow_id).signal(row.kode, action)
        except RPCError as err:
            await run_db(sessions, _release, task.key, action_id)
            if err.status == RPCStatusCode.NOT_FOUND:
                raise Conflict("Kasus sudah selesai", code="case_closed") from err
            raise Unavailable("Aksi belum terkirim, coba lagi", code="temporal_error") from err
        return AksiDiterima(
            nomor_kasus=case.case_number,
            langkah=row.kode,
            action_id=action_id,
            pesan=row.accepted.format(kode=row.kode),
        )

    async def _live(self, client: Client, arrival: Arrival) -> CaseStatus:
        """The workflow's status. While the case leaves its open task for an accepted action
        (``Arrival.leaving``), a status still showing that task means the workflow has not taken
        the action yet: asked again, briefly (``LEAVING_WAIT_S``), so the next officer is not sent
        back for a turn already done; any other answer is the workflow's own."""
        live = await live_status(client, arrival.case)
        deadline = asyncio.get_running_loop().time() + LEAVING_WAIT_S
        while live.task is not None and live.task.key == arrival.leaving:
            if asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(LEAVING_POLL_S)
            live = await live_status(client, arrival.case)
        return live

    async def _next_task(
        self, sessions: sessionmaker[Session], arrival: Arrival, live: CaseStatus
    ) -> CaseStatus:
        """The case between steps: its next task as the read model records it, once the workflow
        has written that row (which it does before it shows the task), polled briefly
        (``BETWEEN_WAIT_S``). ``live`` when none opens in that time: the 409 ``case_busy``."""
        deadline = asyncio.get_running_loop().time() + BETWEEN_WAIT_S
        while asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(LEAVING_POLL_S)
            opened = await run_db(sessions, _recorded, arrival.case, arrival.leaving)
            if opened is not None:
                return opened
        return live

    async def _unit_fields(
        self, sessions: Any, case: Case, officer: Officer, step: str, found: UnitFound
    ) -> dict[str, Any]:
        """The unit ``_arrive`` read: its fields, or its refusal written to the trail and
        raised here, in the pipeline's order."""
        if isinstance(found, Forbidden):
            await run_db(sessions, _write_refusal, case, officer, step, found)
            raise found
        assert found is not None  # _arrive reads it for every step taken by unit
        return found


# --- database work, each in its own short transaction ----------------------------------------
@dataclass(frozen=True)
class Arrival:
    """What an action finds in the read model, read in one session: the case, where the read
    model says it waits, and who acted first on the step when it no longer waits there."""

    case: Case
    officer: Officer
    """The acting officer, active (``api.deps.active_officer``)."""
    recorded: CaseStatus | None
    """``recorded_status``: None between steps, and while the case leaves its open task (then
    the workflow is asked)."""
    first: Conflict | None
    """``acted_first``, read only when the recorded step is not the action's."""
    unit: UnitFound = None
    """The step's unit check (``UnitCheck``), read here for a step taken by unit: its fields, or
    the Forbidden it raised, answered later in the pipeline's order."""
    leaving: str | None = None
    """The key of the open task the case is leaving (``case_access.leaving``: an accepted action
    on another turn is on its way in), else None."""


def _arrive(
    session: Session,
    nomor_kasus: str,
    *,
    sop: str,
    step: str,
    officer: Officer | str,
    unit: UnitCheck | None = None,
) -> Arrival:
    """One session, not five, for every action and every "not yet" answer: under load each
    hop through the thread pool cost more than its query (bench: ~25 ms a hop with 25 cases in
    flight). The officer first (401 before 404), then the case, its task, and its unit for a step
    taken by unit. Nothing is written here; a refusal is written only when one is answered."""
    if isinstance(officer, str):
        officer = active_officer(session, officer)
    role = officer.role
    case = load_case(session, nomor_kasus, sop=sop)
    task = open_task(session, case)
    moving = task.task_key if task is not None and leaving(task, step, role) else None
    recorded = None if moving else recorded_status(case, task)
    first = None
    if recorded is None or recorded.current_step != step:
        first = acted_first(session, case_number=case.case_number, step=step, role=role)
    found: UnitFound = None
    if unit is not None:
        try:
            found = unit(session, case, officer)
        except Forbidden as err:
            found = err
    return Arrival(case, officer, recorded, first, found, moving)


def _recorded(session: Session, case: Case, leaving: str | None) -> CaseStatus | None:
    """Where the read model says the case waits, when a task other than the one it is leaving
    is open there."""
    task = open_task(session, case)
    return None if task is None or task.task_key == leaving else recorded_status(case, task)


def _write_refusal(
    session: Session, case: Case, officer: Officer, step: str, err: AlurError
) -> None:
    record_refusal(session, case, officer, step=step, reason=err.message, code=err.code)
    session.commit()


def _named_officers(session: Session, row: OfficerStep, body: BaseModel, officer: Officer) -> None:
    for named in row.names:
        require_officer(
            session,
            username=getattr(body, named.field),
            role=named.role,
            agency=officer.agency,
            field=named.field,
        )


def _claim(session: Session, case: Case, officer: Officer, task: OpenTask, action_id: str) -> None:
    assert task.key is not None
    try:
        claim_task(session, task_key=task.key, action_id=action_id, officer=officer)
    except Conflict as err:
        session.rollback()
        if err.code in ("sudah_ditindaklanjuti", "sudah_diklaim"):
            record_refusal(
                session, case, officer, step=task.step, reason=err.message, code=err.code
            )
            session.commit()
        raise
    session.commit()


_RELEASING: dict[str, set[asyncio.Task[None]]] = {}
"""Releases waiting for the database, by task key (kept referenced until they finish)."""
RELEASE_RETRY_S = 1.0
RELEASE_TRIES = 120
RELEASE_WAIT_S = 3.0
"""How long an action on a task waits for that task's pending releases (``_released``)."""


async def _released(task_key: str) -> None:
    """Wait, briefly, for the releases of this task's claims that this process still owes: the
    officer's retry right after a lost commit would otherwise race the release and be told they
    themselves already acted. A database still away fails the claim with 503 anyway."""
    pending = _RELEASING.get(task_key)
    if pending:
        await asyncio.wait(set(pending), timeout=RELEASE_WAIT_S)


def _release_when_back(sessions: sessionmaker[Session], task_key: str, action_id: str) -> None:
    """Release this action's claim, if its commit landed, as soon as the database answers (tried
    every second for two minutes, then ``CLAIM_FOR`` expires it anyway). It only clears a claim
    that is still this action's, so it never touches another officer's."""

    async def release() -> None:
        for _ in range(RELEASE_TRIES):
            try:
                await run_db(sessions, _release, task_key, action_id)
                return
            except OperationalError:
                await asyncio.sleep(RELEASE_RETRY_S)

    job = asyncio.get_running_loop().create_task(release())
    _RELEASING.setdefault(task_key, set()).add(job)

    def forget(done: asyncio.Task[None]) -> None:
        jobs = _RELEASING.get(task_key, set())
        jobs.discard(done)
        if not jobs:
            _RELEASING.pop(task_key, None)

    job.add_done_callback(forget)


def _release(session: Session, task_key: str, action_id: str) -> None:
    release_claim(session, task_key=task_key, action_id=action_id)
    session.commit()
