"""The trail in words: every event the system writes named in Indonesian, steps by the catalogue's
words, roles by their titles, people by their full names, times in WIB with the day, refusal
reasons with their codes turned into names, and no raw code left in any line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from api.web import trail_words as w
from sop.malang import MALANG
from sop.trenggalek import TRENGGALEK

AT = datetime(2026, 11, 30, 7, 5, tzinfo=UTC)  # Monday 14.05 in WIB


@dataclass
class _Event:
    event: str
    step: str | None = None
    round: int | None = None
    actor: str | None = None
    actor_role: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    at: datetime = AT


@dataclass
class _Officer:
    username: str
    full_name: str
    role: str


OFFICERS = [
    _Officer("malang.kasubag", "Siti Rahayu, S.Kom.", "kasubag"),
    _Officer("malang.pelaksana", "Agus Prasetyo", "pelaksana"),
    _Officer("malang.kabag", "Drs. Hadi Susanto", "kabag"),
]
NAMES = w.Nama.of(MALANG, OFFICERS)


def test_times_in_wib_with_the_day_name() -> None:
    assert w.waktu_wib(AT) == "Senin, 30 November 2026 14.05 WIB"
    assert w.waktu_wib(AT.replace(tzinfo=None)) == "Senin, 30 November 2026 14.05 WIB"  # UTC
    assert w.waktu_wib(datetime(2026, 12, 31, 17, 30, tzinfo=UTC)) == (
        "Jumat, 1 Januari 2027 00.30 WIB"
    )
    assert w.tanggal(datetime(2026, 12, 1, 3, 0, tzinfo=UTC)) == "1 Desember 2026"


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "0 detik"),
        (42.4, "42 detik"),
        (60, "1 menit"),
        (12 * 60 + 59, "12 menit"),
        (3900, "1 jam 5 menit"),
        (2 * 86400 + 3 * 3600 + 7 * 60, "2 hari 3 jam"),
    ],
)
def test_durations_in_words(seconds: float, words: str) -> None:
    assert w.durasi(seconds) == words


ARG = r'(?:"[a-z_]+"|[^,()"]+)'
"""A positional argument before the event: a step code literal or an expression."""
CALLS = (
    re.compile(rf'\.(?:audit|entry)\(\s*{ARG},\s*{ARG},\s*"([a-z_]+)"'),  # CaseTrail
    re.compile(rf'_steps\.(?:audit|entry)\(\s*{ARG},\s*"([a-z_]+)"'),  # Probolinggo's steps
    re.compile(r'_catat\(\s*"([a-z_]+)"'),  # MAGESTY's account
    re.compile(r'event="([a-z_]+)"'),  # rows written by the API and activities
)
DYNAMIC = {
    # f"kasus_{status}", f"survei_{status}", f"registrasi_{status}", f"akun_{status}"
    *(f"kasus_{s}" for s in ("selesai", "ditolak", "ditutup")),
    "survei_terjawab",
    "survei_tidak_dijawab",
    *(f"registrasi_{s}" for s in ("selesai", "gagal", "kedaluwarsa")),
    *(f"akun_{s}" for s in ("kedaluwarsa", "gagal")),
}


def _codes_in_source() -> set[str]:
    """Every event name the workflows, activities and API write as a literal."""
    root = Path(__file__).resolve().parent.parent
    found: set[str] = set()
    for folder in ("workflows", "activities", "api"):
        for path in (root / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for call in CALLS:
                found.update(call.findall(text))
    return found


def test_every_event_written_anywhere_has_its_words() -> None:
    events = _codes_in_source()
    assert {"aksi_diterima", "aksi_ditolak", "eskalasi", "sla_terlampaui", "otp_salah"} <= events
    assert {"kontak_dihapus", "informasi_terbit", "aktivasi_salah"} <= events
    for code in events | DYNAMIC:
        assert code in w.PERISTIWA, code
    assert w.nama_peristiwa("aksi_diterima") == "Aksi diterima"
    assert w.nama_peristiwa("sla_terlampaui") == "Melewati mutu baku waktu"
    assert w.nama_peristiwa("sesuatu_baru") == "Sesuatu baru"  # never the raw code


def test_steps_and_roles_by_the_catalogue() -> None:
    assert w.nama_langkah(MALANG, "telaah") == "6. Memeriksa draft."
    assert w.nama_langkah(MALANG, "penerimaan").startswith("1. Bagian Pemerintahan menerima")
    assert len(w.nama_langkah(MALANG, "penerimaan")) <= 94
    assert w.nama_langkah(MALANG, None) == ""
    assert w.nama_peran(MALANG, "kasubag") == "Kasubag Pemerintahan Umum"
    assert w.nama_peran(TRENGGALEK, "kepala_dinas") == "Kepala Dinas Komunikasi dan Informatika"
    assert w.nama_peran(MALANG, "masyarakat") == "Masyarakat"
    assert w.nama_peran(MALANG, "peran_baru") == "Peran baru"


def test_an_accepted_disposition_names_the_person_it_goes_to() -> None:
    line = w.baris(
        _Event(
            "aksi_diterima",
            "disposisi",
            1,
            "malang.kabag",
            "kabag",
            {"kasubag": "malang.kasubag", "instruksi": "Tindak lanjuti segera"},
        ),
        NAMES,
    )
    assert line.waktu_teks == "Senin, 30 November 2026 14.05 WIB"
    assert line.peristiwa == "Aksi diterima"
    assert line.langkah.startswith("2. Kepala Bagian menerima informasi")
    assert (line.pelaku, line.jabatan) == ("Drs. Hadi Susanto", "Kabag Pemerintahan")
    assert line.keterangan == (
        "Ditujukan kepada Siti Rahayu, S.Kom. (Kasubag Pemerintahan Umum); "
        "Instruksi: Tindak lanjuti segera"
    )
    assert not line.terlambat and not line.ditolak


def test_a_review_sent_back_says_so_with_its_note() -> None:
    line = w.baris(
        _Event(
            "aksi_diterima",
            "telaah",
            1,
            "malang.kasubag",
            "kasubag",
            {"setuju": False, "keputusan": "revisi", "catatan": "Sebut tanggal_perbaikan"},
        ),
        NAMES,
    )
    # the note is what the officer typed: kept as written, even a word that looks like a code
    assert line.keterangan == "Dikembalikan untuk diperbaiki; Catatan: Sebut tanggal_perbaikan"


def test_a_refusal_reason_reads_without_codes() -> None:
    line = w.baris(
        _Event(
            "aksi_ditolak",
            "perintah",
            None,
            "malang.pelaksana",
            "pelaksana",
            {"alasan": "Langkah perintah dilakukan oleh peran kasubag, bukan pelaksana"},
        ),
        NAMES,
    )
    assert line.ditolak
    assert line.keterangan == (
        "Alasan penolakan: Langkah «3. Memerintahkan Pelaksana untuk menyiapkan materi atau "
        "bahan sebagai tanggapan» dilakukan oleh peran Kasubag Pemerintahan Umum, bukan "
        "Pelaksana (staf Subbagian)"
    )
    assigned = w.baris(
        _Event("aksi_ditolak", "telaah", 1, "malang.kabag", "kabag",
               {"alasan": "Tugas ini ditujukan kepada malang.kasubag"}),
        NAMES,
    )  # fmt: skip
    assert assigned.keterangan == (
        "Alasan penolakan: Tugas ini ditujukan kepada Siti Rahayu, S.Kom."
    )


def test_a_breach_and_a_late_step_are_marked() -> None:
    breach = w.baris(
        _Event(
            "sla_terlampaui",
            "telaah",
            2,
            detail={
                "batas_waktu": "2026-11-30T07:20:00+00:00",
                "mutu_baku": "15 menit",
                "pelaksana": "kasubag",
            },
        ),
        NAMES,
    )
    assert breach.terlambat and breach.peristiwa == "Melewati mutu baku waktu"
    assert breach.pelaku == "Sistem Alur" and breach.jabatan == ""
    assert breach.keterangan == (
        "Mutu baku 15 menit; batas Senin, 30 November 2026 14.20 WIB; "
        "pelaksana Kasubag Pemerintahan Umum"
    )
    done = w.baris(
        _Event(
            "langkah_selesai",
            "telaah",
            2,
            "malang.kasubag",
            "kasubag",
            {"durasi_detik": 1500.0, "tepat_waktu": False},
        ),
        NAMES,
    )
    assert done.terlambat and done.keterangan == "Selesai dalam 25 menit; melewati mutu baku waktu"
    on_time = w.baris(
        _Event("langkah_selesai", "telaah", 3, detail={"durasi_detik": 30, "tepat_waktu": True}),
        NAMES,
    )
    assert not on_time.terlambat and on_time.keterangan == "Selesai dalam 30 detik; tepat waktu"


def test_escalation_and_unknown_people() -> None:
    line = w.baris(
        _Event("eskalasi", "telaah", 1, detail={"kepada_peran": "kabag", "terkirim": 2}), NAMES
    )
    assert line.keterangan == "Diberitahukan kepada Kabag Pemerintahan; 2 pesan terkirim"
    gone = w.baris(_Event("aksi_diterima", "perintah", 1, "malang.pensiun", "kasubag"), NAMES)
    assert gone.pelaku == "Petugas tidak dikenal"  # never the username
    assert gone.jabatan == "Kasubag Pemerintahan Umum"


def test_a_whole_trail_has_no_raw_code() -> None:
    events = [
        _Event("kasus_dibuka", detail={"jenis": "pengaduan"}),
        _Event("langkah_dimulai", "penerimaan", 1),
        _Event("aksi_diterima", "penerimaan", 1, "malang.kabag", "kabag",
               {"keputusan": "teruskan"}),
        _Event("aksi_ditolak", "disposisi", None, "malang.pelaksana", "pelaksana",
               {"alasan": "Kasus sedang di langkah disposisi, bukan draf_tanggapan"}),
        _Event("notifikasi_warga", detail={"tujuan": "tanggapan", "terkirim": True}),
        _Event("kasus_selesai", detail={"alasan": None}),
    ]  # fmt: skip
    lines = w.jejak_kata(events, OFFICERS, MALANG)
    text = " ".join(
        f"{ln.waktu_teks} {ln.peristiwa} {ln.langkah} {ln.pelaku} {ln.jabatan} {ln.keterangan}"
        for ln in lines
    )
    for code in ("kasus_dibuka", "draf_tanggapan", "malang.", "pelaksana,", "_"):
        assert code not in text, code
    assert [ln.peristiwa for ln in lines] == [
        "Kasus dibuka",
        "Langkah dimulai",
        "Aksi diterima",
        "Aksi ditolak",
        "Pemberitahuan kepada warga",
        "Kasus selesai",
    ]
