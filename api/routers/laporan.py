"""The SLA performance report (laporan kinerja): how each step of an agency's SOPs performs against
its time standard, for the agency's leaders, as JSON and as CSV.

Who may read it (``cakupan``): an agency's leaders, for their own agency only. The leaders are read
from the catalogue: every role another role answers to (some ``Peran.atasan``), because those are
the structural officials (Kasubag and Kabag, Kasi, Kepala Bidang, Sekretaris, Kepala Dinas, Kepala
OPD, the Sekda) who receive a breach's escalation and answer for their subordinates' time
standards; and the ``satker`` role (MAGESTY's Satker pengelola), whose own SOP step is watching the
service's figures. Staff (Pengelola TIK, Fungsional, OPD officers) read their own tasks at
``/tasks``, not their colleagues' figures. The Dinas Kominfo ``operator`` is not a reader: an
operator repairs running cases of every agency in the Temporal UI, sits in an agency of its own
that owns no SOP, and an agency's performance figures are its own leaders' to read. A leader whose
role heads a role that exists in several units of one agency (the Kepala OPD over an OPD's
officers, MAGESTY's ``by_unit`` step) reads only their own unit's tasks (``tasks.unit`` equal to
their ``officers.unit``, the same match escalations use).

``susun_laporan`` is the service the web app's ``/petugas/ringkasan`` calls as well.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from alur.settings import Settings
from api.deps import CurrentOfficer, SessionDep, SettingsDep
from api.errors import Forbidden, Unprocessable, responses
from db.base import utcnow
from db.laporan import AngkaKinerja, BarisKinerja, Per, kinerja
from db.models import Officer
from sop.catalogue import CATALOGUE
from sop.models import Sop, SopStep
from workflows.case.step_table import StepTable
from workflows.magelang.steps import LANGKAH as LANGKAH_MAGELANG
from workflows.malang.steps import LANGKAH as LANGKAH_MALANG
from workflows.trenggalek.steps import LANGKAH as LANGKAH_TRENGGALEK

router = APIRouter(prefix="/laporan", tags=["laporan"])

SATKER = "satker"
"""The Satker's role code: a reader beside the leaders (see the module docstring)."""
STEP_TABLES: tuple[StepTable, ...] = (LANGKAH_MALANG, LANGKAH_MAGELANG, LANGKAH_TRENGGALEK)
"""The officer step tables: which steps are taken per unit."""
RENTANG_BAWAAN = timedelta(days=29)
"""Without ``dari``, the report covers the 30 days up to ``sampai`` (today by default)."""
RENTANG_MAKS = timedelta(days=366)
"""The longest period one request may cover (a year, a leap year's included)."""
TANGGAL_MIN, TANGGAL_MAKS = date(2000, 1, 1), date(2099, 12, 31)
"""The dates a period may name: Alur keeps no case from before 2000, and the bounds keep the
period's instants inside what every database and ``datetime`` can hold."""
ZONA_BAWAAN = "Asia/Jakarta"
"""WIB: the zone of an agency whose working-time settings do not say (all four agencies)."""
DITOLAK = "Laporan kinerja hanya dapat dibaca pimpinan instansi (atau Satker) untuk instansinya"


def pemimpin(sop: Sop) -> frozenset[str]:
    """The roles that read this SOP's report: some role's atasan, and the Satker."""
    atasan = {p.atasan for p in sop.peran if p.atasan}
    return frozenset(atasan | ({SATKER} & {p.kode for p in sop.peran}))


def pemimpin_unit(sop: Sop) -> frozenset[str]:
    """Leaders scoped to one unit: the atasan of the roles that act on a ``by_unit`` step."""
    unit_roles = {
        role
        for table in STEP_TABLES
        if table.sop.kode == sop.kode
        for row in table.steps
        if row.by_unit
        for role in table.roles(row.kode)
    }
    return frozenset(p.atasan for p in sop.peran if p.kode in unit_roles and p.atasan)


def sop_instansi(agency: str) -> list[Sop]:
    """The SOPs whose cases belong to this agency."""
    return [s for s in CATALOGUE.values() if s.agensi == agency]


