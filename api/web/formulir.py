"""A step's form, generated from its step-table row: the body model's fields as inputs.

The form is the JSON body in another shape, so it cannot drift from the API: each field of
``OfficerStep.body`` becomes one input, chosen by its type —

- a choice (``Enum``/``Literal``) is a ``<select>`` of its values, and a yes/no (``bool``) too;
- a field the row names an officer by (``NamedOfficer``: the Kasubag of a disposisi) is a picker
  of the agency's active officers of that role, by name;
- a list of texts is a text area, one item per line;
- a text is a text area (a one-line input when it is short), optional when the model says so.

The posted form is read back into the same model (``parse``); what does not validate comes back
as messages beside their fields, in Indonesian (``api.validation_messages``). A model's own check
over several fields (``catatan wajib diisi bila draf dikembalikan``) is put beside the first field
it names.
"""

from __future__ import annotations

import re
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.validation_messages import message_for
from api.web.templating import jabatan
from db.models import Officer
from sop.models import Sop
from workflows.case.step_table import OfficerStep

UMUM = "__umum__"
"""The key of a message that belongs to no one field."""

LABEL = {
    "alasan": "Alasan",
    "catatan": "Catatan",
    "dokumen_ref": "Rujukan dokumen",
    "duplikat_dari": "Duplikat dari (nomor kasus)",
    "kembali_ke": "Kembali ke langkah",
    "keputusan": "Keputusan",
    "setuju": "Draf disetujui?",
    "tim": "Tim (satu per baris)",
    "tautan": "Tautan (https://…)",
    "materi_pendukung": "Materi pendukung",
    "referensi_pengadaan": "Referensi pengadaan",
    "ringkasan_publik": "Ringkasan untuk publik",
}
"""Labels where the field's name does not read well as it is (else: its words, capitalised)."""

PILIHAN_LANGKAH = frozenset({"kembali_ke"})
"""Text fields that hold a step of the SOP: a select of the steps the model's check accepts
(read from its ``Literal``-like tuple when the workflow's models name one)."""

SHORT = 300
"""Texts up to this long are a one-line input; longer ones a text area."""


@dataclass(frozen=True)
class Isian:
    """One input of a step's form."""

    nama: str
    label: str
    jenis: Literal["pilihan", "teks", "baris", "daftar"]
    wajib: bool
    pilihan: tuple[tuple[str, str], ...] = ()
    """(value, label) of a select."""
    maks: int | None = None


def _words(code: str) -> str:
    text = code.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _max_length(info: Any) -> int | None:
    for meta in info.metadata:
        found = getattr(meta, "max_length", None)
        if isinstance(found, int):
            return found
    return None


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """The type without ``None`` (and whether ``None`` was allowed)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _choices(kind: Any) -> tuple[tuple[str, str], ...] | None:
    if isinstance(kind, type) and issubclass(kind, Enum):
        return tuple((str(m.value), _words(str(m.value))) for m in kind)
    if get_origin(kind) is Literal:
        return tuple((str(v), _words(str(v))) for v in get_args(kind))
    if kind is bool:
        return (("true", "Ya"), ("false", "Tidak"))
    return None


def step_choices(sop: Sop, codes: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Steps of the SOP as choices, by their number and words."""
    out = []
    for code in codes:
        step = sop.step(code)
        words = step.kegiatan if len(step.kegiatan) <= 80 else step.kegiatan[:77] + "..."
        out.append((code, f"{step.nomor}. {words}"))
    return tuple(out)


def _revise_targets(sop: Sop) -> tuple[str, ...]:
    """The steps a revise decision may send a case back to (Trenggalek's text-writing steps)."""
    try:
        from workflows.trenggalek.models import LANGKAH_NASKAH
    except ImportError:  # pragma: no cover - the SOP's models always define it
        return ()
    return tuple(c for c in LANGKAH_NASKAH if c in {s.kode for s in sop.langkah})


def fields_of(session: Session, row: OfficerStep, sop: Sop, officer: Officer) -> list[Isian]:
    """The form's inputs for step ``row``, for an officer of ``officer``'s agency."""
    named = {n.field: n.role for n in row.names}
    out: list[Isian] = []
    for name, info in row.body.model_fields.items():
        kind, optional = _unwrap(info.annotation)
        required = info.is_required()
        label = LABEL.get(name, _words(name))
        if name in named:
            people = session.scalars(
                select(Officer)
                .where(
                    Officer.agency == officer.agency,
                    Officer.role == named[name],
                    Officer.active.is_(True),
                )
                .order_by(Officer.full_name)
            ).all()
            people_choices = tuple((p.username, p.full_name) for p in people)
            title = jabatan(named[name], officer.agency)
            out.append(Isian(name, title, "pilihan", True, people_choices))
            continue
        if name in PILIHAN_LANGKAH:
            targets = _revise_targets(sop)
            if targets:
                out.append(Isian(name, label, "pilihan", required, step_choices(sop, targets)))
                continue
        choices = _choices(kind)
        if choices is not None:
            out.append(Isian(name, label, "pilihan", required, choices))
        elif get_origin(kind) is list:
            out.append(Isian(name, label, "daftar", required))
        else:
            maks = _max_length(info)
            short = maks is not None and maks <= SHORT
            jenis: Literal["teks", "baris"] = "baris" if short else "teks"
            out.append(Isian(name, label, jenis, required and not optional, maks=maks))
    return out


def parse(
    row: OfficerStep, fields: Sequence[Isian], form: Mapping[str, Any]
) -> tuple[BaseModel | None, dict[str, str]]:
    """The posted form as the step's body model, or the messages beside each field."""
    data: dict[str, Any] = {}
    for f in fields:
        raw = form.get(f.nama)
        value = raw if isinstance(raw, str) else ""
        if f.jenis == "daftar":
            data[f.nama] = [line for line in value.splitlines() if line.strip()]
        elif value == "":
            continue  # left out: the model's default, or its "wajib diisi"
        else:
            data[f.nama] = value
    try:
        return row.body.model_validate(data), {}
    except ValidationError as err:
        return None, messages(err.errors(), fields)


def messages(errors: Sequence[Mapping[str, Any]], fields: Sequence[Isian]) -> dict[str, str]:
    """Each error beside its field: by its location, or (a check over several fields) beside the
    first field its message names; field codes in a message are replaced by their labels."""
    names = [f.nama for f in fields]
    out: dict[str, str] = {}
    for e in errors:
        loc = [str(p) for p in e.get("loc", ()) if p != "body"]
        text = message_for(e)
        where = loc[0] if loc and loc[0] in names else beside(text, names)
        out.setdefault(where, label_codes(text, fields))
    return out


def beside(text: str, names: Sequence[str]) -> str:
    """The field a message is about: the first field name it mentions, else the form's top."""
    found = [(m.start(), n) for n in names if (m := re.search(rf"\b{re.escape(n)}\b", text))]
    return min(found)[1] if found else UMUM


def label_codes(text: str, fields: Sequence[Isian]) -> str:
    """A message with field codes (``duplikat_dari``) written as their labels."""
    for f in fields:
        text = re.sub(rf"\b{re.escape(f.nama)}\b", f.label.lower(), text)
    return text
