"""Helpers for View Probolinggo registration tests: the sample register, a draft as the API writes
it, the workflow's updates, the OTP read from the notification log (as a developer reads it from
the dev outbox), and readers of what is left in the database afterwards."""

from __future__ import annotations

import csv
import re
import secrets
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

from google.protobuf.message import Message
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHandle, WorkflowHistory

from activities.probolinggo.draft import create_draft, running_draft, set_identity, set_nik
from activities.probolinggo.refs import client_ref, nik_ref, otp_proof, phone_ref, secret_key
from alur.masking import mask_nik
from alur.nik import parse_nik
from alur.security import hash_password
from alur.seed import SAMPLE_REGISTER, load_register_csv
from db.models import AuditEvent, Case, Notification
from db.probolinggo.models import ProbolinggoAccount, ProbolinggoRegistration
from db.session import transaction
from workflows.probolinggo.models import (
    AturanRegistrasi,
    HasilRegistrasi,
    Isian,
    Jawaban,
    KodeOtp,
    RegistrasiMasuk,
    StatusWarga,
)
from workflows.probolinggo.workflow import ProbolinggoRegistrasiWorkflow, workflow_id_for

W = ProbolinggoRegistrasiWorkflow
Handle = WorkflowHandle[ProbolinggoRegistrasiWorkflow, HasilRegistrasi]

PASSWORD = "Sandi-Rahasia-2026"
CLIENT = "203.0.113.7"


class Person:
    """A registrant: a synthetic resident from the sample register, or a non-resident."""

    def __init__(
        self,
        *,
        nik: str,
        nama: str,
        tempat_lahir: str,
        tanggal_lahir: date,
        jenis_kelamin: str,
        alamat: str,
        phone: str,
    ) -> None:
        self.nik = nik
        self.nama = nama
        self.tempat_lahir = tempat_lahir
        self.tanggal_lahir = tanggal_lahir
        self.jenis_kelamin = jenis_kelamin
        self.alamat = alamat
        self.phone = phone

    def identity(self, **changes: Any) -> dict[str, Any]:
        data = {
            "nama": self.nama,
            "tempat_lahir": self.tempat_lahir,
            "tanggal_lahir": self.tanggal_lahir,
            "jenis_kelamin": self.jenis_kelamin,
            "alamat": self.alamat,
        }
        data.update(changes)
        return data


RESIDENT = Person(
    nik="3574011203850001",
    nama="Budi Santoso",
    tempat_lahir="Probolinggo",
    tanggal_lahir=date(1985, 3, 12),
    jenis_kelamin="L",
    alamat="Jl. Brantas No. 12",
    phone="+6281234500001",
)
"""Row 1 of the sample register (Kademangan, 35.74.01)."""

RESIDENT_2 = Person(
    nik="3574056507900002",
    nama="Siti Aminah",
    tempat_lahir="Probolinggo",
    tanggal_lahir=date(1990, 7, 25),
    jenis_kelamin="P",
    alamat="Jl. Anggrek No. 5",
    phone="+6281234500002",
)
"""Row 2 of the sample register (Kedopok, 35.74.05): a woman, day 25 + 40 in the NIK."""

NON_RESIDENT = Person(
    nik="3573054408920007",
    nama="Rahmawati",
    tempat_lahir="Malang",
    tanggal_lahir=date(1992, 8, 4),
    jenis_kelamin="P",
    alamat="Jl. Soekarno Hatta No. 9, Malang",
    phone="+6285712300003",
)
"""A Kota Malang NIK (35.73.05 Lowokwaru), not in Probolinggo's register."""


def new_id() -> str:
    return f"PRB-{secrets.token_hex(6).upper()}"


def sample_residents() -> list[Person]:
    """Every row of the sample register as a registrant, each with a number of their own
    (``+62812345000NN``, NN the row: rows 1 and 2 are ``RESIDENT`` and ``RESIDENT_2``)."""
    with (SAMPLE_REGISTER / "penduduk_probolinggo_sample.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [
        Person(
            nik=row["nik"],
            nama=row["nama"],
            tempat_lahir=row["tempat_lahir"],
            tanggal_lahir=date.fromisoformat(row["tanggal_lahir"]),
            jenis_kelamin=row["jenis_kelamin"],
            alamat=row["alamat"],
            phone=f"+62812345000{n:02d}",
        )
        for n, row in enumerate(rows, start=1)
    ]