def cakupan(officer: Officer) -> str | None:
    """What the officer may read: ``None`` for the whole agency, or the one unit they lead.
    Raises ``Forbidden`` (403) for an officer who is not a reader (see the module docstring)."""
    sops = sop_instansi(officer.agency)
    if not any(officer.role in pemimpin(s) for s in sops):
        raise Forbidden(DITOLAK, code="bukan_pimpinan")
    if any(officer.role in pemimpin_unit(s) for s in sops):
        return officer.unit
    return None


def zona_instansi(settings: Settings, agency: str) -> ZoneInfo:
    """The agency's timezone from its working-time settings (``Settings.kalender``), WIB without."""
    kalender: Any = getattr(settings, "kalender", None)
    try:
        return ZoneInfo(str(kalender.untuk(agency).zona_waktu))
    except AttributeError:
        return ZoneInfo(ZONA_BAWAAN)


def mutu_baku_detik(step: SopStep, settings: Settings, agency: str) -> float | None:
    """The step's time standard in its own clock, in seconds, as ``elapsed_seconds`` counts: on
    working time "1 hari" is one average working day (``Kalender.durasi_kerja``), not 24 hours;
    with the development time scale (``ALUR_SKALA_WAKTU=N``) N times shorter, as the workflows
    then hold it."""
    if step.waktu is None:
        return None
    kalender: Any = getattr(settings, "kalender", None)
    skala = max(int(getattr(settings, "skala_waktu", 1) or 1), 1)
    hari = int(getattr(step, "hari_kerja", 0))
    seconds = step.waktu.total_seconds()
    if getattr(step, "jam", "kerja") == "kerja" and hari and kalender is not None:
        sisa: timedelta = getattr(step, "waktu_sisa", step.waktu - timedelta(days=hari))
        durasi: timedelta = kalender.kalender(agency).durasi_kerja(hari, sisa)
        seconds = durasi.total_seconds()
    return seconds / skala


# --- response models ----------------------------------------------------------------------------
class BarisKinerjaRead(AngkaKinerja):
    """One group's figures (a step, a role, an officer, a unit or a whole SOP)."""

    sop_nama: str
    kode: str | None
    """The group's code: the step (``disposisi``), the role (``kabag``), the officer's username,
    the unit, or the SOP's code; ``null`` for tasks nobody has taken, or tasks of no unit."""
    nama: str
    """The group in words: the step's kegiatan, the role's title, the officer's full name."""
    nomor_langkah: int | None = None
    mutu_baku: str | None = None
    """The step's time standard as the document writes it ("15 menit"), per step."""
    mutu_baku_detik: float | None = None
    """The same in seconds of the step's clock, the unit of the durations below."""
    jam: str | None = None
    """The step's clock: ``kerja`` (working time) or ``kalender``."""


class LaporanKinerja(BaseModel):
    """The report: its scope, its period in the agency's local dates, and its rows."""

    agensi: str
    unit: str | None
    """The one unit the reader leads (a Kepala OPD), or ``null`` for the whole agency."""
    per: Per
    dari: date
    sampai: date
    zona_waktu: str
    dihitung_pada: datetime
    baris: list[BarisKinerjaRead]


# --- the service -------------------------------------------------------------------------------
def _periode(
    dari: date | None, sampai: date | None, zona: ZoneInfo, now: datetime
) -> tuple[date, date]:
    akhir = sampai or now.astimezone(zona).date()
    awal = dari or akhir - RENTANG_BAWAAN
    if awal > akhir:
        raise Unprocessable(
            "Data tidak valid: dari: tidak boleh sesudah tanggal sampai",
            detail=[{"lokasi": "dari", "pesan": "tidak boleh sesudah sampai", "kode": "rentang"}],
        )
    if akhir - awal > RENTANG_MAKS:
        raise Unprocessable(
            "Data tidak valid: sampai: rentang paling panjang 366 hari",
            detail=[
                {"lokasi": "sampai", "pesan": "rentang paling panjang 366 hari", "kode": "rentang"}
            ],
        )
    return awal, akhir


