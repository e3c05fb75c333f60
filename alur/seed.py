"""Demo data for ``make run``: an officer for every role of every SOP's agency, the Dinas Kominfo's
operator (the one login the API's ``/codec`` decrypts Temporal payloads for), and a sample of the
population register (SIAK) loaded from its CSV export. Running it again adds only what is missing.

Never run in production: the demo officers share one published password.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alur.security import hash_password
from alur.seed_magelang import seed_magelang
from db.models import Officer, PopulationRecord
from db.session import transaction
from sop.catalogue import CATALOGUE

DEMO_PASSWORD = "alur-demo-2026"
SAMPLE_REGISTER = Path(__file__).resolve().parent.parent / "db" / "seed_data"
CITIZEN_ROLES = frozenset({"masyarakat", "warga", "warga_kota", "warga_luar_kota", "pengguna"})


@dataclass(frozen=True)
class DemoOfficer:
    """A demo login, as ``make run`` prints it."""

    username: str
    role: str
    agency: str


OPERATOR = DemoOfficer("kominfo.operator", "operator", "kominfo")
"""The operator: the role ``api/routers/codec.py`` admits (``OPERATOR_ROLE``), in an agency of its
own (no SOP's: it acts on no case, it reads every case's payloads through ``/codec``)."""
OPERATOR_NAME = "Operator Dinas Kominfo"
OPERATOR_UNIT = "Dinas Komunikasi dan Informatika"


def demo_officers() -> list[tuple[DemoOfficer, str, str]]:
    """(officer, full name, unit) for each officer role of each SOP (usernames ``<city>.<role>``),
    then the operator (``kominfo.operator``)."""
    out = []
    for sop in CATALOGUE.values():
        city = sop.agensi.split("-")[0]
        for role in sop.peran:
            if role.kode in CITIZEN_ROLES:
                continue
            officer = DemoOfficer(f"{city}.{role.kode}", role.kode, sop.agensi)
            out.append((officer, f"{role.nama} (demo)", sop.identitas.instansi))
    out.append((OPERATOR, f"{OPERATOR_NAME} (demo)", OPERATOR_UNIT))
    return out


def demo_nip(i: int) -> str:
    """A demo officer's NIP, printed where they sign: the real shape (birth date, appointment
    month, sex, serial: 18 digits) and no real person's number."""
    return f"19800101 200501 1 {i:03d}"


def seed_officers(session: Session, password: str = DEMO_PASSWORD) -> list[DemoOfficer]:
    """Add the demo officers that are missing; returns every demo officer."""
    existing = {o.username: o for o in session.scalars(select(Officer))}
    hashed = hash_password(password)
    result = []
    for i, (officer, name, unit) in enumerate(demo_officers(), start=1):
        result.append(officer)
        if officer.username in existing:
            known = existing[officer.username]
            if known.nip is None:  # seeded before officers had a NIP (migration 0011)
                known.nip = demo_nip(i)
            continue
        session.add(
            Officer(
                username=officer.username,
                full_name=name,
                password_hash=hashed,
                agency=officer.agency,
                unit=unit,
                role=officer.role,
                phone=f"+628120000{i:04d}",
                nip=demo_nip(i),
            )
        )
    return result


def load_register_csv(session: Session, path: Path) -> int:
    """Load a SIAK CSV export (header: nik, no_kk, nama, tempat_lahir, tanggal_lahir (ISO),
    jenis_kelamin (L/P), alamat, kelurahan, kecamatan, kode_wilayah); returns rows added.

    Each row must be consistent before anything is added: a NIK that could have been issued
    (``alur.nik``: a real date, a known region), of Kota Probolinggo, encoding the row's birth day,
    month, two-digit year and sex (a NIK does not say the century: a centenarian's is right). The
    NIK's kecamatan is where it was first issued, so it need not be the row's current
    kode_wilayah (a resident who moved). A bad export fails whole, naming the line (never the
    NIK), rather than loading a register registration would trust. NIKs already loaded are
    skipped, so loading the same export twice adds nothing.
    """
    from alur.nik import KOTA_PROBOLINGGO, InvalidNik, encodes_birth_date, parse_nik

    known = set(session.scalars(select(PopulationRecord.nik)))
    rows: list[PopulationRecord] = []
    today = date.today()
    with path.open(newline="", encoding="utf-8") as f:
        for line, row in enumerate(csv.DictReader(f), start=2):
            born = date.fromisoformat(row["tanggal_lahir"])
            try:
                nik = parse_nik(row["nik"], today=today)
            except InvalidNik as err:
                raise ValueError(f"{path.name} baris {line}: {err.pesan}") from err
            if not encodes_birth_date(nik, born) or nik.jenis_kelamin != row["jenis_kelamin"]:
                raise ValueError(
                    f"{path.name} baris {line}: NIK tidak sesuai tanggal lahir / jenis kelamin"
                )
            if nik.kode_kabkota != KOTA_PROBOLINGGO:
                raise ValueError(f"{path.name} baris {line}: NIK bukan NIK Kota Probolinggo")
            if nik.nik in known:
                continue
            rows.append(
                PopulationRecord(
                    nik=nik.nik,
                    no_kk=row.get("no_kk") or None,
                    nama=row["nama"],
                    tempat_lahir=row["tempat_lahir"],
                    tanggal_lahir=born,
                    jenis_kelamin=row["jenis_kelamin"],
                    alamat=row["alamat"],
                    kelurahan=row["kelurahan"],
                    kecamatan=row["kecamatan"],
                    kode_wilayah=row["kode_wilayah"],
                )
            )
            known.add(nik.nik)
    session.add_all(rows)
    return len(rows)


def seed(factory: sessionmaker[Session]) -> tuple[list[DemoOfficer], int]:
    """Seed everything in one transaction."""
    with transaction(factory) as session:
        officers = seed_officers(session)
        added = sum(
            load_register_csv(session, p) for p in sorted(SAMPLE_REGISTER.glob("penduduk_*.csv"))
        )
        seed_magelang(session)
    return officers, added


if __name__ == "__main__":
    from alur.settings import get_settings
    from db.session import make_engine, make_session_factory

    settings = get_settings()
    if settings.environment == "production":
        raise SystemExit("refusing to seed demo officers in production")
    officers, added = seed(make_session_factory(make_engine(settings.database_url)))
    print(f"{len(officers)} demo officers, {added} register rows added")  # noqa: T201
