"""HTML pages of the Trenggalek SOP: the printable document trail a clerk can file, and the public
page of an approved application.

Plain string building with ``html.escape`` on every value that comes from a request or the
database (proposal texts, notes and names are typed by people): no template engine needed for two
pages, and no value reaches the page unescaped.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from api.trenggalek.trail import JejakRead, wib

_STYLE = """
body { font-family: "Times New Roman", serif; font-size: 11pt; margin: 2em; color: #000; }
h1 { font-size: 14pt; text-align: center; margin: 0; }
h2 { font-size: 12pt; margin-top: 1.4em; border-bottom: 1px solid #000; }
.kop { text-align: center; border-bottom: 3px double #000; padding-bottom: .5em; }
table { border-collapse: collapse; width: 100%; margin-top: .5em; }
th, td { border: 1px solid #000; padding: 3px 5px; vertical-align: top; text-align: left; }
th { background: #eee; }
pre { white-space: pre-wrap; font-size: 9pt; margin: 0; }
.meta td:first-child { width: 30%; font-weight: bold; }
.ttd { margin-top: 3em; width: 40%; margin-left: 60%; text-align: center; }
@page { size: A4; margin: 18mm 15mm; }
@media print {
  body { margin: 0; }
  h2 { page-break-after: avoid; }
  tr { page-break-inside: avoid; }
  .noprint { display: none; }
}
"""


def _e(value: object) -> str:
    """A value escaped for HTML text and attributes; ``-`` for nothing."""
    return "-" if value is None or value == "" else escape(str(value), quote=True)


def _rows(cells: Iterable[Iterable[object]]) -> str:
    return "\n".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in cells)


def _head(title: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="id"><head><meta charset="utf-8">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
    )


def render_trail(t: JejakRead) -> str:
    """The trail as a printable page: agenda entry, disposition sheets, text versions, archive."""
    agenda = t.buku_agenda
    parts = [
        _head(f"Jejak dokumen {t.nomor_kasus}"),
        '<div class="kop">',
        f"<div>PEMERINTAH {_e(t.pemerintah.upper())}</div>",
        f"<h1>{_e(t.instansi.upper())}</h1>",
        f"<div>{_e(agenda.unit)}</div></div>",
        f"<p>SOP {_e(t.sop_nomor)} &mdash; {_e(t.sop_nama)}</p>",
        '<p class="noprint"><button onclick="window.print()">Cetak</button></p>',
        "<h2>Buku Agenda Naskah Dinas</h2>",
        '<table class="meta">',
        _rows(
            [
                ("Nomor agenda", _e(agenda.nomor_agenda)),
                ("Nomor kasus", _e(t.nomor_kasus)),
                ("Tanggal", _e(agenda.tanggal_wib)),
                ("Perihal", _e(agenda.perihal)),
                ("Pengusul", f"{_e(agenda.nama_pengusul)} ({_e(agenda.pengusul)})"),
                ("Status", _e(t.status)),
                ("Selesai", _e(wib(t.selesai)) if t.selesai else "-"),
                ("Hasil", _e(t.hasil or t.alasan_penolakan)),
            ]
        ),
        "</table>",
        "<h2>Lembar Disposisi</h2>",
        "<table><tr><th>No</th><th>Waktu</th><th>Langkah</th><th>Putaran</th>"
        "<th>Oleh</th><th>Jabatan</th><th>Keputusan</th><th>Catatan</th></tr>",
        _rows(
            (
                d.no,
                _e(d.waktu_wib),
                _e(d.langkah),
                _e(d.putaran),
                f"{_e(d.nama_penulis)}<br>({_e(d.penulis)})",
                _e(d.nama_peran),
                _e(d.keputusan) + (f" &rarr; {_e(d.kembali_ke)}" if d.kembali_ke else ""),
                _e(d.catatan),
            )
            for d in t.disposisi
        ),
        "</table>",
        "<h2>Versi Naskah Usulan</h2>",
        "<table><tr><th>No</th><th>Putaran</th><th>Langkah</th><th>Oleh</th><th>Waktu</th>"
        "<th>Naskah</th><th>Perubahan</th></tr>",
        _rows(
            (
                v.no,
                _e(v.putaran),
                _e(v.langkah),
                f"{_e(v.penulis)} ({_e(v.peran)})",
                _e(v.waktu_wib),
                f"<pre>{_e(v.teks)}</pre>",
                f"<pre>{_e(v.diff)}</pre>" if v.diff else "versi pertama",
            )
            for v in t.versi_naskah
        ),
        "</table>",
        "<h2>Bendel Arsip (jejak audit)</h2>",
        "<table><tr><th>No</th><th>Waktu</th><th>Peristiwa</th><th>Langkah</th><th>Putaran</th>"
        "<th>Pelaku</th><th>Peran</th></tr>",
        _rows(
            (a.no, _e(a.waktu_wib), _e(a.peristiwa), _e(a.langkah), _e(a.putaran), _e(a.pelaku))
            + (_e(a.peran),)
            for a in t.arsip
        ),
        "</table>",
        f"<p>Dicetak {_e(t.dicetak_wib)}.</p>",
        '<div class="ttd">Petugas arsip,<br><br><br><br>(................................)</div>',
        "</body></html>",
    ]
    return "\n".join(parts)


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
