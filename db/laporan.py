"""The SLA performance report (laporan kinerja), computed by the database.

PermenPAN-RB 35/2012 asks that an SOP be evaluated against its time standards (mutu baku); this
module answers, for one agency and one period, how each group of tasks performed: per SOP, step,
role, officer or unit. Every figure is computed in SQL by the database (one SELECT with window
functions), identically on SQLite and PostgreSQL; Python only names the groups afterwards.

What the figures mean (the route's docstring repeats them for readers of /docs):

- The period holds the tasks OPENED in ``[dari, sampai)`` (UTC instants the caller computed from
  the agency's local dates). A task opened before the period is not counted even if it was done in
  it: each task is counted once, in the period it entered.
- ``kasus``: distinct cases with a task in the group; ``tugas``: tasks (a revise loop's rounds and a
  review chain's turns are tasks of their own); ``selesai``: tasks done (``status='done'``; a
  cancelled task, closed with its case, is neither done nor open).
- ``durasi_median_detik`` / ``durasi_p90_detik``: over done tasks with a measured
  ``elapsed_seconds`` (opened to completed, counted in the step's clock, working or calendar time).
  Percentiles are LINEAR INTERPOLATION between closest ranks (PostgreSQL's ``percentile_cont``,
  Excel's PERCENTILE.INC / PERSENTIL, numpy's default): sort the n values ascending as x1..xn, take
  h = (n - 1)·p + 1, and answer x⌊h⌋ + (h - ⌊h⌋)·(x⌊h⌋+1 - x⌊h⌋). The median (p = 0.5) is thus the
  middle value, or the mean of the two middle values for an even n. Interpolation rather than
  nearest rank because it is what an evaluator re-computing the figure in a spreadsheet gets.
- ``tepat_waktu`` / ``dengan_mutu_baku`` / ``persen_tepat_waktu``: of the done tasks that had a
  deadline (``due_at``), those completed by it. ``due_at`` is what the workflow held the step to
  (the catalogue's standard in the step's clock, computed outside workflow code), so this is the
  same test as the trail's ``langkah_selesai.tepat_waktu`` and agrees with the breaches.
- ``terlampaui``: tasks that passed their time standard: an ``sla_terlampaui`` audit line keyed by
  the task (``<task_key>/sla_terlampaui``), or the task's ``overdue`` flag, which the same
  transaction sets (it alone covers runs whose audit keys predate ``KEYS_PATCH``). A task
  breaches at most once, so this counts tasks.
- ``terbuka`` / ``terlambat``: tasks of the period still open at ``now``, and of those the ones past
  their deadline (flagged, or ``due_at`` already passed before the workflow's timer fired).
- ``klaim``, ``tunggu_median_detik``, ``kerja_median_detik``: over done tasks that were taken
  from the role's queue (``waiting_seconds`` set): the median wait to be taken and the median time
  worked (``elapsed_seconds - waiting_seconds``), same interpolation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from sqlalchemy import (
    ColumnElement,
    Float,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Session

from db.models import AuditEvent, Officer, Task

Per = Literal["sop", "langkah", "peran", "petugas", "unit"]
"""How the report groups tasks: the whole SOP, its step, the acting role, the officer, the unit."""

BREACH_EVENT = "sla_terlampaui"


class AngkaKinerja(BaseModel):
    """A group's figures (see the module docstring): what the database answers, and what the
    API's read model shows beside the group's names."""

    sop: str
    """The SOP's code (``malang-pengelolaan-tik``)."""
    kasus: int
    tugas: int
    selesai: int
    diukur: int
    """Done tasks with a measured duration: the population of the median and the p90."""
    durasi_median_detik: float | None
    durasi_p90_detik: float | None
    dengan_mutu_baku: int
    """Done tasks that had a deadline: the denominator of ``persen_tepat_waktu``."""
    tepat_waktu: int
    persen_tepat_waktu: float | None
    terlampaui: int
    terbuka: int
    terlambat: int
    klaim: int
    """Done tasks taken from the role's queue: the population of the two medians below."""
    tunggu_median_detik: float | None
    kerja_median_detik: float | None


class BarisKinerja(AngkaKinerja):
    """One group's figures as the database answered them."""

    model_config = ConfigDict(frozen=True)

    kunci: str | None
    """The group's code: the step, the role, the officer's username, the unit (``None``: a task
    nobody took yet, or a task of no unit); the SOP's own code for ``per='sop'``."""
    nama_petugas: str | None
    """The officer's full name (``per='petugas'``), joined from ``officers``."""