def _nama(sop: Sop | None, per: Per, row: BarisKinerja) -> tuple[str, int | None, SopStep | None]:
    """The group's name in words, its step number and its catalogue step (per step)."""
    kode = row.kunci
    if per == "sop":
        return (sop.identitas.nama if sop else row.sop), None, None
    if per == "petugas":
        return row.nama_petugas or kode or "Belum diambil petugas", None, None
    if per == "unit":
        return kode or "Tanpa unit", None, None
    if sop is None or kode is None:
        return kode or "-", None, None
    if per == "langkah":
        try:
            step = sop.step(kode)
        except KeyError:
            return kode, None, None
        return step.kegiatan, step.nomor, step
    try:
        return sop.role(kode).nama, None, None
    except KeyError:
        return kode, None, None


def susun_laporan(
    session: Session,
    officer: Officer,
    settings: Settings,
    *,
    dari: date | None = None,
    sampai: date | None = None,
    per: Per = "langkah",
    sop: str | None = None,
    now: datetime | None = None,
) -> LaporanKinerja:
    """The report the officer may read (403 otherwise) over the agency's local dates ``dari`` to
    ``sampai`` inclusive; 422 for a reversed or over-long period or an SOP not of the agency."""
    unit = cakupan(officer)
    now = now or utcnow()
    zona = zona_instansi(settings, officer.agency)
    awal, akhir = _periode(dari, sampai, zona, now)
    sops = {s.kode: s for s in sop_instansi(officer.agency)}
    if sop is not None and sop not in sops:
        raise Unprocessable(
            "Data tidak valid: sop: bukan SOP instansi Anda",
            detail=[{"lokasi": "sop", "pesan": "bukan SOP instansi Anda", "kode": "sop"}],
        )
    rows = kinerja(
        session,
        agency=officer.agency,
        dari=datetime.combine(awal, time(0), zona).astimezone(UTC),
        sampai=datetime.combine(akhir + timedelta(days=1), time(0), zona).astimezone(UTC),
        now=now,
        per=per,
        sop=sop,
        unit=unit,
    )
    baris = []
    for row in rows:
        owner = sops.get(row.sop)
        nama, nomor, step = _nama(owner, per, row)
        figures = row.model_dump(include=set(AngkaKinerja.model_fields))
        baris.append(
            BarisKinerjaRead(
                **figures,
                sop_nama=owner.identitas.nama if owner else row.sop,
                kode=row.kunci,
                nama=nama,
                nomor_langkah=nomor,
                mutu_baku=step.waktu_teks if step else None,
                mutu_baku_detik=mutu_baku_detik(step, settings, officer.agency) if step else None,
                jam=getattr(step, "jam", None) if step else None,
            )
        )
    baris.sort(key=lambda b: (b.sop, b.nomor_langkah or 0, b.nama))
    return LaporanKinerja(
        agensi=officer.agency,
        unit=unit,
        per=per,
        dari=awal,
        sampai=akhir,
        zona_waktu=str(zona),
        dihitung_pada=now,
        baris=baris,
    )


# --- routes ------------------------------------------------------------------------------------
def _laporan(
    officer: CurrentOfficer,
    session: SessionDep,
    settings: SettingsDep,
    dari: Annotated[
        date | None,
        Query(
            description="First local date of the period (TTTT-BB-HH); default: 29 days before",
            ge=TANGGAL_MIN,
            le=TANGGAL_MAKS,
        ),
    ] = None,
    sampai: Annotated[
        date | None,
        Query(
            description="Last local date of the period, inclusive; default: today",
            ge=TANGGAL_MIN,
            le=TANGGAL_MAKS,
        ),
    ] = None,
    per: Annotated[
        Per, Query(description="Group by: sop, langkah (step), peran (role), petugas, unit")
    ] = "langkah",
    sop: Annotated[str | None, Query(description="Only this SOP of the agency (its code)")] = None,
) -> LaporanKinerja:
    return susun_laporan(session, officer, settings, dari=dari, sampai=sampai, per=per, sop=sop)


Laporan = Annotated[LaporanKinerja, Depends(_laporan)]

