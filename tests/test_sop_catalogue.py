"""The SOP catalogue held to the documents it was transcribed from.

Workflows take every SLA from the catalogue (``SopStep.waktu``), so a time standard typed wrong (15
menit for 15 jam, a step dropped or shifted by one) silently changes what officers are held to and
when their superiors are told. These tests read each SOP's own text under ``sop/sources/``, parse
its step table, and hold the catalogue to it: the document's step numbers, activity texts and time
standards, its SOP number and name; and they check that every actor is a role of the SOP and every
escalation chain stays inside the SOP and ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from importlib.resources import files

import pytest

from sop.catalogue import CATALOGUE
from sop.models import Sop

SOPS = list(CATALOGUE.values())
SOP_IDS = [s.kode for s in SOPS]

_TAG = re.compile(r"<[^>]+>")
_WAKTU = re.compile(r"(\d+)\s*(detik|menit|jam|hari)", re.IGNORECASE)
_HEADER = re.compile(r"\s*no\.?\tkegiatan\t", re.IGNORECASE)
_SATUAN = {"detik": "seconds", "menit": "minutes", "jam": "hours", "hari": "days"}
_NOMOR_SOP = re.compile(r"\bNomor\b[^:\t\n]*[:\t] *([^\t\n]+?)(?= Tanggal|\t|$)", re.MULTILINE)


@dataclass(frozen=True)
class Row:
    """One step row of an SOP's table as the document writes it."""

    nomor: int
    kegiatan: str
    waktu: timedelta | None
    waktu_teks: str
    teks: str
    """The whole row, cells joined, for checking that a value belongs to this step."""


def clean(text: str) -> str:
    """Text with HTML tags stripped and whitespace collapsed to single spaces."""
    return " ".join(_TAG.sub(" ", text).split())


def parse_waktu(cell: str) -> timedelta | None:
    """The duration a time-standard cell states ("15 Detik", "1 hari"), or None if it is not one."""
    m = _WAKTU.fullmatch(cell.strip())
    if m is None:
        return None
    return timedelta(**{_SATUAN[m.group(2).lower()]: int(m.group(1))})


def parse_rows(text: str) -> dict[int, Row]:
    """The step rows of the table that follows the document's "No / Kegiatan" header, by number.

    A row is one tab-separated line whose first cell is its number ("3" or "3."); the time standard
    is the one cell that reads "<number> detik|menit|jam|hari", wherever the actor columns put it.
    """
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if _HEADER.match(line))
    rows: dict[int, Row] = {}
    for line in lines[start + 1 :]:
        cells = [clean(c) for c in line.split("\t")]
        m = re.fullmatch(r"(\d+)\.?", cells[0])
        if m is None or len(cells) < 2 or all(c.isdigit() for c in cells if c):
            continue  # a header line, or the row that numbers the columns (1 2 3 ... 9)
        times = [c for c in cells[2:] if parse_waktu(c) is not None]
        assert len(times) <= 1, f"row {m.group(1)} has several time cells: {times}"
        nomor = int(m.group(1))
        assert nomor not in rows, f"step {nomor} appears twice in the table"
        rows[nomor] = Row(
            nomor=nomor,
            kegiatan=cells[1],
            waktu=parse_waktu(times[0]) if times else None,
            waktu_teks=times[0] if times else "",
            teks=" ".join(c for c in cells if c),
        )
    return rows


def source_text(sop: Sop) -> str:
    """The SOP's original text, read from the ``sop`` package's ``sources`` folder."""
    return (files("sop") / "sources" / sop.sumber).read_text(encoding="utf-8")


def test_parser_reads_time_cells_wherever_the_actor_columns_put_them() -> None:
    text = (
        "Nomor SOP\t1/2020\n"
        "No.\tKegiatan\tPelaksana\t\tMutu Baku\n"
        "\t\tKabag\tKasubag\tKelengkapan\tWaktu\tOutput\n"
        "1\t2\t3\t4\t5\t6\t7\n"
        "1.\tMenerima <b>surat</b>\t\t\tSurat\t15 Menit\tAgenda\t\n"
        "2\tMenelaah 2 jam sekali\t\tDisposisi\t1 hari\t\n"
        "3.\tLog In\t\t\tInternet,\t\tSiap\t\n"
    )
    rows = parse_rows(text)
    assert sorted(rows) == [1, 2, 3]
    assert rows[1].kegiatan == "Menerima surat"
    assert (rows[1].waktu, rows[1].waktu_teks) == (timedelta(minutes=15), "15 Menit")
    assert (rows[2].waktu, rows[2].waktu_teks) == (timedelta(days=1), "1 hari")
    assert (rows[3].waktu, rows[3].waktu_teks) == (None, "")
    assert parse_waktu("30 jam") == timedelta(hours=30)
    assert parse_waktu("15 Detik") == timedelta(seconds=15)
    assert parse_waktu("Informasi 15 menit") is None


