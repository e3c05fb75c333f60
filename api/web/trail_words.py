"""A case's audit trail in words, as an officer or a clerk reads it: step names from the catalogue,
roles by their titles, people by their full names, times in WIB with the day's name, events and
decisions in words, refusal reasons with their codes turned into names. No raw code reaches a
line: an unknown event or key is spelled out ("kontak_dihapus" → "Kontak dihapus").

Pure functions over audit rows, the agency's officers and the SOP, so the case page, the printed
record and the tests share one reading of the trail.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, Protocol

from alur.working_time import BULAN, HARI
from sop.models import Sop

WIB = timezone(timedelta(hours=7), "WIB")
"""Asia/Jakarta: UTC+7 all year (no daylight saving), so a fixed offset needs no tz database."""

"""Day names from Monday (``datetime.weekday() == 0``)."""

PERISTIWA: Mapping[str, str] = {
    "kasus_dibuka": "Kasus dibuka",
    "kasus_selesai": "Kasus selesai",
    "kasus_ditolak": "Kasus ditolak",
    "kasus_ditutup": "Kasus ditutup",
    "kasus_dibatalkan": "Kasus dibatalkan",
    "langkah_dimulai": "Langkah dimulai",
    "langkah_selesai": "Langkah selesai",
    "aksi_diterima": "Aksi diterima",
    "aksi_ditolak": "Aksi ditolak",
    "sla_terlampaui": "Melewati mutu baku waktu",
    "eskalasi": "Eskalasi ke atasan",
    "notifikasi_warga": "Pemberitahuan kepada warga",
    "notifikasi_gagal": "Pemberitahuan gagal dikirim",
    "informasi_terbit": "Informasi diterbitkan",
    "survei_terjawab": "Survei kepuasan dijawab",
    "survei_tidak_dijawab": "Survei kepuasan tidak dijawab",
    "tugas_diambil": "Tugas diambil",
    "tugas_dilepas": "Tugas dilepas",
    "tugas_didelegasikan": "Tugas didelegasikan",
    "kontak_dihapus": "Kontak warga dihapus (masa simpan habis)",
    "otp_terkirim": "Kode OTP dikirim",
    "otp_salah": "Kode OTP salah",
    "otp_kedaluwarsa": "Kode OTP kedaluwarsa",
    "otp_gagal_dikirim": "Kode OTP gagal dikirim",
    "akun_dibuat": "Akun dibuat",
    "registrasi_selesai": "Registrasi selesai",
    "registrasi_gagal": "Registrasi gagal",
    "registrasi_kedaluwarsa": "Registrasi kedaluwarsa",
    "pendaftaran_dimulai": "Pendaftaran akun dimulai",
    "kode_terkirim": "Kode aktivasi dikirim",
    "kode_gagal": "Kode aktivasi gagal dikirim",
    "aktivasi_salah": "Kode aktivasi salah",
    "aktivasi_kedaluwarsa": "Kode aktivasi kedaluwarsa",
    "akun_aktif": "Akun aktif",
    "akun_gagal": "Pendaftaran akun gagal",
    "akun_kedaluwarsa": "Pendaftaran akun kedaluwarsa",
    "hapus_data_gagal": "Penghapusan data pribadi gagal",
}
"""Every event the kernel and the SOPs write, in words (``workflows/case/trail.py``,
``human_step.py``, ``officer_case.py``, the SOPs' workflows, ``api/cases/claims.py``)."""

KEPUTUSAN: Mapping[str, str] = {
    "setuju": "Disetujui",
    "revisi": "Dikembalikan untuk diperbaiki",
    "teruskan": "Diteruskan ke jenjang berikutnya",
    "tolak": "Ditolak",
    "selesai": "Selesai",
    "duplikat": "Ditutup sebagai duplikat",
    "spam": "Ditutup sebagai spam",
    "swakelola": "Swakelola",
    "penyedia": "Melalui penyedia",
}
"""Decisions (``keputusan``) and choices in words."""

LABEL: Mapping[str, str] = {
    "instruksi": "Instruksi",
    "catatan": "Catatan",
    "alasan": "Alasan",
    "duplikat_dari": "Duplikat dari",
    "materi_pendukung": "Materi pendukung",
    "cara": "Cara penyediaan",
    "tim": "Tim",
    "referensi_pengadaan": "Referensi pengadaan",
    "tindak_lanjut_teknis": "Tindak lanjut teknis",
    "tindak_lanjut_administrasi": "Tindak lanjut administrasi",
    "nama_aplikasi": "Nama aplikasi",
    "tautan": "Tautan",
    "media_komunikasi": "Media komunikasi",
}
"""The fields of an action's detail a trail line shows, with their labels, in this order. Long
texts (a draft, a proposal's text) are not repeated here: the case page shows them."""

PENERIMA = ("kasubag", "pelaksana", "kepada", "delegasi")
"""Detail keys that name an officer an action hands the case to."""


class AuditLike(Protocol):
    """The columns of a ``db.models.AuditEvent`` a trail line is built from."""

    @property
    def step(self) -> str | None: ...
    @property
    def round(self) -> int | None: ...
    @property
    def event(self) -> str: ...
    @property
    def actor(self) -> str | None: ...
    @property
    def actor_role(self) -> str | None: ...
    @property
    def detail(self) -> dict[str, Any]: ...
    @property
    def at(self) -> datetime: ...


class OfficerLike(Protocol):
    """The columns of a ``db.models.Officer`` a trail line names."""

    @property
    def username(self) -> str: ...
    @property
    def full_name(self) -> str: ...
    @property
    def role(self) -> str: ...


# --- times and durations ----------------------------------------------------------------------
def _local(at: datetime) -> datetime:
    return (at if at.tzinfo is not None else at.replace(tzinfo=UTC)).astimezone(WIB)


def tanggal(at: datetime) -> str:
    """A date as a letter writes it: ``1 Desember 2026`` (in WIB)."""
    local = _local(at)
    return f"{local.day} {BULAN[local.month - 1]} {local.year}"


def waktu_wib(at: datetime) -> str:
    """A time as the trail writes it: ``Senin, 30 November 2026 14.05 WIB``."""
    local = _local(at)
    return f"{HARI[local.weekday()]}, {tanggal(at)} {local:%H.%M} WIB"


def durasi(seconds: float, *, satuan: int = 2) -> str:
    """A duration in words, ``satuan`` units at most: ``45 detik``, ``12 menit``,
    ``1 jam 5 menit``, ``2 hari 3 jam``."""
    total = int(round(abs(seconds)))
    if total < 60:
        return f"{total} detik"
    minutes = total // 60
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "hari"), (hours, "jam"), (mins, "menit")) if n]
    return " ".join(parts[:satuan])


