"""How each SOP's steps connect, as its PermenPAN-RB 35/2012 flowchart draws them.

The catalogue (``sop/*.py``) writes what the documents' tables say row by row; the arrows between
the rows (which step is a decision, where a "TIDAK" goes back to) live only in the documents'
drawings. They are written here, beside the drawing code, in a small declarative form rather than
in the catalogue, so the catalogue stays a transcription of the table.

A step not named in ``Alur.keputusan`` goes on to the next row; a decision's ways out are its
``cabang`` (from, to, label). ``jenjang`` lists the levels a step climbs before its actor decides
(Trenggalek's leadership review: Kasi, Kepala Bidang, Sekretaris, then the Kepala Dinas), each drawn
as its own box in its column. ``catatan`` adds to a step's Keterangan what the drawing implies.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from sop.models import Sop, SopStep


@dataclass(frozen=True)
class Cabang:
    """One arrow out of a decision: to which step, and the label the drawing writes on it."""

    dari: str
    ke: str
    label: str


@dataclass(frozen=True)
class Alur:
    """The arrows of one SOP's flowchart beyond "each row leads to the next"."""

    keputusan: frozenset[str] = frozenset()
    """Steps drawn as a diamond (a decision)."""
    cabang: tuple[Cabang, ...] = ()
    """Every way out of every decision."""
    jenjang: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    """Per step, the roles it climbs through in order; the last is the step's own actor."""
    catatan: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Per step, words added to its Keterangan (what a loop or a level means)."""


@dataclass(frozen=True)
class Panah:
    """One arrow of the drawing, between two steps (``balik``: a loop back to an earlier row)."""

    dari: str
    ke: str
    label: str
    balik: bool


ALUR: Mapping[str, Alur] = MappingProxyType(
    {
        "malang-pengelolaan-tik": Alur(
            keputusan=frozenset({"telaah"}),
            cabang=(
                Cabang("telaah", "penyampaian", "Ya"),
                Cabang("telaah", "draf_tanggapan", "Tidak"),
            ),
            catatan=MappingProxyType(
                {
                    "penerimaan": "Duplikat atau spam: laporan ditutup dengan alasannya.",
                    "telaah": "Tidak disetujui: draf kembali ke langkah 4; putaran tidak dibatasi.",
                }
            ),
        ),
        "trenggalek-pemanfaatan-aplikasi": Alur(
            keputusan=frozenset({"telaah_pimpinan"}),
            cabang=(
                Cabang("telaah_pimpinan", "tindak_lanjut", "Ya"),
                Cabang("telaah_pimpinan", "perumusan", "Tidak"),
            ),
            jenjang=MappingProxyType(
                {"telaah_pimpinan": ("kasi", "kepala_bidang", "sekretaris", "kepala_dinas")}
            ),
            catatan=MappingProxyType(
                {
                    "telaah_pimpinan": (
                        "Telaah berjenjang Kasi, Kepala Bidang, Sekretaris, Kepala Dinas; tiap "
                        "jenjang meneruskan, mengembalikan ke langkah 1, 2 atau 3 untuk "
                        "diperbaiki, atau menolak."
                    ),
                }
            ),
        ),
    }
)
"""The flows of the SOPs that have more than a straight line of rows."""

_LURUS = Alur()


def alur_of(sop: Sop) -> Alur:
    """The SOP's flow (a straight line of rows when nothing is written for it)."""
    return ALUR.get(sop.kode, _LURUS)


def panah(sop: Sop) -> tuple[Panah, ...]:
    """Every arrow of the SOP's drawing, in row order; unknown step codes are a ``KeyError``."""
    flow = alur_of(sop)
    nomor = {s.kode: s.nomor for s in sop.langkah}
    out: list[Panah] = []
    for here, after in zip(sop.langkah, sop.langkah[1:], strict=False):
        if here.kode not in flow.keputusan:
            out.append(Panah(here.kode, after.kode, "", balik=False))
    for c in flow.cabang:
        if c.dari not in nomor or c.ke not in nomor:
            raise KeyError(f"SOP {sop.kode} flow names an unknown step: {c}")
        out.append(Panah(c.dari, c.ke, c.label, balik=nomor[c.ke] <= nomor[c.dari]))
    return tuple(sorted(out, key=lambda p: (nomor[p.dari], p.balik)))


def levels(sop: Sop, step: SopStep) -> tuple[str, ...]:
    """The roles a step passes through, its own actor last (just the actor for most steps)."""
    return alur_of(sop).jenjang.get(step.kode, (step.pelaksana,))


def columns(sop: Sop) -> tuple[str, ...]:
    """The drawing's actor columns: every role that acts in a step (or a level of one), in the
    order the SOP lists its roles, then any actor it does not list (the citizen)."""
    acting: list[str] = []
    for s in sop.langkah:
        for role in levels(sop, s):
            if role not in acting:
                acting.append(role)
    listed = [p.kode for p in sop.peran if p.kode in acting]
    return tuple(listed + [r for r in acting if r not in listed])


def keterangan(sop: Sop, step: SopStep) -> str:
    """The step's Keterangan: the document's words, then what the drawing adds."""
    extra = alur_of(sop).catatan.get(step.kode, "")
    outside = "" if step.dalam_sistem else "Dilakukan di luar Alur."
    return " ".join(t for t in (step.keterangan, extra, outside) if t)
