"""The case page at ``/petugas/kasus/{nomor}`` and the form of its current step.

The page shows the case's summary, the citizen's report with the contact masked, the SOP's
flowchart with this case's progress (``api.web.flowchart``), its tasks and its trail in words
(``api.web.trail_words``). While the case waits on a step the officer may take, the step's form
(``api.web.formulir``) is on the page; it posts to ``/petugas/kasus/{nomor}/{step}``, which goes
through the JSON API's own pipeline (``OfficerCases.perform``: the same 403/404/409/422, the
same atomic claim, the same signal), keyed by a per-form Idempotency-Key so a double submit acts
once. Then the page comes back (POST-redirect-GET) saying where the case went. Operators (Dinas
Kominfo) read any agency's case, with a link to its workflow in the Temporal UI, and act on none.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client

from alur.masking import mask_name, mask_phone
from alur.settings import Settings
from api.case_access import live_status
from api.cases.routes import OfficerCases, live_or_none
from api.deps import SessionsDep, SettingsDep, TemporalClientDep, run_db
from api.errors import AlurError, Forbidden, NotFound, Unprocessable
from api.routers.codec import OPERATOR_ROLE
from api.web.flowchart import flowchart_svg, progress_from_tasks
from api.web.formulir import UMUM, Isian, beside, fields_of, label_codes, parse
from api.web.naskah import Naskah, naskah_of
from api.web.pages import HalamanRoute
from api.web.session import CsrfChecked, OfficerFromSession
from api.web.templating import jabatan, render
from api.web.trail_words import BarisJejak, Nama, jejak_kata, nama_langkah
from db.models import AuditEvent, Case, CaseContact, Officer, Task
from sop.catalogue import get_sop
from sop.models import Sop
from workflows.case.models import CaseStatus

router = APIRouter(prefix="/petugas", route_class=HalamanRoute, include_in_schema=False)

CLOSED = frozenset({"selesai", "ditutup", "ditolak"})
"""Statuses a case ends in (Malang, Trenggalek, MAGESTY)."""

PRINTABLE = {"trenggalek-pemanfaatan-aplikasi": "/trenggalek/kasus/{nomor}/jejak.html"}
"""The printable record of an SOP's case (a naskah dinas), opened with the web session."""

MOVED_WITHIN = 3.0
"""Seconds the form waits for the workflow to take the action before showing the page again, so
the officer sees where the case went (the signal is taken in milliseconds when all is well)."""


def registry() -> dict[str, OfficerCases]:
    """Every officer SOP's routes, by SOP code: the pipeline a form goes through."""
    from api.magelang.layanan import CASES as MAGELANG
    from api.malang.router import CASES as MALANG
    from api.trenggalek.router import CASES as TRENGGALEK

    return {c.table.sop.kode: c for c in (MALANG, TRENGGALEK, MAGELANG)}


@dataclass
class HalamanKasus:
    """What the case page shows, read from the database in one short session."""

    case: Case
    sop: Sop
    kontak: dict[str, str] | None
    tugas: list[Task]
    jejak: list[BarisJejak]
    nama: dict[str, str]
    """Full names of the agency's officers, by username."""
    bagan: str
    """The flowchart with the case's progress, SVG markup."""
    naskah: list[Naskah] = field(default_factory=list)
    """The texts the case produced (drafts, versions), newest first."""
    permohonan: list[tuple[str, str]] = field(default_factory=list)
    """A MAGESTY request's form, as (label, value)."""
    isian: list[Isian] = field(default_factory=list)


def _load(session: Session, nomor: str, officer: Officer) -> tuple[Case, Sop]:
    case = session.scalar(select(Case).where(Case.case_number == nomor))
    sop = get_sop(case.sop) if case is not None else None
    if case is None or sop is None:
        raise NotFound(f"Kasus {nomor} tidak ditemukan", code="case_not_found")
    if case.agency != officer.agency and officer.role != OPERATOR_ROLE:
        raise Forbidden("Kasus ini milik instansi lain", code="wrong_agency")
    return case, sop