def add_unverified_account(
    sessions: sessionmaker[Session], *, nik: str, phone: str, registration_id: str = "PRB-UNVERIF"
) -> None:
    """An account of ``nik`` the register never vouched for (``siak_terverifikasi`` false), as a
    non-resident registration made it before a Kota Probolinggo NIK had to pass SIAK; someone
    else's name, number and password."""
    with transaction(sessions) as s:
        s.add(
            ProbolinggoAccount(
                registration_id=registration_id,
                phone=phone,
                nik_ref=nik_ref(secret_key(), nik),
                nik_tersamar=mask_nik(nik),
                nama="Penyamar",
                tempat_lahir="Malang",
                tanggal_lahir=parse_nik(nik, today=date.today()).tanggal_lahir,
                jenis_kelamin=parse_nik(nik, today=date.today()).jenis_kelamin,
                alamat="Jl. Lain No. 1, Malang",
                status_warga="warga_luar_kota",
                siak_terverifikasi=False,
                password_hash=hash_password("Sandi-Penyamar-2026"),
            )
        )


def seed_register(sessions: sessionmaker[Session]) -> None:
    with transaction(sessions) as s:
        load_register_csv(s, SAMPLE_REGISTER / "penduduk_probolinggo_sample.csv")


def open_draft(
    sessions: sessionmaker[Session],
    registration_id: str,
    status_warga: StatusWarga,
    phone: str,
    *,
    client: str = CLIENT,
) -> None:
    """What the API writes (``registrasi`` and ``kata_sandi``) before the workflow acts."""
    key = secret_key()
    with transaction(sessions) as s:
        draft = create_draft(
            s,
            registration_id=registration_id,
            status_warga=status_warga.value,
            phone=phone,
            phone_ref=phone_ref(key, phone),
            client_ref=client_ref(key, client),
            expires_at=datetime.now(UTC) + timedelta(minutes=15),
        )
        draft.password_hash = hash_password(PASSWORD)


def write_nik(sessions: sessionmaker[Session], registration_id: str, nik: str) -> None:
    with transaction(sessions) as s:
        draft = running_draft(s, registration_id)
        assert draft is not None
        set_nik(draft, nik)


def write_identity(sessions: sessionmaker[Session], registration_id: str, **data: Any) -> None:
    with transaction(sessions) as s:
        draft = running_draft(s, registration_id)
        assert draft is not None
        set_identity(draft, **data)


async def start(
    client: Client,
    queue: str,
    sessions: sessionmaker[Session],
    status_warga: StatusWarga,
    phone: str,
    aturan: AturanRegistrasi | None = None,
) -> Handle:
    """A registration with its draft, waiting on kata_sandi; held to ``aturan`` when given (else
    the input carries no limits, as before they were settings, and the defaults apply)."""
    registration_id = new_id()
    open_draft(sessions, registration_id, status_warga, phone)
    inp = RegistrasiMasuk(registration_id=registration_id, status_warga=status_warga)
    if aturan is not None:
        inp.aturan = aturan
    return await client.start_workflow(
        W.run,
        inp,
        id=workflow_id_for(registration_id),
        task_queue=queue,
    )


def reg_id(handle: Handle) -> str:
    return handle.id.removeprefix("probolinggo-registrasi-")


def otp_messages(sessions: sessionmaker[Session], registration_id: str) -> list[Notification]:
    with sessions() as s:
        q = select(Notification).where(
            Notification.case_number == registration_id, Notification.purpose == "otp"
        )
        return list(s.scalars(q.order_by(Notification.id)))


def latest_code(sessions: sessionmaker[Session], registration_id: str) -> str:
    """The code in the last OTP SMS of the registration (the dev outbox)."""
    messages = otp_messages(sessions, registration_id)
    assert messages, "no OTP was sent"
    found = re.search(r"\b(\d{6})\b", messages[-1].body)
    assert found is not None, messages[-1].body
    return found.group(1)


def proof(registration_id: str, code: str) -> KodeOtp:
    return KodeOtp(bukti=otp_proof(secret_key(), registration_id, code))


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def set_password(handle: Handle) -> Jawaban:
    return await handle.execute_update(W.kata_sandi, Isian())