# --- names ------------------------------------------------------------------------------------
def _spell(code: str) -> str:
    """An unknown code spelled as words: ``kontak_dihapus`` → ``Kontak dihapus``."""
    return code.replace("_", " ").strip().capitalize()


def nama_peristiwa(event: str) -> str:
    """An event in words."""
    return PERISTIWA.get(event) or _spell(event)


def nama_peran(sop: Sop, role: str | None) -> str:
    """A role's title from the SOP (``kasubag`` → ``Kasubag Pemerintahan Umum``)."""
    if not role:
        return ""
    if role == "sistem":
        return "Sistem Alur"
    try:
        return sop.role(role).nama
    except KeyError:
        return "Masyarakat" if role in ("masyarakat", "warga") else _spell(role)


def nama_langkah(sop: Sop, step: str | None, *, panjang: int = 90) -> str:
    """A step as the trail names it: its number and the catalogue's words, cut at a sentence or
    ``panjang`` characters (``6. Memeriksa draft.``)."""
    if not step:
        return ""
    try:
        s = sop.step(step)
    except KeyError:
        return _spell(step)
    text = re.sub(r"^[a-z]\.\s+", "", s.kegiatan.strip())
    first = re.split(r"(?<=\.)\s", text, maxsplit=1)[0]
    if len(first) > panjang:
        first = first[: panjang - 1].rsplit(" ", 1)[0] + "…"
    return f"{s.nomor}. {first}"


@dataclass(frozen=True)
class Nama:
    """Who the trail names: officers by username (full name and role), and the SOP."""

    sop: Sop
    petugas: Mapping[str, OfficerLike]

    @classmethod
    def of(cls, sop: Sop, officers: Iterable[OfficerLike]) -> Nama:
        return cls(sop, {o.username: o for o in officers})

    def orang(self, username: str | None) -> str:
        """A person's full name; the citizen and the system by what they are."""
        if not username:
            return ""
        if username in ("warga", "masyarakat"):
            return "Warga (pelapor)"
        if username == "sistem":
            return "Sistem Alur"
        o = self.petugas.get(username)
        return o.full_name if o is not None else "Petugas tidak dikenal"

    def dengan_jabatan(self, username: str) -> str:
        o = self.petugas.get(username)
        if o is None:
            return self.orang(username)
        return f"{o.full_name} ({nama_peran(self.sop, o.role)})"

    def tanpa_kode(self, text: str) -> str:
        """A text from the workflow (a refusal reason) with step codes, role codes and usernames
        replaced by the names people read."""
        steps = {s.kode: nama_langkah(self.sop, s.kode) for s in self.sop.langkah}
        roles = {p.kode: p.nama for p in self.sop.peran}

        def name(m: re.Match[str]) -> str:
            word = m.group(0)
            if word in self.petugas:
                return self.orang(word)
            if word in steps:
                return f"«{steps[word]}»"
            if word in roles:
                return roles[word]
            return word

        return re.sub(r"[a-z][a-z0-9]*(?:[._][a-z0-9]+)+|[a-z]+", name, text)


def alasan_kata(reason: str, names: Nama) -> str:
    """A case's closing reason as the system writes it (``Ditolak oleh kepala_bidang: <note>``)
    with the codes of its head turned into names and the officer's note after the colon kept as
    they typed it."""
    head, sep, note = reason.partition(": ")
    return names.tanpa_kode(head) + sep + note


