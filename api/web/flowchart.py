"""An SOP drawn as its PermenPAN-RB 35/2012 flowchart table, in SVG, from the running catalogue.

The table has the document's columns: No, Kegiatan, one column per pelaksana (each row's symbol in
its actor's column: a capsule for the first and the last step, a box for an activity, a diamond for
a decision), the Mutu Baku columns (Kelengkapan, Waktu, Output) and Keterangan. Arrows join the
symbols row by row, and the revise loops go back up (``api.web.alur_sop`` says where).

With a case's ``CaseProgress`` the same drawing shows where the case stands: the current step
highlighted, each finished step's actual time beside its time standard, late steps marked in red
with the word "Terlambat" (never by colour alone).

Built with ``xml.etree.ElementTree``, so every text from the catalogue is escaped by the serialiser
and the result is always well-formed XML; the ``<title>`` and ``<desc>`` say in words what the
drawing shows, for screen readers.
"""

from __future__ import annotations

import textwrap
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Protocol

from api.web import alur_sop
from api.web.trail_words import durasi
from sop.models import Sop, SopStep

SVG_NS = "http://www.w3.org/2000/svg"
FONT = 11.0
LINE = 14.0
"""Font size and line height of the table's text, in SVG user units (px)."""
CHAR_W = FONT * 0.55
"""The average width of a character of a sans-serif font at ``FONT``: enough to wrap text."""
PAD = 6.0
HEAD_H = (22.0, 34.0)
"""The two header rows: the group names (Pelaksana, Mutu Baku), then each column's name."""
MIN_ROW_H = 64.0
SYM_W, SYM_H = 70.0, 30.0
"""A symbol's size inside its actor's column."""
DIAMOND_W, DIAMOND_H = 76.0, 44.0
LEVEL_W, LEVEL_H = 58.0, 24.0
"""A level of a climbing step (Trenggalek's review by Kasi, Kepala Bidang, Sekretaris)."""

W_NO, W_KEGIATAN, W_ACTOR = 32.0, 240.0, 96.0
W_KELENGKAPAN, W_WAKTU, W_OUTPUT, W_KETERANGAN = 130.0, 100.0, 130.0, 150.0

INK = "#1f2937"
GRID = "#6b7280"
FILL_HEAD = "#e5e7eb"
FILL_SYM = "#ffffff"
FILL_DONE = "#dcfce7"
FILL_NOW = "#fef08a"
STROKE_NOW = "#a16207"
LATE = "#b91c1c"

CITIZEN_NAME = "Masyarakat"
"""The citizen's column when an SOP lists no role for them."""


@dataclass(frozen=True)
class StepActual:
    """What a finished step actually took: its duration in words, whether it passed its time
    standard, and how many rounds (tasks) it ran."""

    durasi: str
    terlambat: bool
    putaran: int = 1


@dataclass(frozen=True)
class CaseProgress:
    """A case laid over its SOP's drawing: the step it is on and every finished step's actual."""

    sekarang: str | None = None
    """The current step's code (``None`` for a closed case)."""
    sekarang_terlambat: bool = False
    """The current step has already passed its time standard."""
    selesai: Mapping[str, StepActual] = field(default_factory=lambda: MappingProxyType({}))
    """Per finished step code, what it actually took."""


