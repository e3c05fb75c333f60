"""The SOP flowchart as PermenPAN-RB 35/2012 draws it, rendered from the catalogue: one column per
pelaksana with each step's symbol in its actor's column (capsule, box, diamond), arrows including
the revise loops, the Mutu Baku columns, and a case's progress laid over it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session, sessionmaker

from alur.settings import Settings
from api.main import create_app
from api.web import alur_sop
from api.web.flowchart import CaseProgress, StepActual, flowchart_svg, progress_from_tasks
from sop.catalogue import CATALOGUE
from sop.malang import MALANG
from sop.models import Sop
from sop.trenggalek import TRENGGALEK
from tests.browser import print_to_pdf
from tests.conftest import TEST_PAYLOAD_KEY

NS = {"s": "http://www.w3.org/2000/svg"}
T0 = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)


def _tree(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _attr(el: ET.Element, name: str) -> str:
    value = el.get(name)
    assert value is not None, f"{el.tag} has no {name}"
    return value


def _columns(root: ET.Element) -> dict[str, tuple[float, float]]:
    """Actor column code → (x, width), from the header cells."""
    return {
        _attr(c, "data-kolom"): (float(_attr(c, "data-x")), float(_attr(c, "data-lebar")))
        for c in root.iterfind(".//s:rect[@class='kolom-pelaksana']", NS)
    }


def _header_titles(root: ET.Element) -> dict[str, str]:
    return {
        _attr(t, "data-kolom"): " ".join(s.text or "" for s in t)
        for t in root.iterfind(".//s:text[@class='kepala-kolom']", NS)
    }


def _center_x(el: ET.Element) -> float:
    if el.tag.endswith("polygon"):
        xs = [float(p.split(",")[0]) for p in _attr(el, "points").split()]
        return (min(xs) + max(xs)) / 2
    return float(_attr(el, "x")) + float(_attr(el, "width")) / 2


def _main_symbols(root: ET.Element) -> dict[str, ET.Element]:
    """Each step's own symbol (not the levels of a climbing step)."""
    out = {}
    for el in root.iterfind(".//s:g[@class='simbol-simbol']/*", NS):
        classes = (el.get("class") or "").split()
        if "simbol" in classes and "jenjang" not in classes:
            out[_attr(el, "data-langkah")] = el
    return out


def _all_text(root: ET.Element) -> str:
    return " ".join(t.strip() for t in root.itertext() if t.strip())


@pytest.mark.parametrize("sop", list(CATALOGUE.values()), ids=list(CATALOGUE))
def test_every_sop_draws_one_column_per_pelaksana_with_its_symbols(sop: Sop) -> None:
    root = _tree(flowchart_svg(sop))
    cols = _columns(root)
    acting = {s.pelaksana for s in sop.langkah}
    for s in sop.langkah:
        acting.update(alur_sop.levels(sop, s))
    assert set(cols) == acting
    assert len(cols) == len(acting)  # no role drawn twice
    titles = _header_titles(root)
    for code in cols:
        assert titles[code] == sop.role(code).nama
    for code in ("no", "kegiatan", "kelengkapan", "waktu", "output", "keterangan"):
        assert code in titles
    text = _all_text(root)
    for group in ("Pelaksana", "Mutu Baku", "Kelengkapan", "Waktu", "Output", "Keterangan"):
        assert group in text

    symbols = _main_symbols(root)
    assert list(symbols) == [s.kode for s in sop.langkah]
    for s in sop.langkah:
        el = symbols[s.kode]
        x, w = cols[s.pelaksana]
        assert x < _center_x(el) < x + w, f"step {s.nomor} outside its actor's column"
        assert el.get("data-kolom") == s.pelaksana
    first, last = symbols[sop.langkah[0].kode], symbols[sop.langkah[-1].kode]
    for capsule in (first, last):
        assert "kapsul" in _attr(capsule, "class")
        assert float(_attr(capsule, "rx")) == float(_attr(capsule, "height")) / 2
    for s in sop.langkah[1:-1]:
        el = symbols[s.kode]
        if s.kode in alur_sop.alur_of(sop).keputusan:
            assert el.tag.endswith("polygon") and len(_attr(el, "points").split()) == 4
        else:
            assert el.tag.endswith("rect") and "kotak" in _attr(el, "class")
            assert float(_attr(el, "rx")) < float(_attr(el, "height")) / 2