def read_page(session: Session, nomor: str, officer: Officer) -> HalamanKasus:
    """The case, its masked contact, tasks, trail in words and flowchart."""
    case, sop = _load(session, nomor, officer)
    contact = session.scalar(select(CaseContact).where(CaseContact.case_id == case.id))
    tasks = list(
        session.scalars(select(Task).where(Task.workflow_id == case.workflow_id).order_by(Task.id))
    )
    events = list(
        session.scalars(
            select(AuditEvent)
            .where(AuditEvent.case_number == case.case_number)
            .order_by(AuditEvent.id)
        )
    )
    officers = list(
        session.scalars(
            select(Officer).where(or_(Officer.agency == case.agency, Officer.role == OPERATOR_ROLE))
        )
    )
    svg = flowchart_svg(sop, progress_from_tasks(tasks))
    names = {o.username: o.full_name for o in officers}
    texts, request_form = naskah_of(session, case, sop, names, officer)
    return HalamanKasus(
        case=case,
        sop=sop,
        kontak={
            "nama": mask_name(contact.name) or "(tanpa nama)",
            "telepon": mask_phone(contact.phone) or "(tanpa nomor)",
            "kanal": {"whatsapp": "WhatsApp", "sms": "SMS"}.get(contact.reply_channel or "", ""),
        }
        if contact is not None
        else None,
        tugas=tasks,
        jejak=jejak_kata(events, officers, sop),
        nama=names,
        bagan=svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg,
        naskah=texts,
        permohonan=request_form,
    )


@dataclass(frozen=True)
class Giliran:
    """Whose turn the case is: the step, and whether this officer may act on it."""

    kode: str
    langkah: str
    menunggu: str
    """Who it waits on, in words (a title, and a name when one person holds it)."""
    boleh: bool
    alasan: str = ""


def whose_turn(
    page: HalamanKasus, live: CaseStatus | None, cases: OfficerCases | None, officer: Officer
) -> Giliran | None:
    """The open step and whether ``officer`` may take it (the API checks again on submit)."""
    if live is None or live.task is None:
        return None
    task = live.task
    holder_task = next((t for t in page.tugas if t.task_key == task.key), None)
    holder = task.assignee or (holder_task.claimed_by if holder_task else None)
    waits = jabatan(task.role, page.case.agency)
    if holder:
        waits = f"{page.nama.get(holder, holder)} ({waits})"
    turn = Giliran(task.step, nama_langkah(page.sop, task.step), waits, False)
    if cases is None or task.step not in cases.table.by_kode:
        return turn
    if officer.role != task.role:
        return turn
    if holder and holder != officer.username:
        why = f"Tugas ini sedang dikerjakan oleh {page.nama.get(holder, holder)}"
        return Giliran(turn.kode, turn.langkah, turn.menunggu, False, why)
    return Giliran(turn.kode, turn.langkah, turn.menunggu, True)


def temporal_link(settings: Settings, case: Case) -> str:
    """The case's workflow in the Temporal UI (for operators)."""
    base = settings.temporal_ui_url.rstrip("/")
    ns = quote(settings.temporal_namespace, safe="")
    return f"{base}/namespaces/{ns}/workflows/{quote(case.workflow_id, safe='')}"


async def _page(
    request: Request,
    officer: Officer,
    sessions: sessionmaker[Session],
    client: Client,
    settings: Settings,
    nomor: str,
    *,
    status_code: int = 200,
    galat: dict[str, str] | None = None,
    nilai: Mapping[str, Any] | None = None,
    banner: str | None = None,
    banner_galat: bool = False,
    terkirim: str | None = None,
) -> Response:
    page = await run_db(sessions, read_page, nomor, officer)
    live = await live_or_none(client, page.case)
    if terkirim in {s.kode for s in page.sop.langkah}:
        banner = f"«{nama_langkah(page.sop, terkirim)}» sudah dikirim. {where_now(page, live)}"
    cases = registry().get(page.case.sop)
    turn = whose_turn(page, live, cases, officer)
    if turn is not None and turn.boleh and cases is not None:
        row = cases.table.step(turn.kode)
        page.isian = await run_db(sessions, fields_of, row, page.sop, officer)
    return render(
        request,
        "kasus.html",
        status_code=status_code,
        h=page,
        live=live,
        giliran=turn,
        galat=galat or {},
        umum=UMUM,
        nilai=nilai or {},
        kunci=uuid.uuid4().hex,
        banner=banner,
        banner_galat=banner_galat,
        nama_langkah=lambda kode: nama_langkah(page.sop, kode),
        temporal=temporal_link(settings, page.case) if officer.role == OPERATOR_ROLE else None,
        cetak=PRINTABLE[page.case.sop].format(nomor=quote(page.case.case_number))
        if page.case.sop in PRINTABLE
        else None,
    )


def where_now(page: HalamanKasus, live: CaseStatus | None) -> str:
    """Where the case is now, in words: the step and who it waits on, or that it ended."""
    if live is None or live.task is None:
        if page.case.closed_at is not None or (live is not None and live.status in CLOSED):
            return "Kasus sudah selesai."
        return "Kasus sedang diproses."
    who = jabatan(live.task.role, page.case.agency)
    if live.task.assignee:
        who = f"{page.nama.get(live.task.assignee, live.task.assignee)} ({who})"
    return f"Kasus kini di langkah «{nama_langkah(page.sop, live.task.step)}», menunggu {who}."


