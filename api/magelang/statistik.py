"""MAGESTY step 3, pemantauan_statistik, over HTTP: the Satker (and the chain above it) reads the
daily report the Schedule stored, or a live view computed now."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.magelang.statistik import hitung_statistik
from api.deps import CurrentOfficer, SessionsDep, SettingsDep, run_db
from api.errors import Forbidden, NotFound, responses
from db.base import utcnow
from db.magelang.models import MagestyLaporanStatistik
from db.models import Officer
from sop.magelang import MAGELANG

router = APIRouter(tags=["magelang"])


def require_satker(officer: CurrentOfficer, settings: SettingsDep) -> Officer:
    """403 unless the officer is the Satker (or above it) of the MAGESTY agency: a role of
    ``Settings.magelang.pembaca_statistik``."""
    if officer.agency != MAGELANG.agensi or officer.role not in settings.magelang.pembaca_statistik:
        raise Forbidden("Statistik MAGESTY hanya untuk Satker Diskominfostat", code="wrong_role")
    return officer


Satker = Annotated[Officer, Depends(require_satker)]


class LaporanRead(BaseModel):
    """A stored daily report."""

    tanggal: date
    dibuat_at: datetime
    isi: dict[str, Any]


def _laporan(session: Session, tanggal: date | None) -> LaporanRead:
    q = select(MagestyLaporanStatistik)
    q = (
        q.where(MagestyLaporanStatistik.tanggal == tanggal)
        if tanggal
        else q.order_by(MagestyLaporanStatistik.tanggal.desc())
    )
    row = session.scalars(q.limit(1)).first()
    if row is None:
        raise NotFound("Belum ada laporan statistik untuk tanggal itu", code="laporan_tidak_ada")
    return LaporanRead(tanggal=row.tanggal, dibuat_at=row.dibuat_at, isi=row.isi)


@router.get(
    "/statistik/laporan", response_model=LaporanRead, responses=responses(401, 403, 404, 422)
)
async def laporan(
    officer: Satker, sessions: SessionsDep, tanggal: Annotated[date | None, Query()] = None
) -> LaporanRead:
    """The daily report of ``tanggal`` (YYYY-MM-DD, WIB), or the latest one."""
    del officer
    return await run_db(sessions, _laporan, tanggal)


def _live(session: Session) -> dict[str, Any]:
    return hitung_statistik(session, sampai=utcnow())


@router.get("/statistik", responses=responses(401, 403))
async def statistik(officer: Satker, sessions: SessionsDep) -> dict[str, Any]:
    """The statistics up to now: users, new per day and week, activated versus pending, requests
    per service and OPD, SLA compliance per OPD, IKM per service and OPD."""
    del officer
    return await run_db(sessions, _live)