@pytest.mark.parametrize("sop", list(CATALOGUE.values()), ids=list(CATALOGUE))
def test_mutu_baku_and_numbers_come_from_the_catalogue(sop: Sop) -> None:
    root = _tree(flowchart_svg(sop))
    cells = {
        (_attr(g, "data-langkah"), (t.get("class") or "")): " ".join(s.text or "" for s in t)
        for g in root.iterfind(".//s:g[@data-langkah]", NS)
        if "baris" in (g.get("class") or "")
        for t in g.iterfind("s:text", NS)
    }
    for s in sop.langkah:
        assert cells[(s.kode, "sel-no")] == str(s.nomor)
        assert cells[(s.kode, "sel-waktu")].startswith(s.waktu_teks or "-")
        kelengkapan = re.sub(r"\s+", " ", cells[(s.kode, "sel-kelengkapan")])
        for k in s.kelengkapan:
            assert re.sub(r"\s+", " ", k) in kelengkapan.replace("- ", "")
        assert re.sub(r"\s+", " ", s.output) in cells[(s.kode, "sel-output")] or not s.output
        kegiatan = re.sub(r"\s+", " ", s.kegiatan)
        assert cells[(s.kode, "sel-kegiatan")] == kegiatan


def _arrows(root: ET.Element) -> list[tuple[str, str, bool, str]]:
    out = []
    for g in root.iterfind(".//s:g[@class='panah-panah']/s:g", NS):
        label = g.find("s:text", NS)
        out.append(
            (
                _attr(g, "data-dari"),
                _attr(g, "data-ke"),
                "balik" in _attr(g, "class"),
                " ".join(s.text or "" for s in label) if label is not None else "",
            )
        )
        path = g.find("s:path", NS)
        assert path is not None and _attr(path, "marker-end") == "url(#panah-ujung)"
    return out


def test_malang_draws_the_review_loop_back_to_drafting() -> None:
    root = _tree(flowchart_svg(MALANG))
    arrows = _arrows(root)
    assert ("telaah", "draf_tanggapan", True, "Tidak") in arrows
    assert ("telaah", "penyampaian", False, "Ya") in arrows
    straight = [(a, b) for a, b, back, _ in arrows if not back and not _]
    assert straight == [
        ("penerimaan", "disposisi"),
        ("disposisi", "perintah"),
        ("perintah", "draf_tanggapan"),
        ("draf_tanggapan", "pengajuan_draf"),
        ("pengajuan_draf", "telaah"),
    ]
    telaah = _main_symbols(root)["telaah"]
    assert telaah.tag.endswith("polygon") and "belah-ketupat" in _attr(telaah, "class")
    assert "Tidak disetujui: draf kembali ke langkah 4" in _all_text(root)


def test_trenggalek_draws_the_leadership_climb_and_its_loop() -> None:
    root = _tree(flowchart_svg(TRENGGALEK))
    arrows = _arrows(root)
    assert ("telaah_pimpinan", "perumusan", True, "Tidak") in arrows
    assert ("telaah_pimpinan", "tindak_lanjut", False, "Ya") in arrows
    cols = _columns(root)
    levels = [
        el
        for el in root.iterfind(".//s:g[@class='simbol-simbol']/s:rect", NS)
        if "jenjang" in (el.get("class") or "")
    ]
    assert [el.get("data-kolom") for el in levels] == ["kasi", "kepala_bidang", "sekretaris"]
    for el in levels:
        x, w = cols[_attr(el, "data-kolom")]
        assert x < _center_x(el) < x + w
    diamond = _main_symbols(root)["telaah_pimpinan"]
    assert diamond.tag.endswith("polygon") and diamond.get("data-kolom") == "kepala_dinas"
    assert list(cols) == ["fungsional", "kasi", "kepala_bidang", "sekretaris", "kepala_dinas"]


