"""HTML pages of the Trenggalek SOP: the printable document trail a clerk can file (a naskah dinas
on A4: kop, place and date, the Kepala Dinas's signature, page numbers), and the public page of an
approved application.

Plain string building with ``html.escape`` on every value that comes from a request or the
database (proposal texts, notes and names are typed by people): no template engine needed for two
pages, and no value reaches the page unescaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from api.trenggalek.trail import JejakRead, wib
from api.web.trail_words import nama_langkah
from sop.trenggalek import TRENGGALEK

_STYLE = """
body { font-family: "Times New Roman", serif; font-size: 11pt; margin: 2em; color: #000; }
h1 { font-size: 14pt; text-align: center; margin: 0; }
h2 { font-size: 12pt; margin: 1.2em 0 .3em; border-bottom: 1px solid #000; }
.kop { text-align: center; border-bottom: 3px double #000; padding-bottom: .4em; }
.kop .pemerintah { font-size: 12pt; font-weight: bold; }
.kop .unit { font-size: 11pt; font-weight: bold; }
.kop .alamat { font-size: 9.5pt; }
.judul { text-align: center; margin: .8em 0 0; font-weight: bold; }
.sop { text-align: center; margin: 0 0 .6em; font-size: 10pt; }
table { border-collapse: collapse; width: 100%; margin-top: .3em; table-layout: fixed; }
th, td { border: 1px solid #000; padding: 2px 4px; vertical-align: top; text-align: left;
  font-size: 9.5pt; overflow-wrap: anywhere; }
th { background: #eee; }
td.no, th.no { width: 2.2em; text-align: center; }
.meta td:first-child { width: 28%; font-weight: bold; }
.waktu { white-space: normal; }
.jabatan { font-style: italic; }
.terlambat { font-weight: bold; color: #b00; }
.ditolak { font-weight: bold; }
.versi { margin: .6em 0; page-break-inside: auto; }
.versi h3 { font-size: 10.5pt; margin: .4em 0 .2em; }
pre { white-space: pre-wrap; font-size: 9pt; margin: 0; font-family: "Courier New", monospace;
  border-left: 2px solid #999; padding-left: .5em; }
.ttd { margin-top: 2.5em; width: 48%; margin-left: 52%; text-align: center;
  page-break-inside: avoid; }
.ttd .ruang { height: 4.5em; }
.ttd .nama { font-weight: bold; text-decoration: underline; }
.dicetak { font-size: 9pt; margin-top: 1.5em; }
@page { size: A4; margin: 16mm 15mm 18mm;
  @bottom-center { content: "Halaman " counter(page) " dari " counter(pages);
    font-family: "Times New Roman", serif; font-size: 9pt; } }
@media print {
  body { margin: 0; }
  h2, .versi h3 { page-break-after: avoid; }
  tr { page-break-inside: avoid; }
  thead { display: table-header-group; }
  .noprint { display: none; }
}
"""

TERLAMBAT = "TERLAMBAT"
"""The word that marks a late step in the printed record (never colour alone)."""


def _e(value: object) -> str:
    """A value escaped for HTML text and attributes; ``-`` for nothing."""
    return "-" if value is None or value == "" else escape(str(value), quote=True)


def _rows(cells: Iterable[Iterable[object]]) -> str:
    return "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in cells)


def _table(head: Iterable[tuple[str, str]], rows: Iterable[Iterable[object]]) -> str:
    """A table with a repeated header (column name, width); first column is the number."""
    cols = "".join(f'<col style="width:{w}">' for _, w in head)
    names = "".join(
        f'<th class="no">{n}</th>' if i == 0 else f"<th>{n}</th>" for i, (n, _) in enumerate(head)
    )
    body = "\n".join(
        "<tr>"
        + "".join(
            f'<td class="no">{c}</td>' if i == 0 else f"<td>{c}</td>" for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><colgroup>{cols}</colgroup><thead><tr>{names}</tr></thead>{body}</table>"


def _head(title: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
    )


def _person(name: str | None, title: str | None) -> str:
    return f'{_e(name)}<br><span class="jabatan">{_e(title)}</span>'


def _late(late: bool, standard: str = "") -> str:
    if not late:
        return ""
    beyond = f" melewati mutu baku {_e(standard)}" if standard else " melewati mutu baku waktu"
    return f'<br><span class="terlambat">{TERLAMBAT}</span>{beyond}'


def _diff_body(diff: str) -> str:
    """A unified diff without its two header lines (they carry codes, the heading says it)."""
    lines = diff.splitlines()
    return "\n".join(lines[2:] if len(lines) > 2 and lines[0].startswith("---") else lines)


def render_trail(t: JejakRead) -> str:
    """The trail as a printable naskah dinas: kop with the address, agenda entry, disposition
    sheets, text versions, the archive in words, place and date, the Kepala Dinas's signature,
    page numbers in the page's margin (``@page``)."""
    agenda = t.buku_agenda
    names = {d.penulis: d.nama_penulis for d in t.disposisi if d.penulis}
    if agenda.pengusul and agenda.nama_pengusul:
        names[agenda.pengusul] = agenda.nama_pengusul
    ttd = t.penandatangan
    parts = [
        _head(f"Jejak dokumen {t.nomor_kasus}"),
        '<div class="kop">',
        f'<div class="pemerintah">PEMERINTAH {_e(t.pemerintah.upper())}</div>',
        f"<h1>{_e(t.instansi.upper())}</h1>",
        f'<div class="unit">{_e(agenda.unit.upper())}</div>',
        f'<div class="alamat">{_e(t.alamat_kop)}</div></div>',
        '<p class="judul">JEJAK DOKUMEN USULAN PEMANFAATAN APLIKASI LAYANAN</p>',
        f'<p class="sop">SOP Nomor {_e(t.sop_nomor)}: {_e(t.sop_nama.title())}</p>',
        '<p class="noprint"><button onclick="window.print()">Cetak</button> '
        f'<a href="/petugas/kasus/{_e(t.nomor_kasus)}">Kembali ke halaman kasus</a></p>',
        "<h2>Buku Agenda Naskah Dinas</h2>",
        '<table class="meta">',
        _rows(
            [
                ("Nomor agenda", _e(agenda.nomor_agenda)),
                ("Nomor kasus", _e(t.nomor_kasus)),
                ("Tanggal", _e(agenda.tanggal_wib)),
                ("Perihal", _e(agenda.perihal)),
                ("Pengusul", _e(agenda.nama_pengusul)),
                ("Status", _e(t.status_teks or t.status)),
                ("Selesai", _e(wib(t.selesai)) if t.selesai else "-"),
                ("Hasil", _e(t.hasil)),
                ("Alasan penolakan", _e(t.alasan_penolakan_teks or t.alasan_penolakan)),
            ]
        ),
        "</table>",
        "<h2>Lembar Disposisi</h2>",
        _table(
            (
                ("No", "6%"),
                ("Waktu", "17%"),
                ("Langkah", "23%"),
                ("Oleh", "22%"),
                ("Keputusan dan catatan", "32%"),
            ),
            (
                (
                    d.no,
                    f'<span class="waktu">{_e(d.waktu_teks or d.waktu_wib)}</span>',
                    _e(nama_langkah(TRENGGALEK, d.langkah, panjang=70) or d.nama_langkah)
                    + (f"<br>Putaran {_e(d.putaran)}" if d.putaran else "")
                    + _late(d.terlambat, d.mutu_baku),
                    _person(d.nama_penulis, d.nama_peran),
                    f"<b>{_e(d.keputusan_teks or d.keputusan)}</b>"
                    + (f"<br>{_e(d.catatan)}" if d.catatan else ""),
                )
                for d in t.disposisi
            ),
        ),
        "<h2>Versi Naskah Usulan</h2>",
        *(
            '<div class="versi">'
            f"<h3>Versi {v.no}, putaran {v.putaran}: {_e(_step_words(v.langkah))}</h3>"
            f"<p>Oleh {_e(names.get(v.penulis, v.penulis))}, {_e(v.waktu_wib)}"
            + (f". Catatan: {_e(v.catatan)}" if v.catatan else "")
            + "</p>"
            + f"<pre>{_e(v.teks)}</pre>"
            + (
                f"<p>Perubahan dari versi sebelumnya:</p><pre>{_e(_diff_body(v.diff))}</pre>"
                if v.diff
                else "<p>Versi pertama langkah ini.</p>"
            )
            + "</div>"
            for v in t.versi_naskah
        ),
        "<h2>Bendel Arsip (jejak audit)</h2>",
        _table(
            (
                ("No", "6%"),
                ("Waktu", "17%"),
                ("Peristiwa", "20%"),
                ("Pelaku", "22%"),
                ("Keterangan", "35%"),
            ),
            (
                (
                    a.no,
                    f'<span class="waktu">{_e(a.waktu_teks or a.waktu_wib)}</span>',
                    f'<span class="{"ditolak" if a.ditolak else ""}">{_e(a.peristiwa_teks)}</span>'
                    + (f"<br>{_e(a.langkah_teks)}" if a.langkah_teks else "")
                    + (f'<br><span class="terlambat">{TERLAMBAT}</span>' if a.terlambat else ""),
                    _person(a.pelaku_nama, a.jabatan) if a.jabatan else _e(a.pelaku_nama),
                    _e(a.keterangan),
                )
                for a in t.arsip
            ),
        ),
        '<div class="ttd">',
        f"<div>{_e(t.tempat_tanggal)}</div>",
        f"<div>{_e(ttd.jabatan if ttd else '')}</div>",
        f"<div>{_e(t.pemerintah)}</div>",
        '<div class="ruang"></div>',
        f'<div class="nama">{_e(ttd.nama) if ttd and ttd.nama else "(" + "." * 40 + ")"}</div>',
        f"<div>NIP. {_e(ttd.nip) if ttd and ttd.nip else '.' * 30}</div>",
        "</div>",
        f'<p class="dicetak">Dicetak dari Alur pada {_e(t.dicetak_wib)}.</p>',
        "</body></html>",
    ]
    return "\n".join(parts)


def _step_words(code: str) -> str:
    return nama_langkah(TRENGGALEK, code)


def render_public(
    *,
    nama_aplikasi: str,
    ringkasan: str,
    tautan: str | None,
    media_komunikasi: str | None,
    cara_penyediaan: str,
    instansi: str,
    disetujui_wib: str,
    diterbitkan_wib: str,
) -> str:
    """The public page of an approved application: what it is and where to find it, nothing
    personal."""
    link = f'<a href="{_e(tautan)}" rel="noopener">{_e(tautan)}</a>' if tautan else "-"
    return "\n".join(
        [
            _head(nama_aplikasi),
            f"<h1>{_e(nama_aplikasi)}</h1>",
            f"<p>{_e(ringkasan)}</p>",
            '<table class="meta">',
            _rows(
                [
                    ("Tautan", link),
                    ("Media komunikasi", _e(media_komunikasi)),
                    ("Penyediaan", _e(cara_penyediaan)),
                    ("Instansi", _e(instansi)),
                    ("Disetujui", _e(disetujui_wib)),
                    ("Diterbitkan", _e(diterbitkan_wib)),
                ]
            ),
            "</table></body></html>",
        ]
    )
