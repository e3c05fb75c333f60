"""Kabupaten Trenggalek's proposals over HTTP: a Fungsional of Diskominfo starts a proposal to use a
service application (its case and agenda number); step 1, pengumpulan_data, opens for them.
"""

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from temporalio.client import Client

from api.case_access import (
    start_case,
)
from api.cases.intake import CreateOnceDep, case_number, create_responses, new_case, open_case
from api.deps import CurrentOfficer, Services, ServicesDep
from api.errors import Forbidden
from api.idempotency import IdempotencyKey as IdempotencyKey  # for its action routes
from api.web.trail_words import WIB
from db.models import Case, Officer
from db.trenggalek.models import TrenggalekUsulan
from sop.trenggalek import TRENGGALEK
from workflows.case.text import Teks, TeksOpsional
from workflows.trenggalek.models import (
    UsulanMasuk,
)
from workflows.trenggalek.workflow import (
    CHANNEL,
    KIND,
    TrenggalekPemanfaatanAplikasiWorkflow,
    workflow_id_for,
)

router = APIRouter()


class UsulanCreate(BaseModel):
    """A new proposal to use a service application."""

    judul: Teks = Field(min_length=3, max_length=200, description="The application proposed")
    ringkasan: TeksOpsional = Field(default=None, max_length=4000)


class UsulanCreated(BaseModel):
    """The case number and the agenda book's number of the new proposal."""

    nomor_kasus: str
    nomor_agenda: str
    status: str
    langkah_sekarang: str
    tautan_jejak: str


def require_proposer(officer: Officer) -> None:
    """Only a Fungsional of Diskominfo Trenggalek starts a proposal (step 1's actor)."""
    if officer.agency != TRENGGALEK.agensi:
        raise Forbidden(
            "Usulan hanya dibuat oleh pejabat Diskominfo Trenggalek", code="wrong_agency"
        )
    if officer.role != TRENGGALEK.step("pengumpulan_data").pelaksana:
        raise Forbidden(
            f"Usulan dibuat oleh peran fungsional, bukan {officer.role}", code="wrong_role"
        )


@router.post("/usulan", status_code=201, responses=create_responses(UsulanCreated, 401, 403))
async def propose(
    body: UsulanCreate, officer: CurrentOfficer, svc: ServicesDep, once: CreateOnceDep
) -> UsulanCreated:
    """Start a proposal: its case and agenda number; step 1 (pengumpulan_data) opens for you.
    Sent again with its Idempotency-Key and the same body, it answers 200 with that proposal."""
    require_proposer(officer)
    run = lambda: start_proposal(body, officer, svc, once.response, once.key)  # noqa: E731
    return await once(body, principal=officer.username, model=UsulanCreated, run=run)


async def start_proposal(
    body: UsulanCreate,
    officer: Officer,
    svc: Services,
    response: Response,
    idempotency_key: str | None,
) -> UsulanCreated:
    """The proposal's work, once per Idempotency-Key: its case, agenda line and workflow."""
    sessions, client, settings = svc.sessions, svc.temporal, svc.settings
    number = case_number("TRG", idempotency_key, TRENGGALEK.kode, officer.username)
    unit = settings.trenggalek.kode_unit_agenda

    async def start(agenda: str) -> None:
        await _start(
            client,
            settings.task_queue,
            UsulanMasuk(
                case_number=number,
                nomor_agenda=agenda,
                judul=body.judul,
                pengusul=officer.username,
                max_rounds_per_run=settings.trenggalek.max_rounds_per_run,
            ),
        )

    agenda = await open_case(
        sessions,
        response,
        record=lambda s: _register(s, body, number, officer.username, unit),
        forget=lambda s: _forget(s, number),
        start=start,
        refused="Usulan belum dapat dibuat, coba lagi",
    )
    return UsulanCreated(
        nomor_kasus=number,
        nomor_agenda=agenda,
        status="diproses",
        langkah_sekarang="pengumpulan_data",
        tautan_jejak=f"{settings.public_base_url}/trenggalek/kasus/{number}/jejak.html",
    )


def _register(
    session: Session, body: UsulanCreate, number: str, pengusul: str, kode_unit: str
) -> tuple[bool, str]:
    """Write the case and its agenda-book line, numbered ``{nnnnn}/{kode_unit}/{year}``;
    (False, its agenda number) on a retry."""
    found = session.scalar(
        select(TrenggalekUsulan.nomor_agenda).where(TrenggalekUsulan.case_number == number)
    )
    if found is not None:
        return False, found
    case = new_case(
        TRENGGALEK,
        number,
        workflow_id_for(number),
        kind=KIND,
        channel=CHANNEL,
        subject=body.judul,
        description=body.ringkasan,
        status="diproses",
        step="pengumpulan_data",
    )
    session.add(case)
    try:
        session.flush()
        entry = TrenggalekUsulan(
            case_id=case.id, case_number=number, judul=body.judul, pengusul=pengusul
        )
        session.add(entry)
        session.flush()
        # numbered by the register's own sequence, as a clerk numbers the agenda book
        year = entry.created_at.astimezone(WIB).year
        entry.nomor_agenda = f"{entry.id:05d}/{kode_unit}/{year}"
        session.commit()
    except IntegrityError:  # the same key filed at the same moment by a concurrent retry
        session.rollback()
        again = session.scalar(
            select(TrenggalekUsulan.nomor_agenda).where(TrenggalekUsulan.case_number == number)
        )
        if again is None:
            raise
        return False, again
    return True, entry.nomor_agenda


def _forget(session: Session, number: str) -> None:
    session.execute(delete(TrenggalekUsulan).where(TrenggalekUsulan.case_number == number))
    session.execute(delete(Case).where(Case.case_number == number))
    session.commit()


async def _start(client: Client, task_queue: str, usulan: UsulanMasuk) -> None:
    summary = f"usulan aplikasi {usulan.nomor_agenda}: {usulan.case_number}"
    W = TrenggalekPemanfaatanAplikasiWorkflow
    await start_case(client, W, usulan, status="diproses", task_queue=task_queue, summary=summary)