def test_progress_highlights_the_current_step_and_marks_late_ones() -> None:
    progress = CaseProgress(
        sekarang="telaah",
        sekarang_terlambat=False,
        selesai={
            "penerimaan": StepActual("4 menit", terlambat=False),
            "disposisi": StepActual("1 jam 5 menit", terlambat=True),
            "draf_tanggapan": StepActual("20 menit", terlambat=True, putaran=2),
        },
    )
    root = _tree(flowchart_svg(MALANG, progress))
    symbols = _main_symbols(root)
    assert "sekarang" in _attr(symbols["telaah"], "class")
    assert _attr(symbols["telaah"], "stroke-width") == "3"
    assert "selesai" in _attr(symbols["penerimaan"], "class")
    for late in ("disposisi", "draf_tanggapan"):
        assert "terlambat" in _attr(symbols[late], "class")
    for on_time in ("penerimaan", "telaah", "perintah"):
        assert "terlambat" not in _attr(symbols[on_time], "class")
    rows = {
        _attr(g, "data-langkah"): g
        for g in root.iterfind(".//s:g[@data-langkah]", NS)
        if "baris" in (g.get("class") or "")
    }
    assert "sekarang" in _attr(rows["telaah"], "class")

    def waktu(kode: str) -> str:
        t = rows[kode].find("s:text[@class='sel-waktu']", NS)
        assert t is not None
        return " ".join(s.text or "" for s in t)

    assert waktu("penerimaan") == "15 menit Realisasi: 4 menit"
    assert waktu("disposisi").startswith("15 menit Realisasi: 1 jam 5")
    assert waktu("disposisi").endswith("Terlambat")
    assert "(2×)" in waktu("draf_tanggapan") and "Terlambat" in waktu("draf_tanggapan")
    assert waktu("telaah") == "15 menit Sedang berjalan"
    assert waktu("penyampaian") == "15 menit"
    marks = root.findall(".//s:tspan[@class='tanda-terlambat']", NS)
    assert len(marks) == 2 and all(m.get("fill") == "#b91c1c" for m in marks)
    desc = root.find("s:desc", NS)
    assert desc is not None and "sedang berjalan" in (desc.text or "")
    assert "selesai dalam 1 jam 5 menit, terlambat" in (desc.text or "")


def test_without_progress_nothing_is_highlighted() -> None:
    root = _tree(flowchart_svg(MALANG))
    assert not [
        el
        for el in root.iter()
        if {"sekarang", "selesai", "terlambat"} & set((el.get("class") or "").split())
    ]
    assert "Realisasi" not in _all_text(root)


def test_accessible_title_and_desc_and_escaped_text() -> None:
    tricky = MALANG.model_copy(
        update={
            "langkah": (
                MALANG.langkah[0].model_copy(update={"kegiatan": 'Terima <script>&"x"</script>'}),
                *MALANG.langkah[1:],
            )
        }
    )
    svg = flowchart_svg(tricky)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    root = _tree(svg)
    assert root.get("role") == "img"
    ids = (root.get("aria-labelledby") or "").split()
    title, desc = root.find("s:title", NS), root.find("s:desc", NS)
    assert title is not None and desc is not None
    assert [title.get("id"), desc.get("id")] == ids
    assert "Pengelolaan Teknologi Informasi" in (title.text or "")
    assert "pelaksana: Kasubag Pemerintahan Umum" in (desc.text or "")
    assert "Dari langkah 6, tidak: ke langkah 4." in (desc.text or "")


@dataclass
class _Task:
    step: str
    status: str
    opened_at: datetime
    completed_at: datetime | None = None
    due_at: datetime | None = None
    overdue: bool = False
    elapsed_seconds: float | None = None


def test_progress_from_tasks_sums_rounds_and_finds_late_and_current() -> None:
    m = timedelta(minutes=1)
    tasks = [
        _Task("penerimaan", "done", T0, T0 + 4 * m, T0 + 15 * m),
        _Task("disposisi", "done", T0 + 5 * m, T0 + 70 * m, T0 + 20 * m, overdue=True),
        _Task("draf_tanggapan", "done", T0, T0 + 10 * m, T0 + 15 * m, elapsed_seconds=600),
        # the second round finished after its deadline without a breach being recorded yet
        _Task("draf_tanggapan", "done", T0, T0 + 30 * m, T0 + 15 * m, elapsed_seconds=1200),
        _Task("telaah", "open", T0 + 80 * m, None, T0 + 95 * m, overdue=True),
        _Task("perintah", "cancelled", T0, T0 + m),
    ]
    p = progress_from_tasks(tasks)
    assert p.sekarang == "telaah" and p.sekarang_terlambat
    assert p.selesai["penerimaan"] == StepActual("4 menit", terlambat=False, putaran=1)
    assert p.selesai["disposisi"] == StepActual("1 jam 5 menit", terlambat=True, putaran=1)
    assert p.selesai["draf_tanggapan"] == StepActual("30 menit", terlambat=True, putaran=2)
    assert "perintah" not in p.selesai
    closed = progress_from_tasks(t for t in tasks if t.status != "open")
    assert closed.sekarang is None and not closed.sekarang_terlambat


