"""Kota Malang's intake over HTTP: a citizen files a complaint, suggestion or information request
(step 1's input) and gets its case number; the workflow starts at penerimaan.
"""

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from temporalio.client import Client

from alur.phones import normalize_mobile
from api.case_access import start_case
from api.cases.intake import CreateOnceDep, case_number, create_responses, new_case, open_case
from api.deps import ServicesDep
from api.idempotency import PUBLIK
from api.idempotency import IdempotencyKey as IdempotencyKey  # for its action routes
from db.models import Case, CaseContact
from sop.malang import MALANG
from workflows.case.text import Teks, TeksOpsional
from workflows.malang.models import JenisLaporan, Kanal, LaporanMasuk
from workflows.malang.workflow import MalangPengelolaanTIKWorkflow, workflow_id_for

router = APIRouter()


class KontakWarga(BaseModel):
    """How the citizen wants the answer; leave it out to report anonymously."""

    nama: TeksOpsional = Field(default=None, max_length=200)
    telepon: str | None = Field(default=None, description="Indonesian mobile number")
    email: str | None = Field(default=None, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    kanal_balasan: Literal["sms", "whatsapp"] = "sms"

    @field_validator("telepon")
    @classmethod
    def _mobile(cls, value: str | None) -> str | None:
        return normalize_mobile(value) if value else None


class LaporanCreate(BaseModel):
    """A complaint, suggestion or information request as it comes in."""

    jenis: JenisLaporan
    kanal: Kanal
    judul: Teks = Field(min_length=3, max_length=200)
    isi: Teks = Field(min_length=3, max_length=10000)
    kontak: KontakWarga | None = None


class LaporanCreated(BaseModel):
    """The case number the citizen follows the case with."""

    nomor_kasus: str
    status: str
    anonim: bool
    tautan_publik: str


@router.post("/laporan", status_code=201, responses=create_responses(LaporanCreated))
async def file_report(body: LaporanCreate, svc: ServicesDep, once: CreateOnceDep) -> LaporanCreated:
    """Step 1's intake: file a pengaduan, saran or permintaan informasi and get its case number
    (a retried Idempotency-Key with the same body gets the same case, 200)."""

    async def run() -> LaporanCreated:
        number = case_number("MLG", once.key, MALANG.kode)
        await open_case(
            svc.sessions,
            once.response,
            record=lambda s: (_record_intake(s, body, number), number),
            forget=lambda s: _forget_intake(s, number),
            start=lambda n: _start(svc.temporal, svc.settings.task_queue, body, n),
            refused="Laporan belum dapat diterima, coba lagi",
        )
        return LaporanCreated(
            nomor_kasus=number,
            status="diterima",
            anonim=body.kontak is None or not body.kontak.telepon,
            tautan_publik=f"{svc.settings.public_base_url}/publik/kasus/{number}",
        )

    return await once(body, principal=PUBLIK, model=LaporanCreated, run=run)


def _record_intake(session: Session, body: LaporanCreate, number: str) -> bool:
    """Write the case and its contact; False when this number was filed before (a retry)."""
    if session.scalar(select(Case.id).where(Case.case_number == number)) is not None:
        return False
    case = new_case(
        MALANG,
        number,
        workflow_id_for(number),
        kind=body.jenis.value,
        channel=body.kanal.value,
        subject=body.judul,
        description=body.isi,
        status="diterima",
        step="penerimaan",
    )
    if body.kontak is not None:
        case.contact = CaseContact(
            name=body.kontak.nama,
            phone=body.kontak.telepon,
            email=body.kontak.email,
            reply_channel=body.kontak.kanal_balasan,
        )
    session.add(case)
    try:
        session.commit()
    except IntegrityError:  # the same key filed at the same moment by a concurrent retry
        session.rollback()
        return False
    return True


def _forget_intake(session: Session, number: str) -> None:
    session.execute(delete(Case).where(Case.case_number == number))
    session.commit()


async def _start(client: Client, task_queue: str, body: LaporanCreate, number: str) -> None:
    await start_case(
        client,
        MalangPengelolaanTIKWorkflow,
        LaporanMasuk(
            case_number=number,
            ada_kontak=bool(body.kontak and body.kontak.telepon),
            **body.model_dump(include={"jenis", "kanal", "judul", "isi"}),
        ),
        status="diterima",
        task_queue=task_queue,
        summary=f"{body.jenis.value} via {body.kanal.value}: {number}",
    )
