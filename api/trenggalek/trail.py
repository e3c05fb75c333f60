"""The document trail of a Trenggalek proposal, as SOP 07-6/SOP/1/2022 names it: the agenda book of
official letters (buku agenda), the disposition sheets (lembar disposisi) and the archive binder
(bendel arsip), built from the case's read model for the JSON and the printable page.

Every accepted action is a disposition: who (username, name, role), when, in which step and round,
what they decided and their note. Every version of the proposal's text is listed with a diff from
the same step's version before it, so a reader sees who changed what in which round.
"""

from __future__ import annotations

import difflib
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from db.base import utcnow
from db.models import AuditEvent, Case, Officer
from db.trenggalek.models import TrenggalekUsulan, TrenggalekVersiNaskah
from sop.trenggalek import TRENGGALEK

WIB = timezone(timedelta(hours=7), "WIB")
"""Asia/Jakarta: UTC+7 all year (no daylight saving), so a fixed offset needs no tz database."""

_BULAN = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)


def wib(at: datetime) -> str:
    """A time as the clerk writes it: ``21 November 2026 14.05 WIB``."""
    local = at.astimezone(WIB)
    return f"{local.day} {_BULAN[local.month - 1]} {local.year} {local:%H.%M} WIB"


class VersiRead(BaseModel):
    """One version of the proposal's text, with what changed from the step's previous version."""

    no: int
    putaran: int
    langkah: str
    penulis: str
    peran: str
    waktu: datetime
    waktu_wib: str
    teks: str
    catatan: str | None
    diff: str | None
    """Unified diff from the same step's previous version; None for a step's first version."""


class AgendaRead(BaseModel):
    """The proposal's line in the agenda book of official letters."""

    nomor_agenda: str | None
    tanggal: datetime
    tanggal_wib: str
    perihal: str
    pengusul: str | None
    nama_pengusul: str | None
    instansi: str
    unit: str


class DisposisiRead(BaseModel):
    """One disposition: an accepted action with its author, role, time and note."""

    no: int
    waktu: datetime
    waktu_wib: str
    langkah: str | None
    nama_langkah: str
    putaran: int | None
    penulis: str | None
    nama_penulis: str | None
    peran: str | None
    nama_peran: str | None
    keputusan: str
    catatan: str | None
    kembali_ke: str | None


class ArsipRead(BaseModel):
    """One line of the archive: every event of the case, numbered."""

    no: int
    waktu: datetime
    waktu_wib: str
    peristiwa: str
    langkah: str | None
    putaran: int | None
    pelaku: str | None
    peran: str | None
    detail: dict[str, Any]


class JejakRead(BaseModel):
    """The whole document trail of a proposal."""

    nomor_kasus: str
    nomor_agenda: str | None
    sop_nomor: str
    sop_nama: str
    pemerintah: str
    instansi: str
    judul: str
    status: str
    dibuat: datetime
    selesai: datetime | None
    hasil: str | None
    alasan_penolakan: str | None
    dicetak_wib: str
    buku_agenda: AgendaRead
    disposisi: list[DisposisiRead]
    versi_naskah: list[VersiRead]
    arsip: list[ArsipRead]


def _role_name(code: str | None) -> str | None:
    if code is None:
        return None
    try:
        return TRENGGALEK.role(code).nama
    except KeyError:
        return code


def _step_name(code: str | None) -> str:
    if code is None:
        return "-"
    try:
        return TRENGGALEK.step(code).kegiatan
    except KeyError:
        return code