@pytest.mark.parametrize("sop", SOPS, ids=SOP_IDS)
def test_catalogue_has_every_step_of_the_document_and_no_other(sop: Sop) -> None:
    rows = parse_rows(source_text(sop))
    assert [s.nomor for s in sop.langkah] == sorted(rows)


@pytest.mark.parametrize("sop", SOPS, ids=SOP_IDS)
def test_each_steps_time_standard_is_the_documents(sop: Sop) -> None:
    rows = parse_rows(source_text(sop))
    for step in sop.langkah:
        row = rows[step.nomor]
        assert step.waktu == row.waktu, f"{sop.kode} step {step.nomor} ({step.kode})"
        assert step.waktu_teks == row.waktu_teks, f"{sop.kode} step {step.nomor} ({step.kode})"


@pytest.mark.parametrize("sop", SOPS, ids=SOP_IDS)
def test_each_steps_text_is_the_documents(sop: Sop) -> None:
    source = clean(source_text(sop))
    rows = parse_rows(source_text(sop))
    for step in sop.langkah:
        assert step.kegiatan in source, f"{sop.kode} step {step.nomor} text is not in the document"
        assert step.kegiatan == rows[step.nomor].kegiatan, f"{sop.kode} step {step.nomor}"


@pytest.mark.parametrize("sop", SOPS, ids=SOP_IDS)
def test_each_steps_needs_and_output_come_from_its_own_row(sop: Sop) -> None:
    rows = parse_rows(source_text(sop))
    for step in sop.langkah:
        row = rows[step.nomor].teks
        for item in step.kelengkapan:
            assert item in row, f"{sop.kode} step {step.nomor}: kelengkapan {item!r}"
        assert step.output in row, f"{sop.kode} step {step.nomor}: output {step.output!r}"


@pytest.mark.parametrize("sop", SOPS, ids=SOP_IDS)
def test_steps_are_numbered_one_to_n_with_unique_codes(sop: Sop) -> None:
    assert [s.nomor for s in sop.langkah] == list(range(1, len(sop.langkah) + 1))
    codes = [s.kode for s in sop.langkah]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", c) for c in codes), codes


@pytest.mark.parametrize("sop", SOPS, ids=SOP_IDS)
def test_every_actor_is_a_role_of_the_sop(sop: Sop) -> None:
    roles = [p.kode for p in sop.peran]
    assert len(set(roles)) == len(roles)
    for step in sop.langkah:
        assert step.pelaksana in roles, f"{sop.kode} step {step.nomor}: {step.pelaksana!r}"


@pytest.mark.parametrize("sop", SOPS, ids=SOP_IDS)
def test_escalation_chains_stay_in_the_sop_and_end(sop: Sop) -> None:
    superiors = {p.kode: p.atasan for p in sop.peran}
    for role in sop.peran:
        seen = [role.kode]
        atasan = role.atasan
        while atasan is not None:
            assert atasan in superiors, f"{sop.kode}: {seen[-1]}'s atasan {atasan!r} is no role"
            assert atasan not in seen, f"{sop.kode}: escalation loops through {seen + [atasan]}"
            seen.append(atasan)
            atasan = superiors[atasan]


@pytest.mark.parametrize("sop", SOPS, ids=SOP_IDS)
def test_sop_number_and_name_are_the_documents(sop: Sop) -> None:
    text = _TAG.sub(" ", source_text(sop))
    m = _NOMOR_SOP.search(text)
    assert m is not None, f"{sop.sumber} has no SOP number"
    assert sop.identitas.nomor == re.sub(r"\s*/\s*", "/", m.group(1).strip())
    assert sop.identitas.nama in clean(text)


def test_catalogue_is_keyed_by_code_and_reads_distinct_sources() -> None:
    assert all(k == s.kode for k, s in CATALOGUE.items())
    assert len({s.sumber for s in SOPS}) == len(SOPS)
    assert len({s.identitas.nomor for s in SOPS}) == len(SOPS)