@router.get("/kasus/{nomor}")
async def case_page(
    request: Request,
    nomor: str,
    officer: OfficerFromSession,
    sessions: SessionsDep,
    client: TemporalClientDep,
    settings: SettingsDep,
    terkirim: str | None = None,
) -> Response:
    """The case as the agency's officers see it, with the form of its current step; after an
    action (``terkirim``: its step) it says where the case went."""
    return await _page(request, officer, sessions, client, settings, nomor, terkirim=terkirim)


MOVED_ON = frozenset({"wrong_step", "case_busy", "case_closed", "sudah_dilayani"})
"""Refusals that mean the case left the step while the form was open."""


def in_words(
    session: Session, case: Case, sop: Sop, kode: str, officer: Officer, err: AlurError
) -> str:
    """A refusal as the officer reads it: when the step was taken while this form was open (by
    a colleague, or in another tab), who did (``sudah ditindaklanjuti oleh``, as the claim's own
    409 says); any other
    message with its step and role codes written as names."""
    officers = list(session.scalars(select(Officer).where(Officer.agency == case.agency)))
    names = Nama.of(sop, officers)
    if err.code in MOVED_ON:
        # the step's latest task: done by someone, or being sent by someone (the claim's holder;
        # the read model may not have recorded it done yet)
        last = session.scalar(
            select(Task)
            .where(Task.workflow_id == case.workflow_id, Task.step == kode)
            .order_by(Task.id.desc())
            .limit(1)
        )
        who = (last.completed_by or last.acting_by) if last is not None else None
        if who:
            return (
                f"Langkah «{nama_langkah(sop, kode)}» sudah ditindaklanjuti oleh {names.orang(who)}"
            )
    return names.tanpa_kode(err.message)


async def _moved(client: Client, case: Case, key: str | None) -> None:
    """Wait (a little) until the workflow has taken the action: the open task changed."""
    deadline = time.monotonic() + MOVED_WITHIN
    while time.monotonic() < deadline:
        try:
            live = await live_status(client, case)
        except AlurError:
            return
        if live.task is None or live.task.key != key:
            return
        await asyncio.sleep(0.05)


@router.post("/kasus/{nomor}/{kode}")
async def act(
    request: Request,
    nomor: str,
    kode: str,
    officer: OfficerFromSession,
    sessions: SessionsDep,
    client: TemporalClientDep,
    settings: SettingsDep,
    _: CsrfChecked,
) -> Response:
    """Send the step's form through the API's pipeline, then show where the case went."""
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str) and k not in ("csrf", "kunci")}
    case, sop = await run_db(sessions, _load, nomor, officer)
    cases = registry().get(case.sop)
    if cases is None or kode not in cases.table.by_kode:
        raise NotFound(f"Langkah {kode} tidak ada pada SOP ini", code="step_not_found")
    row = cases.table.step(kode)
    fields = await run_db(sessions, fields_of, row, sop, officer)
    body, errors = parse(row, fields, form)

    async def again(status_code: int, **ctx: Any) -> Response:
        return await _page(
            request,
            officer,
            sessions,
            client,
            settings,
            nomor,
            status_code=status_code,
            nilai=values,
            **ctx,
        )

    if body is None:
        return await again(422, galat=errors)
    before = await live_or_none(client, case)
    key = form.get("kunci")
    try:
        await cases.perform(
            kode,
            nomor,
            body,
            officer,
            sessions,
            client,
            idempotency_key=key[:100] if isinstance(key, str) and key else None,
            route=f"POST /petugas/kasus/{nomor}/{kode}",
        )
    except Unprocessable as err:
        names = [f.nama for f in fields]
        where = beside(err.message, names)
        if where == UMUM and "keputusan" in names:
            where = "keputusan"  # a step's rule is about the decision
        text = err.message.split(": ", 1)[1] if ": " in err.message else err.message
        return await again(422, galat={where: label_codes(text, fields)})
    except AlurError as err:
        if err.status in (401, 404):
            raise
        said = await run_db(sessions, in_words, case, sop, kode, officer, err)
        return await again(err.status, banner=said, banner_galat=True)
    await _moved(client, case, before.task.key if before and before.task else None)
    return RedirectResponse(f"/petugas/kasus/{quote(nomor)}?terkirim={kode}", status_code=303)