def _group_key(per: Per) -> ColumnElement[str | None]:
    column = {"sop": Task.sop, "langkah": Task.step, "peran": Task.role, "unit": Task.unit}.get(per)
    if column is not None:
        return column.expression
    # the officer who did it, or who holds it (took it, or was named) while it is open
    return func.coalesce(Task.completed_by, Task.claimed_by, Task.assignee)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 where the condition holds, else 0: summed, a count that means the same on both DBs."""
    return case((condition, 1), else_=0)


def _percentile(
    value: ColumnElement[Any],
    rank: ColumnElement[Any],
    n: ColumnElement[Any],
    num: int,
    den: int,
) -> ColumnElement[float]:
    """The p = num/den percentile of ``value`` in each group, by linear interpolation.

    ``rank`` is the value's row_number in its group (ascending, NULLs last) and ``n`` the count of
    non-NULL values: ranks 1..n hold the values. With h - 1 = (n - 1)·num/den, the lower rank is
    ``(n - 1)·num // den + 1`` and the fraction ``((n - 1)·num mod den) / den``, integer arithmetic
    that SQLite and PostgreSQL agree on for n ≥ 1 (n = 0 leaves every value NULL: the answer is
    NULL). The upper rank does not exist when the fraction is 0 at the top; COALESCE takes the
    lower value then.
    """
    lower_rank = (n - 1) * num // den + 1
    low = func.max(case((rank == lower_rank, value)))
    high = func.max(case((rank == lower_rank + 1, value)))
    top = func.max(n)
    fraction = cast((top - 1) * num % den, Float) / literal(float(den), Float)
    return low + fraction * (func.coalesce(high, low) - low)


def kinerja(
    session: Session,
    *,
    agency: str,
    dari: datetime,
    sampai: datetime,
    now: datetime,
    per: Per = "langkah",
    sop: str | None = None,
    unit: str | None = None,
) -> list[BarisKinerja]:
    """The report's rows for one agency's tasks opened in ``[dari, sampai)``, grouped by ``per``
    within each SOP; ``sop`` and ``unit`` narrow it to one SOP or one unit. Rows come in SOP and
    group-code order; the caller names and orders them for display."""
    done = Task.status == "done"
    measured = and_(done, Task.elapsed_seconds.is_not(None))
    claimed = and_(measured, Task.waiting_seconds.is_not(None))
    breach_line = exists().where(
        AuditEvent.event_key == Task.task_key + "/" + BREACH_EVENT,
        AuditEvent.event == BREACH_EVENT,
    )
    filters: list[ColumnElement[bool]] = [
        Task.agency == agency,
        Task.opened_at >= dari,
        Task.opened_at < sampai,
    ]
    if sop is not None:
        filters.append(Task.sop == sop)
    if unit is not None:
        filters.append(Task.unit == unit)

    t = (
        select(
            Task.sop.label("sop"),
            _group_key(per).label("kunci"),
            Task.case_number.label("case_number"),
            _flag(done).label("selesai"),
            case((measured, Task.elapsed_seconds)).label("durasi"),
            _flag(and_(done, Task.due_at.is_not(None))).label("dengan_mutu_baku"),
            _flag(and_(done, Task.due_at.is_not(None), Task.completed_at <= Task.due_at)).label(
                "tepat_waktu"
            ),
            _flag(or_(Task.overdue, breach_line)).label("terlampaui"),
            _flag(Task.status == "open").label("terbuka"),
            _flag(
                and_(
                    Task.status == "open",
                    or_(Task.overdue, and_(Task.due_at.is_not(None), Task.due_at < now)),
                )
            ).label("terlambat"),
            case((claimed, Task.waiting_seconds)).label("tunggu"),
            case((claimed, Task.elapsed_seconds - Task.waiting_seconds)).label("kerja"),
        )
        .where(*filters)
        .subquery("t")
    )
    group = (t.c.sop, t.c.kunci)

    def ranked(col: ColumnElement[Any]) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
        return (
            func.row_number().over(partition_by=group, order_by=col.asc().nulls_last()),
            func.count(col).over(partition_by=group),
        )

    rn_d, n_d = ranked(t.c.durasi)
    rn_t, n_t = ranked(t.c.tunggu)
    rn_k, n_k = ranked(t.c.kerja)
    r = select(
        *t.c,
        rn_d.label("rn_d"),
        n_d.label("n_d"),
        rn_t.label("rn_t"),
        n_t.label("n_t"),
        rn_k.label("rn_k"),
        n_k.label("n_k"),
    ).subquery("r")

    with_standard = func.sum(r.c.dengan_mutu_baku)
    agg = (
        select(
            r.c.sop,
            r.c.kunci,
            func.count(func.distinct(r.c.case_number)).label("kasus"),
            func.count().label("tugas"),
            func.sum(r.c.selesai).label("selesai"),
            func.count(r.c.durasi).label("diukur"),
            _percentile(r.c.durasi, r.c.rn_d, r.c.n_d, 1, 2).label("durasi_median_detik"),
            _percentile(r.c.durasi, r.c.rn_d, r.c.n_d, 9, 10).label("durasi_p90_detik"),
            with_standard.label("dengan_mutu_baku"),
            func.sum(r.c.tepat_waktu).label("tepat_waktu"),
            (
                cast(func.sum(r.c.tepat_waktu), Float)
                * literal(100.0, Float)
                / cast(func.nullif(with_standard, 0), Float)
            ).label("persen_tepat_waktu"),
            func.sum(r.c.terlampaui).label("terlampaui"),
            func.sum(r.c.terbuka).label("terbuka"),
            func.sum(r.c.terlambat).label("terlambat"),
            func.count(r.c.tunggu).label("klaim"),
            _percentile(r.c.tunggu, r.c.rn_t, r.c.n_t, 1, 2).label("tunggu_median_detik"),
            _percentile(r.c.kerja, r.c.rn_k, r.c.n_k, 1, 2).label("kerja_median_detik"),
        )
        .group_by(*(r.c.sop, r.c.kunci))
        .subquery("agg")
    )
    name = Officer.full_name if per == "petugas" else literal(None, Officer.full_name.type)
    query = select(*agg.c, name.label("nama_petugas"))
    if per == "petugas":
        query = query.outerjoin(Officer, Officer.username == agg.c.kunci)
    query = query.order_by(agg.c.sop, agg.c.kunci)
    return [_row(m) for m in session.execute(query).mappings()]


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _row(m: Any) -> BarisKinerja:
    """A result row as figures: durations and shares as floats (PostgreSQL answers numerics as
    Decimal), counts as ints."""
    return BarisKinerja.model_validate({k: _float(v) if k in _FLOATS else v for k, v in m.items()})


_FLOATS = frozenset(
    k for k, f in AngkaKinerja.model_fields.items() if f.annotation == (float | None)
)
