"""View Probolinggo's tables on SQLite and PostgreSQL: the 0004 migration up and down, the
uniqueness an account relies on, the registration activities' idempotency and erasure, and the
register loader refusing an inconsistent export."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from temporalio.testing import ActivityEnvironment

from activities.probolinggo.draft import create_draft
from activities.probolinggo.refs import secret_key
from activities.probolinggo.registrasi import (
    BuatAkunInput,
    HapusDataInput,
    PeriksaInput,
    ProbolinggoRegistrationActivities,
)
from activities.probolinggo.siak import DbPopulationRegister
from alur.nik import make_nik
from alur.seed import load_register_csv
from db.migrate import downgrade, upgrade
from db.models import Notification, PopulationRecord
from db.probolinggo.models import ProbolinggoAccount, ProbolinggoRegistration
from db.session import make_engine, make_session_factory, transaction
from tests.db_backends import database
from workflows.probolinggo.models import StatusWarga

TABLES = {"probolinggo_registrations", "probolinggo_otp_sends", "probolinggo_accounts"}
T0 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as url:
        upgrade(url)
        yield url


@pytest.fixture
def db_engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def factory(db_engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(db_engine)


def test_0004_adds_the_tables_and_its_downgrade_removes_only_them(db_url: str) -> None:
    eng = make_engine(db_url)
    assert TABLES <= set(inspect(eng).get_table_names())
    downgrade(db_url, "0003")
    left = set(inspect(eng).get_table_names())
    assert not TABLES & left and "population_records" in left
    upgrade(db_url)
    assert TABLES <= set(inspect(eng).get_table_names())
    eng.dispose()


def _draft(factory: sessionmaker[Session], rid: str, phone: str, nik: str) -> None:
    with transaction(factory) as s:
        d = create_draft(
            s,
            registration_id=rid,
            status_warga="warga_luar_kota",
            phone=phone,
            phone_ref="p" * 64,
            client_ref="c" * 64,
            expires_at=T0 + timedelta(minutes=15),
        )
        d.password_hash = "$argon2id$v=19$m=65536,t=3,p=4$x$y"
        d.nik = nik
        d.nama, d.tempat_lahir, d.tanggal_lahir = "Rahmawati", "Malang", date(1992, 8, 4)
        d.jenis_kelamin, d.alamat = "P", "Jl. Soekarno Hatta No. 9"


def test_account_is_made_once_and_a_taken_nik_makes_none(factory: sessionmaker[Session]) -> None:
    acts = ProbolinggoRegistrationActivities(factory, DbPopulationRegister(factory), secret_key())
    env = ActivityEnvironment()
    _draft(factory, "PRB-A", "+6285712300003", "3573054408920007")
    _draft(factory, "PRB-B", "+6285712300004", "3573054408920007")
    assert env.run(acts.buat_akun, BuatAkunInput(registration_id="PRB-A", siak_terverifikasi=False))
    assert env.run(acts.buat_akun, BuatAkunInput(registration_id="PRB-A", siak_terverifikasi=False))
    taken = env.run(
        acts.buat_akun, BuatAkunInput(registration_id="PRB-B", siak_terverifikasi=False)
    )
    assert taken is False
    with factory() as s:
        assert [a.registration_id for a in s.scalars(select(ProbolinggoAccount))] == ["PRB-A"]


def test_account_phone_is_unique(factory: sessionmaker[Session]) -> None:
    def account(rid: str, nik: str) -> ProbolinggoAccount:
        return ProbolinggoAccount(
            registration_id=rid,
            phone="+6281234500001",
            nik_ref=nik,
            nik_tersamar=nik[:16],
            nama="Budi",
            tempat_lahir="Probolinggo",
            tanggal_lahir=date(1985, 3, 12),
            jenis_kelamin="L",
            alamat="Jl. Brantas No. 12",
            status_warga="warga_kota",
            password_hash="h",
        )

    with transaction(factory) as s:
        s.add(account("PRB-1", "3574011203850001"))
    with pytest.raises(IntegrityError), transaction(factory) as s:
        s.add(account("PRB-2", "3574011203850002"))


def test_erasure_empties_the_draft_and_the_otp_texts_and_can_be_retried(
    factory: sessionmaker[Session],
) -> None:
    _draft(factory, "PRB-E", "+6285712300003", "3573054408920007")
    with transaction(factory) as s:
        s.add(
            Notification(
                notification_key="probolinggo-registrasi-PRB-E/otp/1",
                case_number="PRB-E",
                purpose="otp",
                channel="sms",
                recipient="+6285712300003",
                recipient_masked="+62857****0003",
                body="[View Probolinggo] Kode OTP registrasi Anda: 123456.",
                provider="dev",
                status="delivered",
            )
        )
    acts = ProbolinggoRegistrationActivities(factory, DbPopulationRegister(factory), secret_key())
    inp = HapusDataInput(
        registration_id="PRB-E", status="kedaluwarsa", alasan="kedaluwarsa", pada=T0
    )
    ActivityEnvironment().run(acts.hapus_data, inp)
    ActivityEnvironment().run(acts.hapus_data, inp)
    with factory() as s:
        d = s.scalars(select(ProbolinggoRegistration)).one()
        sms = s.scalars(select(Notification)).one()
    assert (d.status, d.end_reason, d.erased_at) == ("kedaluwarsa", "kedaluwarsa", T0)
    assert (d.phone, d.nik, d.nama, d.password_hash, d.tanggal_lahir, d.alamat) == (None,) * 6
    assert d.phone_ref == "p" * 64  # the HMAC stays: it counts codes sent to the number
    assert sms.recipient == "+62857****0003" and "123456" not in sms.body


def test_register_loader_refuses_an_export_whose_nik_disagrees_with_the_row(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    bad = tmp_path / "penduduk_bad.csv"
    bad.write_text(
        "nik,no_kk,nama,tempat_lahir,tanggal_lahir,jenis_kelamin,alamat,kelurahan,kecamatan,"
        "kode_wilayah\n"
        "3574011203850001,,Budi,Probolinggo,1985-03-12,L,Jl. A,Pilang,Kademangan,357401\n"
        "3574011203850002,,Budi,Probolinggo,1985-03-12,P,Jl. A,Pilang,Kademangan,357401\n",
        encoding="utf-8",
    )
    with pytest.raises(ValueError, match="baris 3"), transaction(factory) as s:
        load_register_csv(s, bad)
    with factory() as s:
        assert s.scalars(select(PopulationRecord)).first() is None


_HEADER = (
    "nik,no_kk,nama,tempat_lahir,tanggal_lahir,jenis_kelamin,alamat,kelurahan,kecamatan,"
    "kode_wilayah\n"
)


def test_register_loader_takes_centenarians_and_residents_who_moved_kecamatan(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    old = make_nik("357401", date(1924, 5, 10), "P", 7)
    moved = make_nik("357401", date(1980, 1, 2), "L", 8)  # first issued in Kademangan
    export = tmp_path / "penduduk_real.csv"
    export.write_text(
        _HEADER + f"{old},,Mbah Sri,Probolinggo,1924-05-10,P,Jl. A,Ketapang,Kademangan,357401\n"
        f"{moved},,Andi,Probolinggo,1980-01-02,L,Jl. B,Kedopok,Kedopok,357405\n",
        encoding="utf-8",
    )
    with transaction(factory) as s:
        assert load_register_csv(s, export) == 2
    with factory() as s:
        rows = {r.nik: r for r in s.scalars(select(PopulationRecord))}
    assert rows[old].tanggal_lahir == date(1924, 5, 10)
    assert rows[moved].kode_wilayah == "357405"


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        # a Kota Malang NIK in the Kota Probolinggo export
        (f"{make_nik('357301', date(1980, 1, 2), 'L', 8)},,A,X,1980-01-02,L,J,K,K,357401", "bukan"),
        # same day and month, another two-digit year
        (f"{make_nik('357401', date(1925, 5, 10), 'P', 7)},,A,X,1924-05-10,P,J,K,K,357401", "tgl"),
    ],
)
def test_register_loader_still_refuses_a_foreign_nik_or_another_birth_year(
    factory: sessionmaker[Session], tmp_path: Path, row: str, problem: str
) -> None:
    export = tmp_path / "penduduk_bad.csv"
    export.write_text(_HEADER + row + "\n", encoding="utf-8")
    expected = "bukan NIK Kota Probolinggo" if problem == "bukan" else "tanggal lahir"
    with pytest.raises(ValueError, match=expected), transaction(factory) as s:
        load_register_csv(s, export)


def test_identity_check_accepts_a_centenarian_s_birth_date(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    nik = make_nik("357401", date(1924, 5, 10), "P", 7)
    export = tmp_path / "penduduk_old.csv"
    export.write_text(
        _HEADER + f"{nik},,Mbah Sri,Probolinggo,1924-05-10,P,Jl. A,Ketapang,Kademangan,357401\n",
        encoding="utf-8",
    )
    with transaction(factory) as s:
        load_register_csv(s, export)
    acts = ProbolinggoRegistrationActivities(factory, DbPopulationRegister(factory), secret_key())
    for rid, status, born in [
        ("r-kota", StatusWarga.warga_kota, date(1924, 5, 10)),
        ("r-luar", StatusWarga.warga_luar_kota, date(1924, 5, 10)),
        ("r-salah", StatusWarga.warga_kota, date(2024, 5, 10)),
    ]:
        with transaction(factory) as s:
            d = create_draft(
                s,
                registration_id=rid,
                status_warga=status.value,
                phone="+6281234500009",
                phone_ref="p" * 64,
                client_ref=None,
                expires_at=T0 + timedelta(minutes=15),
            )
            d.nik, d.nama, d.tempat_lahir, d.tanggal_lahir = nik, "Mbah Sri", "Probolinggo", born
            d.jenis_kelamin, d.alamat = "P", "Jl. A"
        inp = PeriksaInput(registration_id=rid, status_warga=status, pada=T0)
        result = ActivityEnvironment().run(acts.periksa_identitas, inp)
        if rid == "r-salah":  # the NIK's year fits, the register's date does not
            assert not result.diterima and result.tidak_sesuai == ["tanggal_lahir"]
        else:
            assert result.diterima, (rid, result)