async def enter_otp(
    handle: Handle, sessions: sessionmaker[Session], code: str | None = None
) -> Jawaban:
    rid = reg_id(handle)
    return await handle.execute_update(W.otp, proof(rid, code or latest_code(sessions, rid)))


async def enter_nik(handle: Handle, sessions: sessionmaker[Session], nik: str) -> Jawaban:
    write_nik(sessions, reg_id(handle), nik)
    return await handle.execute_update(W.nik, Isian())


async def enter_identity(handle: Handle, sessions: sessionmaker[Session], **data: Any) -> Jawaban:
    write_identity(sessions, reg_id(handle), **data)
    return await handle.execute_update(W.identitas, Isian())


async def register(
    handle: Handle, sessions: sessionmaker[Session], person: Person
) -> tuple[Jawaban, HasilRegistrasi]:
    """The straight path from kata_sandi to the account."""
    assert (await set_password(handle)).hasil == "terkirim"
    assert (await enter_otp(handle, sessions)).hasil == "diterima"
    assert (await enter_nik(handle, sessions, person.nik)).hasil == "diterima"
    answer = await enter_identity(handle, sessions, **person.identity())
    return answer, await handle.result()


def draft_row(sessions: sessionmaker[Session], registration_id: str) -> ProbolinggoRegistration:
    with sessions() as s:
        return s.scalars(
            select(ProbolinggoRegistration).where(
                ProbolinggoRegistration.registration_id == registration_id
            )
        ).one()


def accounts(sessions: sessionmaker[Session]) -> list[ProbolinggoAccount]:
    with sessions() as s:
        return list(s.scalars(select(ProbolinggoAccount).order_by(ProbolinggoAccount.id)))


def audit(sessions: sessionmaker[Session], registration_id: str, *events: str) -> list[AuditEvent]:
    with sessions() as s:
        q = select(AuditEvent).where(AuditEvent.case_number == registration_id)
        if events:
            q = q.where(AuditEvent.event.in_(events))
        return list(s.scalars(q.order_by(AuditEvent.id)))


def case_row(sessions: sessionmaker[Session], registration_id: str) -> Case:
    with sessions() as s:
        return s.scalars(select(Case).where(Case.case_number == registration_id)).one()


def assert_erased(draft: ProbolinggoRegistration) -> None:
    """No personal data left in the draft."""
    assert draft.erased_at is not None
    personal = (
        draft.phone,
        draft.password_hash,
        draft.otp_hash,
        draft.nik,
        draft.nama,
        draft.tempat_lahir,
        draft.tanggal_lahir,
        draft.jenis_kelamin,
        draft.alamat,
        draft.client_ref,
    )
    assert personal == (None,) * len(personal)


def payloads(message: Message) -> Iterator[Payload]:
    """Every Payload anywhere inside a protobuf message (a history event)."""
    for field, value in message.ListFields():
        if field.message_type is None:
            continue
        if isinstance(value, Message):
            items = [value]
        elif field.message_type.GetOptions().map_entry:
            items = list(value.values())
        else:
            items = list(value)
        for item in items:
            if not isinstance(item, Message):
                continue
            if isinstance(item, Payload):
                yield item
            else:
                yield from payloads(item)


PATCH_MARKER = "core_patch"
"""The SDK's marker for ``workflow.patched``: its one payload is the patch's name, written by the
SDK itself (outside the payload codec) so that any worker can replay it."""


def by_encryption(history: WorkflowHistory) -> tuple[list[Payload], list[Payload]]:
    """The history's payloads that carry workflow data (inputs, results, updates, signals,
    activities), split into encrypted and clear. Left out, as they must be readable by the server
    or the SDK: the search attributes (case number, step, status), the local-activity markers'
    bookkeeping (``data``: sequence, attempt, activity type, times) and patch markers (the
    patch's name)."""
    sealed: list[Payload] = []
    clear: list[Payload] = []
    for e in history.events:
        if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            continue
        if e.event_type == EventType.EVENT_TYPE_MARKER_RECORDED:
            marker = e.marker_recorded_event_attributes
            if marker.marker_name == PATCH_MARKER:
                continue
            found = [x for k, v in marker.details.items() if k != "data" for x in v.payloads]
        else:
            found = list(payloads(e))
        for x in found:
            (sealed if x.metadata["encoding"] == b"binary/encrypted" else clear).append(x)
    return sealed, clear