class TaskLike(Protocol):
    """The columns of a ``db.models.Task`` that progress is built from."""

    @property
    def step(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def overdue(self) -> bool: ...
    @property
    def opened_at(self) -> datetime: ...
    @property
    def due_at(self) -> datetime | None: ...
    @property
    def completed_at(self) -> datetime | None: ...
    @property
    def elapsed_seconds(self) -> float | None: ...


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _late(task: TaskLike) -> bool:
    if task.overdue:
        return True
    if task.due_at is None or task.completed_at is None:
        return False
    return _aware(task.completed_at) > _aware(task.due_at)


def _seconds(task: TaskLike) -> float:
    """The task's duration: the step clock's count when the worker measured it, else wall time."""
    if task.elapsed_seconds is not None:
        return task.elapsed_seconds
    assert task.completed_at is not None
    return (_aware(task.completed_at) - _aware(task.opened_at)).total_seconds()


def progress_from_tasks(tasks: Iterable[TaskLike]) -> CaseProgress:
    """A case's progress from its ``tasks`` rows: the open task's step is the current one; a step
    done in several rounds (or levels) sums their durations and is late if any of them was."""
    current: TaskLike | None = None
    done: dict[str, list[TaskLike]] = {}
    for t in tasks:
        if t.status == "open":
            if current is None or _aware(t.opened_at) >= _aware(current.opened_at):
                current = t
        elif t.status == "done" and t.completed_at is not None:
            done.setdefault(t.step, []).append(t)
    selesai = {
        step: StepActual(
            durasi=durasi(sum(_seconds(t) for t in ts)),
            terlambat=any(_late(t) for t in ts),
            putaran=len(ts),
        )
        for step, ts in done.items()
    }
    return CaseProgress(
        sekarang=current.step if current else None,
        sekarang_terlambat=bool(current and current.overdue),
        selesai=MappingProxyType(selesai),
    )


# --- layout -----------------------------------------------------------------------------------
def _wrap(text: str, width: float) -> list[str]:
    chars = max(8, int((width - 2 * PAD) / CHAR_W))
    lines: list[str] = []
    for para in text.split("\n"):
        lines.extend(
            textwrap.wrap(para, chars, break_long_words=True, break_on_hyphens=False) or [""]
        )
    return lines


@dataclass(frozen=True)
class _Col:
    key: str
    title: str
    x: float
    w: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2


@dataclass
class _Row:
    step: SopStep
    y: float
    h: float
    cells: dict[str, list[str]]

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


def _el(parent: ET.Element, tag: str, **attrs: object) -> ET.Element:
    """A child element; attribute names with ``_`` are written with ``-`` (``stroke_width``)."""
    return ET.SubElement(
        parent,
        f"{{{SVG_NS}}}{tag}",
        {k.rstrip("_").replace("_", "-"): str(v) for k, v in attrs.items()},
    )


def _text(
    parent: ET.Element,
    lines: list[str],
    x: float,
    y: float,
    *,
    anchor: str = "start",
    weight: str = "normal",
    fill: str = INK,
    cls: str | None = None,
) -> ET.Element:
    t = _el(parent, "text", x=x, y=y, font_size=FONT, text_anchor=anchor, font_weight=weight)
    t.set("fill", fill)
    if cls:
        t.set("class", cls)
    for i, line in enumerate(lines):
        span = _el(t, "tspan", x=x, dy=0 if i == 0 else LINE)
        span.text = line
    return t


def _role_name(sop: Sop, code: str) -> str:
    try:
        return sop.role(code).nama
    except KeyError:
        return CITIZEN_NAME if code == "masyarakat" else code.replace("_", " ").capitalize()


def _shape(sop: Sop, step: SopStep) -> str:
    if step.kode in alur_sop.alur_of(sop).keputusan:
        return "belah-ketupat"
    if step.nomor in (sop.langkah[0].nomor, sop.langkah[-1].nomor):
        return "kapsul"
    return "kotak"


class _Drawing:
    """One SOP's table laid out: columns, rows (heights from their wrapped text), symbols."""

    def __init__(self, sop: Sop, progress: CaseProgress | None) -> None:
        self.sop = sop
        self.progress = progress
        self.actors = alur_sop.columns(sop)
        x = 0.0
        cols: list[_Col] = []
        for key, title, w in (
            ("no", "No", W_NO),
            ("kegiatan", "Kegiatan", W_KEGIATAN),
            *((f"peran:{a}", _role_name(sop, a), W_ACTOR) for a in self.actors),
            ("kelengkapan", "Kelengkapan", W_KELENGKAPAN),
            ("waktu", "Waktu", W_WAKTU),
            ("output", "Output", W_OUTPUT),
            ("keterangan", "Keterangan", W_KETERANGAN),
        ):
            cols.append(_Col(key, title, x, w))
            x += w
        self.cols = {c.key: c for c in cols}
        self.width = x
        self.header_h = HEAD_H[0] + max(
            HEAD_H[1],
            max(len(_wrap(c.title, c.w)) for c in cols) * LINE + 2 * PAD,
        )
        y = self.header_h
        self.rows: dict[str, _Row] = {}
        for step in sop.langkah:
            cells = self._cells(step)
            h = max(MIN_ROW_H, max(len(v) for v in cells.values()) * LINE + 2 * PAD + 4)
            self.rows[step.kode] = _Row(step, y, h, cells)
            y += h
        self.height = y

    def col(self, role: str) -> _Col:
        return self.cols[f"peran:{role}"]

    def _cells(self, step: SopStep) -> dict[str, list[str]]:
        waktu = [step.waktu_teks or "-"]
        actual = self.progress.selesai.get(step.kode) if self.progress else None
        if actual is not None:
            rounds = f" ({actual.putaran}×)" if actual.putaran > 1 else ""
            waktu += [f"Realisasi: {actual.durasi}{rounds}"]
            if actual.terlambat:
                waktu.append("Terlambat")
        elif self.progress and self.progress.sekarang == step.kode:
            waktu.append("Sedang berjalan")
            if self.progress.sekarang_terlambat:
                waktu.append("Terlambat")
        wrapped_waktu = [ln for w in waktu for ln in _wrap(w, W_WAKTU)]
        return {
            "no": [str(step.nomor)],
            "kegiatan": _wrap(step.kegiatan, W_KEGIATAN),
            "kelengkapan": [ln for k in step.kelengkapan for ln in _wrap(f"- {k}", W_KELENGKAPAN)]
            or ["-"],
            "waktu": wrapped_waktu,
            "output": _wrap(step.output or "-", W_OUTPUT),
            "keterangan": _wrap(alur_sop.keterangan(self.sop, step) or "", W_KETERANGAN),
        }

    # --- state of a step ----------------------------------------------------------------------
    def state(self, step: SopStep) -> str:
        p = self.progress
        if p is None:
            return ""
        if p.sekarang == step.kode:
            return "sekarang"
        if step.kode in p.selesai:
            return "selesai"
        return ""

    def late(self, step: SopStep) -> bool:
        p = self.progress
        if p is None:
            return False
        if p.sekarang == step.kode and p.sekarang_terlambat:
            return True
        actual = p.selesai.get(step.kode)
        return actual is not None and actual.terlambat

    # --- symbol geometry: (x, y) of the anchor points -----------------------------------------
    def main_box(self, step: SopStep) -> tuple[float, float, float, float]:
        """The step's own symbol (in its actor's column) as (cx, cy, half width, half height)."""
        row, col = self.rows[step.kode], self.col(step.pelaksana)
        if _shape(self.sop, step) == "belah-ketupat":
            return col.cx, row.cy, DIAMOND_W / 2, DIAMOND_H / 2
        return col.cx, row.cy, SYM_W / 2, SYM_H / 2

    def entry_box(self, step: SopStep) -> tuple[float, float, float, float]:
        """Where arrows into the step arrive: its first level, or its own symbol."""
        lv = alur_sop.levels(self.sop, step)
        if len(lv) > 1:
            return self.col(lv[0]).cx, self.rows[step.kode].cy, LEVEL_W / 2, LEVEL_H / 2
        return self.main_box(step)


def _marker(defs: ET.Element, mid: str, color: str) -> None:
    m = _el(
        defs,
        "marker",
        id=mid,
        viewBox="0 0 10 10",
        refX=9,
        refY=5,
        markerWidth=7,
        markerHeight=7,
        orient="auto-start-reverse",
    )
    _el(m, "path", d="M 0 0 L 10 5 L 0 10 z", fill=color)


def _symbol(
    parent: ET.Element,
    shape: str,
    cx: float,
    cy: float,
    hw: float,
    hh: float,
    *,
    kode: str,
    kolom: str,
    state: str,
    late: bool,
    extra_class: str = "",
) -> ET.Element:
    fill = {"sekarang": FILL_NOW, "selesai": FILL_DONE}.get(state, FILL_SYM)
    stroke = LATE if late else (STROKE_NOW if state == "sekarang" else INK)
    width = 3 if state == "sekarang" or late else 1.4
    classes = " ".join(
        c for c in ("simbol", shape, extra_class, state, "terlambat" if late else "") if c
    )
    common: dict[str, object] = {
        "class": classes,
        "data-langkah": kode,
        "data-kolom": kolom,
        "fill": fill,
        "stroke": stroke,
        "stroke-width": width,
    }
    if shape == "belah-ketupat":
        pts = f"{cx},{cy - hh} {cx + hw},{cy} {cx},{cy + hh} {cx - hw},{cy}"
        el = _el(parent, "polygon", points=pts)
    else:
        el = _el(
            parent,
            "rect",
            x=cx - hw,
            y=cy - hh,
            width=2 * hw,
            height=2 * hh,
            rx=hh if shape == "kapsul" else 2,
        )
    for k, v in common.items():
        el.set(k, str(v))
    return el


def _arrow(
    parent: ET.Element,
    d: str,
    *,
    dari: str,
    ke: str,
    balik: bool,
    label: str,
    lx: float,
    ly: float,
    anchor: str = "start",
) -> None:
    g = _el(parent, "g")
    g.set("class", "panah balik" if balik else "panah")
    g.set("data-dari", dari)
    g.set("data-ke", ke)
    _el(
        g,
        "path",
        d=d,
        fill="none",
        stroke=INK,
        stroke_width=1.3,
        marker_end="url(#panah-ujung)",
        stroke_dasharray="5 3" if balik else "none",
    )
    if label:
        _text(g, [label], lx, ly, anchor=anchor, weight="bold", cls="label-panah")


def _desc(sop: Sop, progress: CaseProgress | None) -> str:
    words = []
    for s in sop.langkah:
        actor = _role_name(sop, s.pelaksana)
        line = f"{s.nomor}. {s.kegiatan} (pelaksana: {actor}; waktu: {s.waktu_teks or '-'})"
        if progress is not None:
            if progress.sekarang == s.kode:
                line += " - sedang berjalan" + (
                    ", terlambat" if progress.sekarang_terlambat else ""
                )
            elif (a := progress.selesai.get(s.kode)) is not None:
                line += f" - selesai dalam {a.durasi}" + (", terlambat" if a.terlambat else "")
        words.append(line)
    for p in alur_sop.panah(sop):
        if p.label:
            words.append(
                f"Dari langkah {sop.step(p.dari).nomor}, {p.label.lower()}: ke langkah "
                f"{sop.step(p.ke).nomor}."
            )
    return " ".join(words)


def flowchart_svg(sop: Sop, progress: CaseProgress | None = None) -> str:
    """The SOP's flowchart table as an SVG document (a string, to embed in a page or serve)."""
    d = _Drawing(sop, progress)
    ident = sop.identitas
    svg_id = f"alur-{sop.kode}"
    root = ET.Element(
        f"{{{SVG_NS}}}svg",
        {
            "viewBox": f"0 0 {d.width + 2} {d.height + 2}",
            "width": str(d.width + 2),
            "height": str(d.height + 2),
            "role": "img",
            "aria-labelledby": f"{svg_id}-judul {svg_id}-desc",
            "class": "bagan-alir",
            "font-family": "Arial, Helvetica, sans-serif",
        },
    )
    title = _el(root, "title", id=f"{svg_id}-judul")
    title.text = f"Bagan alir SOP {ident.nomor} {ident.nama} ({ident.instansi})"
    desc = _el(root, "desc", id=f"{svg_id}-desc")
    desc.text = _desc(sop, progress)
    defs = _el(root, "defs")
    _marker(defs, "panah-ujung", INK)
    body = _el(root, "g", transform="translate(1 1)")

    # --- the table: header, rows, grid --------------------------------------------------------
    grid = _el(body, "g")
    grid.set("class", "tabel")
    h0 = HEAD_H[0]
    actor_cols = [d.col(a) for a in d.actors]
    mutu = [d.cols[k] for k in ("kelengkapan", "waktu", "output")]
    _el(grid, "rect", x=0, y=0, width=d.width, height=d.header_h, fill=FILL_HEAD, stroke=GRID)
    groups = (
        ("Pelaksana", actor_cols[0].x, sum(c.w for c in actor_cols)),
        ("Mutu Baku", mutu[0].x, sum(c.w for c in mutu)),
    )
    for name, gx, gw in groups:
        _el(grid, "rect", x=gx, y=0, width=gw, height=h0, fill="none", stroke=GRID)
        _text(grid, [name], gx + gw / 2, h0 - 7, anchor="middle", weight="bold")
    for c in d.cols.values():
        grouped = c.key.startswith("peran:") or c.key in ("kelengkapan", "waktu", "output")
        top = h0 if grouped else 0.0
        cell = _el(
            grid, "rect", x=c.x, y=top, width=c.w, height=d.header_h - top, fill="none", stroke=GRID
        )
        lines = _wrap(c.title, c.w)
        ty = top + (d.header_h - top - len(lines) * LINE) / 2 + FONT
        head = _text(grid, lines, c.cx, ty, anchor="middle", weight="bold", cls="kepala-kolom")
        head.set("data-kolom", c.key.removeprefix("peran:"))
        if c.key.startswith("peran:"):
            cell.set("class", "kolom-pelaksana")
            cell.set("data-kolom", c.key.removeprefix("peran:"))
            cell.set("data-x", str(c.x))
            cell.set("data-lebar", str(c.w))

    for row in d.rows.values():
        step = row.step
        g = _el(body, "g")
        g.set("class", "baris " + d.state(step))
        g.set("data-langkah", step.kode)
        background = FILL_NOW if d.state(step) == "sekarang" else "none"
        _el(g, "rect", x=0, y=row.y, width=d.width, height=row.h, fill=background, opacity=0.35)
        for c in d.cols.values():
            _el(g, "rect", x=c.x, y=row.y, width=c.w, height=row.h, fill="none", stroke=GRID)
        for key, cell_lines in row.cells.items():
            c = d.cols[key]
            anchor = "middle" if key in ("no", "waktu") else "start"
            x = c.cx if anchor == "middle" else c.x + PAD
            t = _text(g, cell_lines, x, row.y + PAD + FONT, anchor=anchor, cls=f"sel-{key}")
            if key == "waktu":
                for span, line in zip(t, cell_lines, strict=True):
                    if line == "Terlambat":
                        span.set("fill", LATE)
                        span.set("font-weight", "bold")
                        span.set("class", "tanda-terlambat")

    # --- symbols ------------------------------------------------------------------------------
    symbols = _el(body, "g")
    symbols.set("class", "simbol-simbol")
    for row in d.rows.values():
        step = row.step
        state, late = d.state(step), d.late(step)
        lv = alur_sop.levels(sop, step)
        for i, role in enumerate(lv[:-1]):
            c = d.col(role)
            _symbol(
                symbols,
                "kotak",
                c.cx,
                row.cy,
                LEVEL_W / 2,
                LEVEL_H / 2,
                kode=step.kode,
                kolom=role,
                state=state,
                late=False,
                extra_class="jenjang",
            )
            _text(symbols, [str(step.nomor)], c.cx, row.cy + 4, anchor="middle").set(
                "class", "nomor-simbol"
            )
            nxt = lv[i + 1]
            if nxt == lv[-1]:
                _, _, hw, _ = d.main_box(step)
                end_x = d.col(nxt).cx - hw
            else:
                end_x = d.col(nxt).cx - LEVEL_W / 2
            _arrow(
                symbols,
                f"M {c.cx + LEVEL_W / 2} {row.cy} H {end_x}",
                dari=step.kode,
                ke=step.kode,
                balik=False,
                label="",
                lx=0,
                ly=0,
            )
        cx, cy, hw, hh = d.main_box(step)
        el = _symbol(
            symbols,
            _shape(sop, step),
            cx,
            cy,
            hw,
            hh,
            kode=step.kode,
            kolom=step.pelaksana,
            state=state,
            late=late,
            extra_class="" if step.dalam_sistem else "luar-sistem",
        )
        if not step.dalam_sistem:
            el.set("stroke-dasharray", "4 3")
        label = _text(symbols, [str(step.nomor)], cx, cy + 4, anchor="middle", weight="bold")
        label.set("class", "nomor-simbol")

    # --- arrows -------------------------------------------------------------------------------
    arrows = _el(body, "g")
    arrows.set("class", "panah-panah")
    for p in alur_sop.panah(sop):
        a, b = sop.step(p.dari), sop.step(p.ke)
        ax, ay, ahw, ahh = d.main_box(a)
        bx, by, bhw, bhh = d.entry_box(b)
        if p.balik:
            # out of the decision's right corner, up a lane at the right of its column, into the
            # right side of the earlier step
            lane = d.col(a.pelaksana).x + d.col(a.pelaksana).w - 6
            lane = max(lane, ax + ahw + 8)
            path = f"M {ax + ahw} {ay} H {lane} V {by} H {bx + bhw}"
            _arrow(
                arrows, path, dari=p.dari, ke=p.ke, balik=True, label=p.label,
                lx=lane - 3, ly=(ay + by) / 2 + 4, anchor="end",
            )  # fmt: skip
        elif d.rows[b.kode].y == d.rows[a.kode].y + d.rows[a.kode].h:
            gap = d.rows[b.kode].y + 6
            path = f"M {ax} {ay + ahh} V {gap} H {bx} V {by - bhh}"
            _arrow(
                arrows, path, dari=p.dari, ke=p.ke, balik=False, label=p.label,
                lx=ax + 4, ly=ay + ahh + 12,
            )  # fmt: skip
        else:  # a forward jump over rows: down a lane at the left of the decision's column
            lane = d.col(a.pelaksana).x + 6
            path = f"M {ax - ahw} {ay} H {lane} V {by} H {bx - bhw}"
            _arrow(
                arrows, path, dari=p.dari, ke=p.ke, balik=False, label=p.label,
                lx=lane + 3, ly=ay - 4,
            )  # fmt: skip

    ET.register_namespace("", SVG_NS)
    return ET.tostring(root, encoding="unicode")