# --- lines ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BarisJejak:
    """One line of the trail in words."""

    waktu: datetime
    waktu_teks: str
    peristiwa: str
    langkah: str
    putaran: int | None
    pelaku: str
    jabatan: str
    keterangan: str
    terlambat: bool
    """The line records a late step (a breach, or a step finished past its time standard)."""
    ditolak: bool
    """The line is a refused action (its reason is in ``keterangan``)."""


def _value(value: object, names: Nama) -> str:
    if isinstance(value, list):
        return ", ".join(_value(v, names) for v in value)
    text = str(value)
    if text in KEPUTUSAN:
        return KEPUTUSAN[text]
    if isinstance(value, str) and re.fullmatch(r"[a-z][a-z0-9]*(?:[._][a-z0-9]+)+", text):
        return names.tanpa_kode(text)  # a code or a username alone, not a sentence someone wrote
    return text


def _action_words(detail: Mapping[str, Any], names: Nama) -> list[str]:
    parts: list[str] = []
    decision = detail.get("keputusan")
    if decision is not None:
        parts.append(KEPUTUSAN.get(str(decision), _spell(str(decision))))
    back = detail.get("kembali_ke")
    if back:
        parts.append(f"kembali ke langkah {nama_langkah(names.sop, str(back))}")
    for key in PENERIMA:
        who = detail.get(key)
        if isinstance(who, str) and who:
            parts.append(f"Ditujukan kepada {names.dengan_jabatan(who)}")
    for key, label in LABEL.items():
        value = detail.get(key)
        if value not in (None, "", []) and value != decision:  # a choice already said
            parts.append(f"{label}: {_value(value, names)}")
    return parts


def keterangan(event: AuditLike, names: Nama) -> str:
    """What a line says beyond its event: the decision and note, the refusal reason, the time
    standard passed, how long the step took, who was told."""
    d = event.detail or {}
    sop = names.sop
    parts: list[str]
    if event.event == "aksi_diterima":
        parts = _action_words(d, names)
    elif event.event == "aksi_ditolak":
        parts = [f"Alasan penolakan: {names.tanpa_kode(str(d.get('alasan', '-')))}"]
    elif event.event == "sla_terlampaui":
        parts = [f"Mutu baku {d.get('mutu_baku') or '-'}"]
        if d.get("batas_waktu"):
            parts.append(f"batas {waktu_wib(datetime.fromisoformat(str(d['batas_waktu'])))}")
        if d.get("pelaksana"):
            parts.append(f"pelaksana {nama_peran(sop, str(d['pelaksana']))}")
    elif event.event == "langkah_selesai":
        parts = []
        if "durasi_detik" in d:
            parts.append(f"Selesai dalam {durasi(float(d['durasi_detik']))}")
        if d.get("tepat_waktu") is False:
            parts.append("melewati mutu baku waktu")
        elif d.get("tepat_waktu") is True:
            parts.append("tepat waktu")
    elif event.event == "eskalasi":
        parts = [f"Diberitahukan kepada {nama_peran(sop, str(d.get('kepada_peran') or ''))}"]
        if "terkirim" in d:
            parts.append(f"{d['terkirim']} pesan terkirim")
    elif event.event in ("notifikasi_warga", "notifikasi_gagal"):
        parts = [f"Perihal: {_spell(str(d.get('tujuan') or '-')).lower()}"]
        if d.get("alasan"):
            parts.append(f"alasan: {d['alasan']}")
    else:
        parts = []
        if d.get("alasan"):
            parts.append(f"Alasan: {names.tanpa_kode(str(d['alasan']))}")
        for key in PENERIMA:
            who = d.get(key)
            if isinstance(who, str) and who:
                parts.append(f"Kepada {names.dengan_jabatan(who)}")
    return "; ".join(p for p in parts if p)


def _late(event: AuditLike) -> bool:
    if event.event == "sla_terlampaui":
        return True
    return event.event == "langkah_selesai" and (event.detail or {}).get("tepat_waktu") is False


def baris(event: AuditLike, names: Nama) -> BarisJejak:
    """One audit row as a line of the trail in words."""
    role = event.actor_role
    known = names.petugas.get(event.actor) if event.actor else None
    if role is None and known is not None:
        role = known.role
    return BarisJejak(
        waktu=event.at,
        waktu_teks=waktu_wib(event.at),
        peristiwa=nama_peristiwa(event.event),
        langkah=nama_langkah(names.sop, event.step),
        putaran=event.round,
        pelaku=names.orang(event.actor) if event.actor else "Sistem Alur",
        jabatan=nama_peran(names.sop, role) if event.actor else "",
        keterangan=keterangan(event, names),
        terlambat=_late(event),
        ditolak=event.event == "aksi_ditolak",
    )


def jejak_kata(
    events: Iterable[AuditLike], officers: Iterable[OfficerLike], sop: Sop
) -> list[BarisJejak]:
    """The whole trail in words, in the order given (the audit's, oldest first)."""
    names = Nama.of(sop, officers)
    return [baris(e, names) for e in events]
