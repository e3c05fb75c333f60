"""SOP step 3, pemantauan_statistik: the MAGESTY user statistics the Satker watches.

One function computes them for a day (the daily report the Schedule stores) or up to now (the
Satker's live view): users in total, new per day and per week, activated versus pending, requests
per service and per OPD, SLA compliance of the OPD step per OPD, and the satisfaction index (IKM)
per service and per OPD. Days are Kota Magelang's (WIB, UTC+7, no daylight saving).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.magelang.models import (
    MagestyAkun,
    MagestyLaporanStatistik,
    MagestyLayanan,
    MagestyOpd,
    MagestyPermohonan,
    MagestySurvei,
)
from db.models import Task
from sop.magelang import MAGELANG
from sop.skm import ikm_of_responses
from workflows.magelang.models import HasilLaporanStatistik

WIB = timezone(timedelta(hours=7), "WIB")


def hari_ini_wib(now: datetime) -> date:
    """The date in Kota Magelang at ``now``."""
    return now.astimezone(WIB).date()


def _awal(hari: date) -> datetime:
    return datetime.combine(hari, time(0), tzinfo=WIB).astimezone(UTC)


def _ikm(rows: list[list[int]]) -> dict[str, Any] | None:
    ikm = ikm_of_responses(rows)
    if ikm is None:
        return None
    return {"ikm": str(ikm.nilai), "mutu": ikm.mutu, "kinerja": ikm.kinerja, "responden": len(rows)}


def hitung_statistik(session: Session, *, sampai: datetime) -> dict[str, Any]:
    """The statistics of everything registered or requested before ``sampai``."""
    hari = hari_ini_wib(sampai - timedelta(microseconds=1))
    akun_status: dict[str, int] = dict(
        session.execute(
            select(MagestyAkun.status, func.count())
            .where(MagestyAkun.created_at < sampai)
            .group_by(MagestyAkun.status)
        )
        .tuples()
        .all()
    )
    per_hari: list[dict[str, Any]] = []
    for i in range(6, -1, -1):
        d = hari - timedelta(days=i)
        end = min(_awal(d + timedelta(days=1)), sampai)
        n = session.scalar(
            select(func.count())
            .select_from(MagestyAkun)
            .where(MagestyAkun.created_at >= _awal(d), MagestyAkun.created_at < end)
        )
        per_hari.append({"tanggal": d.isoformat(), "baru": n or 0})

    opd_nama: dict[str, str] = dict(
        session.execute(select(MagestyOpd.kode, MagestyOpd.nama)).tuples().all()
    )
    layanan = {
        r.kode: r for r in session.scalars(select(MagestyLayanan).order_by(MagestyLayanan.kode))
    }
    permohonan = session.execute(
        select(
            MagestyPermohonan.layanan_kode, MagestyPermohonan.opd_kode, MagestyPermohonan.keputusan
        ).where(MagestyPermohonan.created_at < sampai)
    ).all()
    per_layanan: dict[str, int] = defaultdict(int)
    per_opd: dict[str, dict[str, int]] = defaultdict(
        lambda: {"jumlah": 0, "selesai": 0, "ditolak": 0, "diproses": 0}
    )
    for kode_layanan, kode_opd, keputusan in permohonan:
        per_layanan[kode_layanan] += 1
        row = per_opd[kode_opd]
        row["jumlah"] += 1
        row[keputusan or "diproses"] += 1

    tugas = session.execute(
        select(MagestyPermohonan.opd_kode, Task.overdue, Task.status)
        .join(MagestyPermohonan, MagestyPermohonan.case_number == Task.case_number)
        .where(Task.sop == MAGELANG.kode, Task.step == "pelayanan_opd", Task.opened_at < sampai)
    ).all()
    sla: dict[str, dict[str, int]] = defaultdict(
        lambda: {"dilayani": 0, "tepat_waktu": 0, "terlambat_belum_dilayani": 0}
    )
    for kode_opd, overdue, status in tugas:
        if status == "done":
            sla[kode_opd]["dilayani"] += 1
            sla[kode_opd]["tepat_waktu"] += 0 if overdue else 1
        elif status == "open" and overdue:  # already late: it can no longer be on time
            sla[kode_opd]["terlambat_belum_dilayani"] += 1

    survei = session.execute(
        select(
            MagestySurvei.layanan_kode,
            MagestySurvei.opd_kode,
            MagestySurvei.status,
            MagestySurvei.nilai,
        ).where(MagestySurvei.ditutup_at < sampai)
    ).all()
    jawaban_layanan: dict[str, list[list[int]]] = defaultdict(list)
    jawaban_opd: dict[str, list[list[int]]] = defaultdict(list)
    tidak_dijawab: dict[str, int] = defaultdict(int)
    for kode_layanan, kode_opd, status, nilai in survei:
        if status == "terjawab" and nilai:
            jawaban_layanan[kode_layanan].append(list(nilai))
            jawaban_opd[kode_opd].append(list(nilai))
        else:
            tidak_dijawab[kode_opd] += 1

    opds = sorted(set(opd_nama) | set(per_opd) | set(sla))
    return {
        "sampai": sampai.isoformat(),
        "pengguna": {
            "total": sum(akun_status.values()),
            "aktif": akun_status.get("aktif", 0),
            "menunggu_aktivasi": akun_status.get("menunggu_aktivasi", 0),
            "kedaluwarsa": akun_status.get("kedaluwarsa", 0),
            "gagal_kirim": akun_status.get("gagal_kirim", 0),
            "baru_hari_ini": per_hari[-1]["baru"],
            "baru_7_hari": sum(int(d["baru"]) for d in per_hari),
            "baru_per_hari": per_hari,
        },
        "layanan": [
            {
                "kode": kode,
                "nama": layanan[kode].nama if kode in layanan else kode,
                "opd": layanan[kode].opd_kode if kode in layanan else None,
                "permohonan": per_layanan.get(kode, 0),
                "ikm": _ikm(jawaban_layanan.get(kode, [])),
            }
            for kode in sorted(set(layanan) | set(per_layanan))
        ],
        "opd": [
            {
                "kode": kode,
                "nama": opd_nama.get(kode, kode),
                "permohonan": dict(per_opd[kode]) if kode in per_opd else _nol(),
                "sla": _sla(sla.get(kode)),
                "ikm": _ikm(jawaban_opd.get(kode, [])),
                "survei_tidak_dijawab": tidak_dijawab.get(kode, 0),
            }
            for kode in opds
        ],
    }


def _nol() -> dict[str, int]:
    return {"jumlah": 0, "selesai": 0, "ditolak": 0, "diproses": 0}


def _sla(row: dict[str, int] | None) -> dict[str, Any]:
    """Compliance with the 60-second time standard of pelayanan_opd: requests served on time, in
    percent of those served plus those already late and still unserved (an OPD that never answers
    scores 0, not "no data"); ``None`` when nothing has been served or gone late yet."""
    row = row or {"dilayani": 0, "tepat_waktu": 0, "terlambat_belum_dilayani": 0}
    counted = row["dilayani"] + row["terlambat_belum_dilayani"]
    if not counted:
        return {**row, "kepatuhan_persen": None}
    return {**row, "kepatuhan_persen": round(100 * row["tepat_waktu"] / counted, 1)}


def simpan_laporan(session: Session, tanggal: date, now: datetime) -> HasilLaporanStatistik:
    """Compute the report of ``tanggal`` (WIB) and store it, replacing that day's earlier one."""
    isi = hitung_statistik(session, sampai=_awal(tanggal + timedelta(days=1)))
    isi["tanggal"] = tanggal.isoformat()
    row = session.scalar(
        select(MagestyLaporanStatistik).where(MagestyLaporanStatistik.tanggal == tanggal)
    )
    if row is None:
        session.add(MagestyLaporanStatistik(tanggal=tanggal, dibuat_at=now, isi=isi))
    else:
        row.isi, row.dibuat_at = isi, now
    pengguna = isi["pengguna"]
    return HasilLaporanStatistik(
        tanggal=tanggal,
        total_pengguna=pengguna["total"],
        aktif=pengguna["aktif"],
        menunggu_aktivasi=pengguna["menunggu_aktivasi"],
        permohonan=sum(int(o["permohonan"]["jumlah"]) for o in isi["opd"]),
    )
