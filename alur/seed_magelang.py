"""MAGESTY demo data: a handful of Kota Magelang's OPDs, the services each offers in MAGESTY (with
the form fields each needs), and a demo OPD officer per OPD. Idempotent: running it again adds only
what is missing.

An OPD officer is tied to their OPD by ``magesty_petugas_opd`` (username → OPD code): role and
agency stay the SOP's (``opd`` at ``magelang-diskominfostat``), the OPD says whose requests they
serve. The generic demo officers ``magelang.opd`` and ``magelang.kepala_opd`` serve Disdukcapil.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alur.security import hash_password
from db.magelang.models import MagestyLayanan, MagestyOpd, MagestyPetugasOpd
from db.models import Officer
from sop.magelang import MAGELANG

DEMO_PASSWORD = "alur-demo-2026"


def _f(kode: str, label: str, *, wajib: bool = True, maks: int = 200) -> dict[str, Any]:
    return {"kode": kode, "label": label, "wajib": wajib, "maks": maks}


OPD: tuple[tuple[str, str, str], ...] = (
    ("disdukcapil", "Dinas Kependudukan dan Pencatatan Sipil Kota Magelang", "Disdukcapil"),
    (
        "dpmptsp",
        "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Magelang",
        "DPMPTSP",
    ),
    ("dinkes", "Dinas Kesehatan Kota Magelang", "Dinkes"),
    ("dpupr", "Dinas Pekerjaan Umum dan Penataan Ruang Kota Magelang", "DPUPR"),
    ("dlh", "Dinas Lingkungan Hidup Kota Magelang", "DLH"),
)
"""(code, name, short name) of the seeded OPDs."""

LAYANAN: tuple[tuple[str, str, str, str, list[dict[str, Any]]], ...] = (
    (
        "akta-kelahiran",
        "disdukcapil",
        "Akta Kelahiran",
        "Penerbitan akta kelahiran bagi anak yang lahir di Kota Magelang.",
        [
            _f("nama_anak", "Nama anak"),
            _f("tanggal_lahir", "Tanggal lahir (YYYY-MM-DD)", maks=10),
            _f("nama_ibu", "Nama ibu"),
            _f("nama_ayah", "Nama ayah", wajib=False),
            _f("nomor_kk", "Nomor KK", maks=16),
        ],
    ),
    (
        "kartu-identitas-anak",
        "disdukcapil",
        "Kartu Identitas Anak (KIA)",
        "Penerbitan KIA bagi anak di bawah 17 tahun.",
        [_f("nama_anak", "Nama anak"), _f("nik_anak", "NIK anak", maks=16)],
    ),
    (
        "izin-reklame",
        "dpmptsp",
        "Izin Penyelenggaraan Reklame",
        "Izin memasang reklame (papan nama, baliho, spanduk) di Kota Magelang.",
        [
            _f("lokasi", "Lokasi reklame"),
            _f("jenis_reklame", "Jenis reklame", maks=60),
            _f("ukuran", "Ukuran (m x m)", maks=40),
            _f("lama_bulan", "Lama pemasangan (bulan)", maks=3),
        ],
    ),
    (
        "laik-higiene-sanitasi",
        "dinkes",
        "Sertifikat Laik Higiene Sanitasi",
        "Sertifikat laik higiene sanitasi untuk depot air minum dan usaha makanan.",
        [
            _f("nama_usaha", "Nama usaha"),
            _f("alamat_usaha", "Alamat usaha"),
            _f("jenis_usaha", "Jenis usaha (depot air minum, jasa boga, ...)", maks=80),
        ],
    ),
    (
        "aduan-jalan-rusak",
        "dpupr",
        "Aduan Jalan dan Drainase Rusak",
        "Laporan jalan berlubang atau saluran tersumbat untuk ditangani DPUPR.",
        [
            _f("lokasi", "Lokasi"),
            _f("uraian", "Uraian kerusakan", maks=2000),
            _f("foto_ref", "Tautan foto", wajib=False, maks=300),
        ],
    ),
    (
        "angkut-sampah",
        "dlh",
        "Permohonan Pengangkutan Sampah",
        "Pengangkutan sampah rumah tangga atau kegiatan di luar jadwal rutin.",
        [
            _f("alamat", "Alamat pengambilan"),
            _f("perkiraan_volume", "Perkiraan volume (m3)", maks=20),
            _f("tanggal_diminta", "Tanggal diminta (YYYY-MM-DD)", maks=10),
        ],
    ),
)
"""(code, OPD, name, description, form fields) of the seeded services."""

GENERIC_OFFICERS = {"magelang.opd": "disdukcapil", "magelang.kepala_opd": "disdukcapil"}


def opd_officer(opd: str) -> str:
    """The demo OPD officer's username of an OPD."""
    return f"magelang.opd.{opd}"


def kepala_opd_officer(opd: str) -> str:
    """The demo head's username of an OPD: who is told when the OPD serves a request late."""
    return f"magelang.kepala_opd.{opd}"


def seed_magelang(session: Session, password: str = DEMO_PASSWORD) -> int:
    """Add what is missing of the MAGESTY demo data; returns rows added."""
    session.flush()  # the demo officers the caller just added must exist for the mapping's FK
    added = 0
    known_opd = set(session.scalars(select(MagestyOpd.kode)))
    for kode, nama, singkatan in OPD:
        if kode not in known_opd:
            session.add(MagestyOpd(kode=kode, nama=nama, singkatan=singkatan))
            added += 1
    session.flush()
    known_layanan = set(session.scalars(select(MagestyLayanan.kode)))
    for kode, opd, nama, deskripsi, isian in LAYANAN:
        if kode not in known_layanan:
            session.add(
                MagestyLayanan(kode=kode, opd_kode=opd, nama=nama, deskripsi=deskripsi, isian=isian)
            )
            added += 1
    officers = set(session.scalars(select(Officer.username)))
    hashed: str | None = None
    names = {kode: nama for kode, nama, _ in OPD}
    for i, (kode, _nama, singkatan) in enumerate(OPD, start=1):
        # Each OPD's officer and head sit in the OPD's unit: escalations of a late request go to
        # the head of the OPD that owns it (``HumanSteps(unit=...)``), who needs a phone for that.
        for username, role, title, phone in (
            (opd_officer(kode), "opd", "Petugas", None),
            (kepala_opd_officer(kode), "kepala_opd", "Kepala", f"+6281299{i:06d}"),
        ):
            if username in officers:
                continue
            hashed = hashed or hash_password(password)
            session.add(
                Officer(
                    username=username,
                    full_name=f"{title} {singkatan} (demo)",
                    password_hash=hashed,
                    agency=MAGELANG.agensi,
                    unit=names[kode],
                    role=role,
                    phone=phone,
                )
            )
            officers.add(username)
            added += 1
    session.flush()
    mapped = set(session.scalars(select(MagestyPetugasOpd.username)))
    wanted = {opd_officer(kode): kode for kode, _, _ in OPD} | GENERIC_OFFICERS
    wanted |= {kepala_opd_officer(kode): kode for kode, _, _ in OPD}
    for username, opd in wanted.items():
        if username in officers and username not in mapped:
            session.add(MagestyPetugasOpd(username=username, opd_kode=opd))
            added += 1
    return added
