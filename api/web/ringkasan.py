"""Leaders' summary at ``/petugas/ringkasan``: the agency's open cases by step, late first, then
the SLA report as charts (``api.laporan_charts.kinerja_svg`` over ``susun_laporan``, the same
service as ``GET /laporan/kinerja``), for the agency's leaders only (``api.web.peran``).

Counted by the database (one grouped query over the open tasks), so the page costs the same with
ten open cases or a thousand.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from api.deps import SessionDep, SettingsDep
from api.errors import AlurError, Forbidden
from api.web.pages import HalamanRoute
from api.web.peran import is_leader
from api.web.session import OfficerFromSession
from api.web.templating import render
from db.base import utcnow
from db.models import Officer, Task
from sop.catalogue import get_sop

router = APIRouter(prefix="/petugas", route_class=HalamanRoute, include_in_schema=False)

TERLAMBAT_DITAMPILKAN = 50
"""The late tasks listed by name under the table (the oldest deadline first)."""


@dataclass(frozen=True)
class BarisLangkah:
    """One step of one SOP: its open cases and how many are late."""

    sop_nama: str
    nomor: int
    langkah: str
    terbuka: int
    terlambat: int


def by_step(session: Session, officer: Officer) -> list[BarisLangkah]:
    """The agency's open tasks per SOP and step, late first."""
    now = utcnow()
    late = or_(Task.overdue.is_(True), and_(Task.due_at.is_not(None), Task.due_at < now))
    rows = session.execute(
        select(
            Task.sop,
            Task.step,
            func.count(func.distinct(Task.case_number)),
            func.count(case((late, 1))),
        )
        .where(Task.agency == officer.agency, Task.status == "open")
        .group_by(Task.sop, Task.step)
    ).all()
    out = []
    for sop_kode, step, terbuka, terlambat in rows:
        sop = get_sop(sop_kode)
        try:
            found = sop.step(step) if sop else None
        except KeyError:
            found = None
        out.append(
            BarisLangkah(
                sop_nama=sop.identitas.nama if sop else sop_kode,
                nomor=found.nomor if found else 0,
                langkah=found.kegiatan if found else step,
                terbuka=terbuka,
                terlambat=terlambat,
            )
        )
    out.sort(key=lambda b: (-b.terlambat, -b.terbuka, b.sop_nama, b.nomor))
    return out


def late_tasks(session: Session, officer: Officer) -> list[Task]:
    now = utcnow()
    late = or_(Task.overdue.is_(True), and_(Task.due_at.is_not(None), Task.due_at < now))
    return list(
        session.scalars(
            select(Task)
            .where(Task.agency == officer.agency, Task.status == "open", late)
            .order_by(Task.due_at, Task.id)
            .limit(TERLAMBAT_DITAMPILKAN)
        )
    )


def chart(session: Session, officer: Officer, settings: object) -> str | None:
    """The SLA report's chart for the agency's last 30 days, when the report is there."""
    try:
        from api.laporan_charts import kinerja_svg
        from api.routers.laporan import susun_laporan
    except ImportError:  # pragma: no cover - both ship with the app
        return None
    try:
        laporan = susun_laporan(session, officer, settings)  # type: ignore[arg-type]
    except AlurError:
        return None
    svg = kinerja_svg(laporan.baris)
    return svg.split("?>", 1)[1] if svg.startswith("<?xml") else svg


@router.get("/ringkasan")
def summary(
    request: Request, officer: OfficerFromSession, session: SessionDep, settings: SettingsDep
) -> Response:
    """The agency's open cases by step, late first, and the SLA chart (leaders only)."""
    if not is_leader(officer):
        raise Forbidden("Ringkasan hanya untuk pimpinan instansi", code="bukan_pimpinan")
    return render(
        request,
        "ringkasan.html",
        baris=by_step(session, officer),
        terlambat=late_tasks(session, officer),
        bagan=chart(session, officer, settings),
    )
