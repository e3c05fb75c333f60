"""What an officer must read to take a step, beside the form: the texts a case has produced.

The trail in words does not repeat them (``api.web.trail_words``), so the case page shows them
here, newest first: Malang's draft responses (each round's, from the accepted ``draf_tanggapan``
actions), every version of a Trenggalek proposal's text (``api.trenggalek.trail.read_versions``),
and a MAGESTY request's form as the citizen filled it, with the citizen masked (read through
``api.magelang.layanan``'s own view, which also refuses an officer of another OPD).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.models import AuditEvent, Case, Officer
from sop.models import Sop


@dataclass(frozen=True)
class Naskah:
    """One text of the case: what it is, by whom, when."""

    judul: str
    teks: str
    oleh: str
    waktu: datetime
    catatan: str | None = None


def naskah_of(
    session: Session, case: Case, sop: Sop, names: Mapping[str, str], officer: Officer
) -> tuple[list[Naskah], list[tuple[str, str]]]:
    """The case's texts (newest first) and, for a MAGESTY request, its form's fields."""
    if case.sop == "malang-pengelolaan-tik":
        return _malang(session, case, names), []
    if case.sop.startswith("trenggalek"):
        return _trenggalek(session, case, sop, names), []
    if case.sop.startswith("magelang"):
        return [], _magesty(session, case, officer)
    return [], []


def _malang(session: Session, case: Case, names: Mapping[str, str]) -> list[Naskah]:
    rows = session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.case_number == case.case_number,
            AuditEvent.event == "aksi_diterima",
            AuditEvent.step == "draf_tanggapan",
        )
        .order_by(AuditEvent.id.desc())
    ).all()
    return [
        Naskah(
            judul=f"Draf tanggapan, putaran {e.round or 1}",
            teks=str(e.detail.get("draf") or ""),
            oleh=names.get(e.actor or "", e.actor or ""),
            waktu=e.at,
            catatan=e.detail.get("materi_pendukung"),
        )
        for e in rows
        if e.detail.get("draf")
    ]


def _trenggalek(session: Session, case: Case, sop: Sop, names: Mapping[str, str]) -> list[Naskah]:
    from api.trenggalek.trail import read_versions

    out = []
    for v in reversed(read_versions(session, case.case_number)):
        try:
            step = sop.step(v.langkah).kegiatan
        except KeyError:
            step = v.langkah
        out.append(
            Naskah(
                judul=f"Versi {v.no}: {step[:80]} (putaran {v.putaran})",
                teks=v.teks,
                oleh=names.get(v.penulis, v.penulis),
                waktu=v.waktu,
                catatan=v.catatan,
            )
        )
    return out


def _magesty(session: Session, case: Case, officer: Officer) -> list[tuple[str, str]]:
    from api.errors import NotFound
    from api.magelang.layanan import kasus_opd

    if officer.role == "operator":  # reads the case, not the citizen's form
        return []
    try:
        view = kasus_opd(session, case.case_number, officer)  # 403 for another OPD's officer
    except NotFound:  # a case of MAGESTY that is no service request
        return []
    fields = [("Layanan", view.layanan), ("OPD", view.opd)]
    labels = {"nama": "Pemohon", "whatsapp": "WhatsApp pemohon"}
    fields += [(labels.get(k, k), v) for k, v in view.pemohon.items() if v]
    fields += [(str(k).replace("_", " ").capitalize(), str(v)) for k, v in view.isian.items()]
    return fields