_DOC = """

**Period.** The tasks OPENED from ``dari`` 00.00 to ``sampai`` 24.00 in the agency's local time
(WIB for the four agencies): each task counts once, in the period it entered, even if it is done
later. Figures are computed by the database at the time of the request.

**Figures per group.** ``kasus`` distinct cases; ``tugas`` tasks (each revise round and each turn of
a review chain is a task); ``selesai`` done tasks; ``durasi_median_detik`` / ``durasi_p90_detik`` of
the done tasks' durations in the step's clock (working seconds for officers' steps); ``tepat_waktu``
of ``dengan_mutu_baku`` done tasks with a deadline were completed by it (``persen_tepat_waktu``);
``terlampaui`` tasks that passed their time standard (an ``sla_terlampaui`` line in the trail);
``terbuka`` still open now, ``terlambat`` of them past their deadline now; and for done tasks taken
from the role's queue (``klaim``), the median wait to be taken and the median time worked.

**Percentiles** are linear interpolation between closest ranks (PostgreSQL ``percentile_cont``,
Excel PERCENTILE.INC): for n sorted values, h = (n - 1)p + 1 and the answer is
x⌊h⌋ + (h - ⌊h⌋)(x⌊h⌋+1 - x⌊h⌋); the median of an even count is the mean of the middle two.

**Readers.** An agency's leaders (every role some role answers to in its SOP: Kasubag, Kabag,
Sekda, Kasi, Kepala Bidang, Sekretaris, Kepala Dinas, Kepala OPD for their own OPD) and the Satker,
for their own agency only: 403 for anyone else, 401 without an officer's token.
"""

_RESPONSES = responses(401, 403, 422)
CSV_200: dict[str, Any] = {"content": {"text/csv": {}}, "description": "The report as CSV"}


@router.get(
    "/kinerja",
    response_model=LaporanKinerja,
    responses=_RESPONSES,
    description="The SLA performance report of the caller's agency, as JSON." + _DOC,
)
def laporan_kinerja(laporan: Laporan) -> LaporanKinerja:
    """The SLA performance report of the caller's agency, as JSON (see ``_DOC``)."""
    return laporan


KOLOM_CSV: tuple[tuple[str, str], ...] = (
    ("sop", "SOP"),
    ("kode", "Kode"),
    ("nama", "Nama"),
    ("mutu_baku", "Mutu baku"),
    ("jam", "Jam"),
    ("kasus", "Kasus"),
    ("tugas", "Tugas"),
    ("selesai", "Selesai"),
    ("durasi_median_detik", "Median durasi (detik)"),
    ("durasi_p90_detik", "P90 durasi (detik)"),
    ("tepat_waktu", "Tepat waktu"),
    ("dengan_mutu_baku", "Selesai dengan batas waktu"),
    ("persen_tepat_waktu", "Persen tepat waktu"),
    ("terlampaui", "Melewati mutu baku"),
    ("terbuka", "Terbuka kini"),
    ("terlambat", "Terlambat kini"),
    ("klaim", "Diambil dari antrean"),
    ("tunggu_median_detik", "Median menunggu diambil (detik)"),
    ("kerja_median_detik", "Median dikerjakan (detik)"),
)
"""The CSV's columns: the JSON field and its Indonesian header."""


def _sel(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def ke_csv(laporan: LaporanKinerja) -> str:
    """The report as CSV (RFC 4180: comma, double quotes, CRLF; decimal point, up to 2 decimals;
    an empty cell where a figure does not exist)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([header for _, header in KOLOM_CSV])
    for row in laporan.baris:
        data = row.model_dump()
        writer.writerow([_sel(data[field]) for field, _ in KOLOM_CSV])
    return out.getvalue()


@router.get(
    "/kinerja.csv",
    response_class=Response,
    responses={**_RESPONSES, 200: CSV_200},
    description=(
        "The same report as a CSV file to open in a spreadsheet: the same parameters and rules, "
        "one row per group, the header in Indonesian (RFC 4180: comma, decimal point)." + _DOC
    ),
)
def laporan_kinerja_csv(laporan: Laporan) -> Response:
    """The same report as a CSV file to open in a spreadsheet (same parameters and rules)."""
    name = f"kinerja-{laporan.agensi}-{laporan.dari}-{laporan.sampai}-{laporan.per}.csv"
    return Response(
        content=ke_csv(laporan),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