def read_versions(session: Session, case_number: str) -> list[VersiRead]:
    """Every version of the text, oldest first, each with its diff from the step's last one."""
    rows = session.scalars(
        select(TrenggalekVersiNaskah)
        .where(TrenggalekVersiNaskah.case_number == case_number)
        .order_by(TrenggalekVersiNaskah.id)
    ).all()
    last: dict[str, TrenggalekVersiNaskah] = {}
    out: list[VersiRead] = []
    for n, v in enumerate(rows, start=1):
        before = last.get(v.step)
        diff = None
        if before is not None:
            diff = "\n".join(
                difflib.unified_diff(
                    before.teks.splitlines(),
                    v.teks.splitlines(),
                    fromfile=f"{v.step} putaran {before.round} ({before.author})",
                    tofile=f"{v.step} putaran {v.round} ({v.author})",
                    lineterm="",
                )
            )
        last[v.step] = v
        out.append(
            VersiRead(
                no=n,
                putaran=v.round,
                langkah=v.step,
                penulis=v.author,
                peran=v.author_role,
                waktu=v.created_at,
                waktu_wib=wib(v.created_at),
                teks=v.teks,
                catatan=v.catatan,
                diff=diff,
            )
        )
    return out


def _note(event: AuditEvent) -> str | None:
    """The note a disposition sheet shows for an accepted action."""
    d = event.detail
    if event.step == "tindak_lanjut":
        how = f"Cara: {d.get('cara')}"
        if d.get("tim"):
            how += f"; tim: {', '.join(str(t) for t in d['tim'])}"
        if d.get("referensi_pengadaan"):
            how += f"; referensi pengadaan: {d['referensi_pengadaan']}"
        return (
            f"{how}; teknis: {d.get('tindak_lanjut_teknis')}; "
            f"administrasi: {d.get('tindak_lanjut_administrasi')}"
        )
    if event.step == "penyiapan_layanan":
        return f"Diterbitkan: {d.get('nama_aplikasi')}"
    note = d.get("catatan")
    return str(note) if note is not None else None


def build_trail(session: Session, case: Case) -> JejakRead:
    """The trail of ``case`` (the caller has checked the officer's agency)."""
    entry = session.scalar(
        select(TrenggalekUsulan).where(TrenggalekUsulan.case_number == case.case_number)
    )
    events = session.scalars(
        select(AuditEvent).where(AuditEvent.case_number == case.case_number).order_by(AuditEvent.id)
    ).all()
    names = {
        o.username: o.full_name
        for o in session.scalars(select(Officer).where(Officer.agency == case.agency))
    }
    accepted = [e for e in events if e.event == "aksi_diterima"]
    ident = TRENGGALEK.identitas
    pengusul = entry.pengusul if entry else None
    return JejakRead(
        nomor_kasus=case.case_number,
        nomor_agenda=entry.nomor_agenda if entry else None,
        sop_nomor=ident.nomor,
        sop_nama=ident.nama,
        pemerintah=ident.pemerintah,
        instansi=ident.instansi,
        judul=case.subject,
        status=case.status,
        dibuat=case.created_at,
        selesai=case.closed_at,
        hasil=case.public_response,
        alasan_penolakan=case.closing_reason,
        dicetak_wib=wib(utcnow()),
        buku_agenda=AgendaRead(
            nomor_agenda=entry.nomor_agenda if entry else None,
            tanggal=case.created_at,
            tanggal_wib=wib(case.created_at),
            perihal=case.subject,
            pengusul=pengusul,
            nama_pengusul=names.get(pengusul) if pengusul else None,
            instansi=ident.instansi,
            unit=ident.unit,
        ),
        disposisi=[
            DisposisiRead(
                no=n,
                waktu=e.at,
                waktu_wib=wib(e.at),
                langkah=e.step,
                nama_langkah=_step_name(e.step),
                putaran=e.round,
                penulis=e.actor,
                nama_penulis=names.get(e.actor) if e.actor else None,
                peran=e.actor_role,
                nama_peran=_role_name(e.actor_role),
                keputusan=str(e.detail.get("keputusan", "selesai")),
                catatan=_note(e),
                kembali_ke=e.detail.get("kembali_ke"),
            )
            for n, e in enumerate(accepted, start=1)
        ],
        versi_naskah=read_versions(session, case.case_number),
        arsip=[
            ArsipRead(
                no=n,
                waktu=e.at,
                waktu_wib=wib(e.at),
                peristiwa=e.event,
                langkah=e.step,
                putaran=e.round,
                pelaku=e.actor,
                peran=e.actor_role,
                detail=e.detail,
            )
            for n, e in enumerate(events, start=1)
        ],
    )