def test_progress_from_naive_database_times() -> None:
    naive = T0.replace(tzinfo=None)
    p = progress_from_tasks([_Task("penerimaan", "done", naive, naive + timedelta(seconds=42))])
    assert p.selesai["penerimaan"].durasi == "42 detik"


def test_a_flow_naming_an_unknown_step_fails_loudly(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = alur_sop.Alur(
        keputusan=frozenset({"telaah"}), cabang=(alur_sop.Cabang("telaah", "tidak_ada", "Ya"),)
    )
    monkeypatch.setattr(alur_sop, "ALUR", {MALANG.kode: bad})
    with pytest.raises(KeyError, match="tidak_ada"):
        flowchart_svg(MALANG)


# --- the SOP document page, /petugas/sop/{kode} ---------------------------------------------------
@pytest.fixture
async def web(
    sessions: sessionmaker[Session], demo_officers: list[str]
) -> AsyncIterator[httpx.AsyncClient]:
    """The app over the test database, for pages that never reach Temporal."""
    settings = Settings(environment="test", payload_key=TEST_PAYLOAD_KEY)
    app = create_app(settings, sessions=sessions)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def _login(http: httpx.AsyncClient, username: str) -> None:
    form = await http.get("/petugas/masuk")
    token = re.search(r'name="csrf" value="([^"]+)"', form.text)
    assert token is not None
    r = await http.post(
        "/petugas/masuk",
        data={"username": username, "password": "alur-demo-2026", "csrf": token.group(1)},
    )
    assert r.status_code == 303, r.text


async def test_sop_page_needs_a_session(web: httpx.AsyncClient) -> None:
    r = await web.get("/petugas/sop/malang-pengelolaan-tik")
    assert r.status_code == 303
    assert r.headers["location"] == "/petugas/masuk?lanjut=/petugas/sop/malang-pengelolaan-tik"


@pytest.mark.parametrize("sop", list(CATALOGUE.values()), ids=list(CATALOGUE))
async def test_sop_page_re_renders_the_running_definition(
    web: httpx.AsyncClient, sop: Sop, tmp_path: Path
) -> None:
    await _login(web, "trenggalek.kasi")
    r = await web.get(f"/petugas/sop/{sop.kode}")
    assert r.status_code == 200, r.text
    html = r.text
    ident = sop.identitas
    for text in (ident.nomor, ident.nama, ident.pencatatan, *ident.dasar_hukum, *ident.peralatan):
        assert escape(text) in html, text
    for text in (*ident.kualifikasi_pelaksana, *ident.keterkaitan, ident.peringatan):
        assert escape(text) in html, text
    for role in sop.peran:
        assert escape(role.nama) in html
    svg = html[html.index("<svg") : html.index("</svg>") + len("</svg>")]
    assert svg == flowchart_svg(sop)  # the drawing of the catalogue as it runs, unescaped once
    _tree(svg)
    listing = await web.get("/petugas/sop")
    assert f'href="/petugas/sop/{sop.kode}"' in listing.text

    if sop.kode == MALANG.kode:  # what Chromium draws: the table's words are on the page
        pdf = await print_to_pdf(html, tmp_path)
        printed = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in pdf.pages))
        for words in ("Mutu Baku", "Kelengkapan", "Pengelola TIK", "Memeriksa draft", "Tidak"):
            assert words in printed, words


async def test_unknown_sop_is_a_404_page(web: httpx.AsyncClient) -> None:
    await _login(web, "malang.kabag")
    r = await web.get("/petugas/sop/tidak-ada")
    assert r.status_code == 404
    assert "SOP tidak-ada tidak ditemukan" in r.text
