"""The SLA performance report drawn as a server-rendered SVG (no JavaScript, nothing from a CDN),
for the officers' web app (``/petugas/ringkasan``) to embed.

One band per row of the report (a step, in the catalogue's order, for ``per=langkah``):

- a thick bar: the share of done tasks completed within the time standard, on a 0-100 % track
  with a line at 100 % (the target every step is held to), and the percentage written beside it;
- a thin bar: the median duration against the time standard, on a track where the standard is the
  dashed line at its middle (a bar reaching it took exactly the standard; beyond the track's end,
  twice the standard or more, it stops and says so in the text);
- a line of text with the figures themselves: median, p90, time standard, breaches, open now.

Every figure the bars show is written in words too, so the chart reads without colour and in a
screen reader (``<title>`` and ``<desc>`` for the whole chart and a ``<title>`` per band).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from api.web import trail_words as words

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 760
TRACK_W = 420
BAND_H = 84
TOP = 80
JUDUL = "Kinerja langkah terhadap mutu baku"
LEGENDA = (
    "Batang tebal: persen tugas selesai dalam mutu baku (garis tegak = 100%).",
    "Batang tipis: median durasi dibanding mutu baku (garis putus-putus = mutu baku).",
)

HIJAU, KUNING, MERAH, ABU = "#2e7d32", "#a15c00", "#c62828", "#9e9e9e"


def angka(value: float, decimals: int = 1) -> str:
    """A number as Indonesians write it: decimal comma, no trailing zeros (66,7; 80)."""
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def durasi(seconds: float) -> str:
    """A duration in words: "5 menit", "1 jam 30 menit", "50 detik", "2 hari 3 jam"."""
    return words.durasi(seconds, satuan=3)


def _pendek(text: str, limit: int = 96) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _as_dict(row: Mapping[str, Any] | BaseModel) -> Mapping[str, Any]:
    return row.model_dump() if isinstance(row, BaseModel) else row


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: Any) -> ET.Element:
    el = ET.SubElement(
        parent,
        f"{{{SVG_NS}}}{tag}",
        {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items()},
    )
    if text is not None:
        el.text = text
    return el


def _warna(persen: float | None) -> str:
    if persen is None:
        return ABU
    return HIJAU if persen >= 90 else KUNING if persen >= 70 else MERAH


def _band(svg: ET.Element, y: int, row: Mapping[str, Any]) -> str:
    """Draw one row's band at ``y``; returns its sentence for the chart's description."""
    nomor = row.get("nomor_langkah")
    nama = str(row.get("nama") or row.get("kode") or "-")
    label = f"{nomor}. {_pendek(nama)}" if nomor else _pendek(nama)
    persen = row.get("persen_tepat_waktu")
    median = row.get("durasi_median_detik")
    p90 = row.get("durasi_p90_detik")
    standard = row.get("mutu_baku_detik")

    if persen is not None:
        pct_text = f"{angka(persen)}% tepat waktu"
    elif row.get("selesai"):
        pct_text = "tanpa batas waktu"  # done, but no done task had a deadline
    else:
        pct_text = "belum ada yang selesai"
    figures = []
    if median is not None:
        figures.append(f"median {durasi(median)}")
    if p90 is not None:
        figures.append(f"p90 {durasi(p90)}")
    if row.get("mutu_baku"):
        figures.append(f"mutu baku {row['mutu_baku']}")
    figures.append(f"{row.get('terlampaui', 0)} terlampaui")
    figures.append(f"{row.get('terbuka', 0)} terbuka")
    detail = " · ".join(figures)
    sentence = f"{label}: {pct_text}; {detail}."

    g = _el(svg, "g", class_="baris")
    _el(g, "title", sentence)
    _el(g, "text", label, x=0, y=y + 14, font_size=13, font_weight="bold")

    # share on time, against the 100 % line
    _el(g, "rect", x=0, y=y + 22, width=TRACK_W, height=18, fill="#eeeeee")
    if persen is not None:
        width = round(TRACK_W * max(0.0, min(float(persen), 100.0)) / 100, 1)
        _el(g, "rect", x=0, y=y + 22, width=width, height=18, fill=_warna(persen))
    _el(g, "line", x1=TRACK_W, x2=TRACK_W, y1=y + 18, y2=y + 44, stroke="#000")
    _el(g, "text", pct_text, x=TRACK_W + 10, y=y + 36, font_size=12)

    # median against the time standard (the standard at the track's middle)
    if median is not None and standard:
        ratio = min(float(median) / float(standard), 2.0)
        _el(g, "rect", x=0, y=y + 46, width=TRACK_W, height=8, fill="#f5f5f5")
        colour = HIJAU if ratio <= 1 else MERAH
        _el(g, "rect", x=0, y=y + 46, width=round(TRACK_W / 2 * ratio, 1), height=8, fill=colour)
        mid = TRACK_W / 2
        _el(g, "line", x1=mid, x2=mid, y1=y + 43, y2=y + 57, stroke="#000", stroke_dasharray="3 2")
        share = angka(100 * float(median) / float(standard), 0)
        _el(g, "text", f"median {share}% dari mutu baku", x=TRACK_W + 10, y=y + 55, font_size=11)
    _el(g, "text", detail, x=0, y=y + 72, font_size=12, fill="#333")
    return sentence


def kinerja_svg(rows: Iterable[Mapping[str, Any] | BaseModel], *, judul: str = JUDUL) -> str:
    """The report's rows (``LaporanKinerja.baris``, as models or their JSON) as one SVG document:
    per row, the share within the time standard against 100 % and the median against the
    standard, every figure also in words. An empty report draws its title and says so."""
    data = [_as_dict(r) for r in rows]
    height = TOP + BAND_H * max(len(data), 1) + 16
    ET.register_namespace("", SVG_NS)
    svg = ET.Element(
        f"{{{SVG_NS}}}svg",
        {
            "width": str(WIDTH),
            "height": str(height),
            "viewBox": f"0 0 {WIDTH} {height}",
            "role": "img",
            "aria-labelledby": "kinerja-judul kinerja-ket",
            "font-family": "sans-serif",
        },
    )
    _el(svg, "title", judul, id="kinerja-judul")
    desc = _el(svg, "desc", id="kinerja-ket")
    _el(svg, "text", judul, x=0, y=20, font_size=16, font_weight="bold")
    for i, line in enumerate(LEGENDA):
        _el(svg, "text", line, x=0, y=38 + 14 * i, font_size=11, fill="#333")
    _el(svg, "text", "0%", x=0, y=TOP - 4, font_size=11, fill="#555")
    _el(svg, "text", "100%", x=TRACK_W, y=TOP - 4, font_size=11, fill="#555", text_anchor="middle")
    sentences = [_band(svg, TOP + i * BAND_H, row) for i, row in enumerate(data)]
    if not sentences:
        _el(svg, "text", "Belum ada tugas pada periode ini.", x=0, y=TOP + 20, font_size=13)
        sentences = ["Belum ada tugas pada periode ini."]
    desc.text = " ".join((*LEGENDA, *sentences))
    return ET.tostring(svg, encoding="unicode")
