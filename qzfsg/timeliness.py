"""Who sent what on time, late, or not at all: the monthly return and the documents.

Timeliness counts from the first accepted return of a unit and month: a later correction
does not make an on-time unit late, and a rejected return does not stop the clock. A
document (实施方案, 典型案例…) counts from its first recorded receipt. Everything is seen as
it stood at the end of the as-of day: what arrived later is not counted yet.

The expected reporters of a due item are the units its deadline addresses (all, towns,
departments or named units) that are active in its month. The work is done by a few
aggregate queries over covering indexes, never one query per unit, so that thousands of
units answer at once; the queries are written so that SQLite picks those indexes without
statistics (`+column` keeps a term from choosing the wrong one).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal, NamedTuple

from pydantic import BaseModel
from sqlmodel import Session

from qzfsg.campaign import load_campaign
from qzfsg.deadlines import (
    DueItem,
    deadline_months,
    due_date,
    due_items,
    match_item,
    monthly_return_deadline,
    named_units,
)
from qzfsg.errors import QzfsgError
from qzfsg.models import Deadline
from qzfsg.months import Month

ReturnState = Literal["on_time", "late", "missing", "pending"]
REPEAT_RUN = 2  # late or missing in this many consecutive months: a repeat offender
ZERO_FINDING = "all_zero"  # the import rule's finding: every 本月数 of the return is 0
MAX_BOARD_MONTHS = 60
ITEMS_PER_QUERY = 100  # due items per compound query (SQLite allows 500 terms)


class ReturnStatus(BaseModel):
    unit: str
    kind: str
    month: str
    due: date
    status: ReturnState  # pending: not due yet and nothing accepted
    received: datetime | None  # the first accepted return
    days_late: int | None  # late: days late; missing: days overdue so far
    rejected_waiting: bool  # nothing accepted, but a rejected return awaits correction
    zero: bool = False  # the latest accepted version reports 0 for every 本月数


# --------------------------------------------------------------------------- shared parts
@dataclass(frozen=True, slots=True)
class _Unit:
    id: int
    name: str
    kind: str
    sort_order: int
    active_from: str | None
    inactive_from: str | None

    def active_in(self, month: str) -> bool:
        return (self.active_from is None or self.active_from <= month) and (
            self.inactive_from is None or month < self.inactive_from
        )


# A unit's return for a month as received by the cut-off: (first accepted arrival as
# stored text or None, whether a rejected one was received, whether the latest accepted
# version is a zero return).
_Arrival = tuple[str | None, bool, bool]
_NOTHING: dict[str, _Arrival] = {}


# One row per unit and month that received anything by the cut-off; scans the covering
# index ix_submission_unit_month_status in (unit, month) order.
_RETURNS = """
SELECT unit_id, month,
       MIN(CASE WHEN status = 'accepted' THEN received_at END),
       MAX(status = 'rejected'),
       MAX(CASE WHEN status = 'accepted' THEN version END)
FROM submission
WHERE unit_id IS NOT NULL AND +month BETWEEN :first AND :last AND +received_at < :cutoff
GROUP BY unit_id, month
"""

# The accepted versions the import marked as zero returns.
_ZERO_RETURNS = f"""
SELECT s.unit_id, s.month, s.version
FROM finding AS f JOIN submission AS s ON s.id = f.submission_id
WHERE f.code = '{ZERO_FINDING}' AND s.status = 'accepted' AND s.unit_id IS NOT NULL
  AND s.month BETWEEN :first AND :last AND s.received_at < :cutoff
"""


def _rows(session: Session, sql: str, params: dict[str, Any]) -> list[tuple]:
    """Rows straight from the driver: thousands of small tuples, no result objects."""
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _cutoff(day: date) -> str:
    """Stored times sort as text: everything received on `day` is before this."""
    return (day + timedelta(days=1)).isoformat()


def _units(session: Session, kind: str | None = None) -> list[_Unit]:
    sql = "SELECT id, name, kind, sort_order, active_from, inactive_from FROM unit"
    sql += (" WHERE kind = :kind" if kind else "") + " ORDER BY sort_order, id"
    return [_Unit(*row) for row in _rows(session, sql, {"kind": kind})]


def _covers(deadline: Deadline, named: dict[int, set[int]]) -> Callable[[_Unit], bool]:
    """Whether the deadline addresses a unit."""
    if deadline.who == "units":
        ids = named.get(deadline.id or 0, set())
        return lambda unit: unit.id in ids
    if deadline.who in ("town", "department"):
        return lambda unit: unit.kind == deadline.who
    return lambda unit: True


def status_queries(first: Month, last: Month, as_of: date) -> list[tuple[str, dict[str, Any]]]:
    """The two queries behind the board: zero returns, and arrivals per unit and month."""
    params = {"first": str(first), "last": str(last), "cutoff": _cutoff(as_of)}
    return [(_ZERO_RETURNS, params), (_RETURNS, params)]


def _return_arrivals(
    session: Session, first: Month, last: Month, as_of: date
) -> dict[int, dict[str, _Arrival]]:
    """{unit id: {month: arrival}} for the units and months that received anything."""
    (zero_sql, params), (returns_sql, _) = status_queries(first, last, as_of)
    zero = set(_rows(session, zero_sql, params))
    found: dict[int, dict[str, _Arrival]] = {}
    for unit_id, month, received, rejected, latest in _rows(session, returns_sql, params):
        found.setdefault(unit_id, {})[month] = (
            received,
            bool(rejected),
            latest is not None and (unit_id, month, latest) in zero,
        )
    return found


def _judge(due: date, received: str | None, as_of: date) -> tuple[ReturnState, int | None]:
    if received is not None:
        day = received[:10]
        if day <= due.isoformat():
            return "on_time", None
        return "late", (date.fromisoformat(day) - due).days
    if as_of > due:
        return "missing", (as_of - due).days
    return "pending", None


def _time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


# --------------------------------------------------------------------------- one month
def return_timeliness(
    session: Session, month: Month, as_of: date | None = None, kind: str | None = None
) -> list[ReturnStatus]:
    """The monthly return of every unit expected for `month`, in registry order (empty for
    a month the calendar's 月报表 deadline does not cover)."""
    as_of = as_of or date.today()
    campaign = load_campaign(session)
    deadline = monthly_return_deadline(session)
    if month not in deadline_months(deadline, campaign):
        return []
    due = due_date(deadline, month, campaign.shift_to_workday)
    covers = _covers(deadline, named_units(session))
    arrivals = _return_arrivals(session, month, month, as_of)
    key = str(month)
    found = []
    for unit in _units(session, kind):
        if not (unit.active_in(key) and covers(unit)):
            continue
        received, rejected, zero = arrivals.get(unit.id, _NOTHING).get(key, (None, False, False))
        status, days = _judge(due, received, as_of)
        found.append(
            ReturnStatus(
                unit=unit.name,
                kind=unit.kind,
                month=key,
                due=due,
                status=status,
                received=_time(received),
                days_late=days,
                rejected_waiting=received is None and rejected,
                zero=received is not None and zero,
            )
        )
    return found


# --------------------------------------------------------------------------- the board
class BoardCell(NamedTuple):
    status: ReturnState
    days_late: int | None  # late: days late; missing: days overdue so far
    received: str | None  # the day the first accepted return arrived, YYYY-MM-DD
    zero: bool  # the latest accepted version is a zero return
    rejected_waiting: bool  # nothing accepted, but a rejected return awaits correction


@dataclass(slots=True)
class BoardRow:
    unit: str
    kind: str
    cells: dict[str, BoardCell | None]  # by month; None: not expected that month
    longest_run: int  # most consecutive months late or missing

    @property
    def repeat_offender(self) -> bool:
        return self.longest_run >= REPEAT_RUN


@dataclass(slots=True)
class MonthSummary:
    month: str
    due: date | None  # None: no return due that month
    expected: int = 0
    reported: int = 0  # an accepted return arrived (on time or late)
    on_time: int = 0
    late: int = 0
    missing: int = 0
    rejected_waiting: int = 0  # of the missing: a rejected return awaits correction
    pending: int = 0  # not due yet, nothing accepted
    zero: int = 0  # of the reported: zero returns

    @property
    def reporting_rate(self) -> float | None:
        return round(self.reported / self.expected, 4) if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time / self.expected, 4) if self.expected else None


@dataclass(slots=True)
class StatusBoard:
    as_of: date
    from_month: str
    to_month: str
    kind: str | None
    months: list[MonthSummary]
    units: list[BoardRow] = field(default_factory=list)

    @property
    def repeat_offenders(self) -> list[BoardRow]:
        return [row for row in self.units if row.repeat_offender]


def board_months(
    session: Session, first: Month | None, last: Month | None, as_of: date
) -> list[Month]:
    """The months of the board: by default from the campaign's start to the as-of month."""
    campaign = load_campaign(session)
    first = first or campaign.first
    if last is None:
        last = max(min(max(Month.of(as_of), campaign.first), campaign.last), first)
    if first > last:
        raise QzfsgError(f"起始月 {first} 晚于结束月 {last}，请检查 --from 和 --to。")
    if len(first.until(last)) > MAX_BOARD_MONTHS:
        raise QzfsgError(
            f"{first} 至 {last} 超过 {MAX_BOARD_MONTHS} 个月，请缩小 --from 和 --to 的范围。"
        )
    return first.until(last)


def status_board(
    session: Session,
    first: Month | None = None,
    last: Month | None = None,
    as_of: date | None = None,
    kind: str | None = None,
) -> StatusBoard:
    """Units × months of the monthly return, with per-month reporting rates."""
    as_of = as_of or date.today()
    months = board_months(session, first, last, as_of)
    campaign = load_campaign(session)
    deadline = monthly_return_deadline(session)
    covered = set(deadline_months(deadline, campaign))
    summaries = [
        MonthSummary(
            month=str(m),
            due=due_date(deadline, m, campaign.shift_to_workday) if m in covered else None,
        )
        for m in months
    ]
    covers = _covers(deadline, named_units(session))
    arrivals = _return_arrivals(session, months[0], months[-1], as_of)
    board = StatusBoard(
        as_of=as_of,
        from_month=str(months[0]),
        to_month=str(months[-1]),
        kind=kind,
        months=summaries,
    )
    # Per month: what a cell without an accepted return shows (shared, cells are values).
    plan = []
    for tally in summaries:
        due = tally.due
        if due is None:
            plan.append((tally, None, "", None, None))
            continue
        if as_of > due:
            days = (as_of - due).days
            waiting = (
                BoardCell("missing", days, None, False, False),
                BoardCell("missing", days, None, False, True),
            )
        else:
            waiting = (BoardCell("pending", None, None, False, False),) * 2
        plan.append((tally, due, due.isoformat(), waiting[0], waiting[1]))
    for unit in _units(session, kind):
        cells: dict[str, BoardCell | None] = {}
        run = longest = 0
        mine = arrivals.get(unit.id, _NOTHING)
        addressed = covers(unit)
        always = unit.active_from is None and unit.inactive_from is None
        for tally, due, due_day, nothing, rejected in plan:
            key = tally.month
            if due is None or not addressed or not (always or unit.active_in(key)):
                cells[key] = None
                run = 0
                continue
            got = mine.get(key)
            if got is None or got[0] is None:
                cell = rejected if got is not None and got[1] else nothing
            else:
                day = got[0][:10]
                if day <= due_day:
                    cell = BoardCell("on_time", None, day, got[2], False)
                else:
                    late = (date.fromisoformat(day) - due).days
                    cell = BoardCell("late", late, day, got[2], False)
            cells[key] = cell
            status = cell.status
            tally.expected += 1
            if status == "on_time":
                tally.on_time += 1
                run = 0
            elif status == "late":
                tally.late += 1
                run += 1
            elif status == "missing":
                tally.missing += 1
                tally.rejected_waiting += cell.rejected_waiting
                run += 1
            else:
                tally.pending += 1
                run = 0
            tally.zero += cell.zero
            if run > longest:
                longest = run
        board.units.append(BoardRow(unit.name, unit.kind, cells, longest))
    for tally in summaries:
        tally.reported = tally.on_time + tally.late
    return board


def _cell_json(cell: BoardCell | None) -> dict[str, Any] | None:
    if cell is None:
        return None
    return {
        "status": cell.status,
        "days_late": cell.days_late,
        "received": cell.received,
        "zero": cell.zero,
        "rejected_waiting": cell.rejected_waiting,
    }


def board_json(board: StatusBoard) -> dict[str, Any]:
    """The --json shape of `status` (see README), from the same data as the table."""
    return {
        "as_of": board.as_of.isoformat(),
        "from_month": board.from_month,
        "to_month": board.to_month,
        "kind": board.kind,
        "months": [
            {
                "month": m.month,
                "due": m.due.isoformat() if m.due else None,
                "expected": m.expected,
                "reported": m.reported,
                "on_time": m.on_time,
                "late": m.late,
                "missing": m.missing,
                "rejected_waiting": m.rejected_waiting,
                "pending": m.pending,
                "zero": m.zero,
                "reporting_rate": m.reporting_rate,
                "on_time_rate": m.on_time_rate,
            }
            for m in board.months
        ],
        "repeat_offenders": [row.unit for row in board.repeat_offenders],
        "units": [
            {
                "unit": row.unit,
                "kind": row.kind,
                "longest_run": row.longest_run,
                "repeat_offender": row.repeat_offender,
                "cells": {key: _cell_json(cell) for key, cell in row.cells.items()},
            }
            for row in board.units
        ],
    }


# --------------------------------------------------------------------------- overdue
@dataclass(frozen=True, slots=True)
class LiaisonContact:
    name: str
    mobile: str | None


@dataclass(slots=True)
class OverdueItem:
    """One item due before the as-of day that is missing or arrived late."""

    unit: str
    kind: str
    item: str
    month: str | None  # the reporting month of a monthly item
    due: date
    status: Literal["missing", "late"]
    days_late: int  # missing: days overdue so far; late: days late
    received: datetime | None  # the first arrival
    liaison: LiaisonContact | None
    rejected_waiting: bool = False  # a return is missing, but a rejected one awaits correction


@dataclass(slots=True)
class OverdueReport:
    as_of: date
    items: list[OverdueItem]


def overdue_json(report: OverdueReport) -> dict[str, Any]:
    """The --json shape of `overdue`, as issue 4 fixes it."""
    return {
        "as_of": report.as_of.isoformat(),
        "items": [
            {
                "unit": i.unit,
                "kind": i.kind,
                "item": i.item,
                "month": i.month,
                "due": i.due.isoformat(),
                "status": i.status,
                "days_late": i.days_late,
                "received": i.received.isoformat() if i.received else None,
                "liaison": {"name": i.liaison.name, "mobile": i.liaison.mobile}
                if i.liaison
                else None,
            }
            for i in report.items
        ],
    }


# Per due item: the expected units without an arrival by the end of the due day (NOT IN
# over ix_*_month), with their first arrival after it, if any (ix_*_unit_*).
_LATE_RETURNS = """
SELECT {seq}, u.id, u.name, u.kind, u.sort_order,
       (SELECT MIN(s.received_at) FROM submission AS s
        WHERE s.unit_id = u.id AND s.month = :m{seq} AND s.status = 'accepted'
          AND s.received_at < :cutoff),
       EXISTS (SELECT 1 FROM submission AS s
        WHERE s.unit_id = u.id AND s.month = :m{seq} AND s.status = 'rejected'
          AND s.received_at < :cutoff)
FROM unit AS u
WHERE {who} AND (u.active_from IS NULL OR u.active_from <= :a{seq})
  AND (u.inactive_from IS NULL OR :a{seq} < u.inactive_from)
  AND u.id NOT IN (SELECT s.unit_id FROM submission AS s
        WHERE s.month = :m{seq} AND s.status = 'accepted' AND s.received_at < :t{seq}
          AND s.unit_id IS NOT NULL)"""

_LATE_DOCUMENTS = """
SELECT {seq}, u.id, u.name, u.kind, u.sort_order,
       (SELECT MIN(r.received_at) FROM receipt AS r
        WHERE r.unit_id = u.id AND r.item = :i{seq} AND r.month {month}
          AND r.received_at < :cutoff),
       0
FROM unit AS u
WHERE {who} AND (u.active_from IS NULL OR u.active_from <= :a{seq})
  AND (u.inactive_from IS NULL OR :a{seq} < u.inactive_from)
  AND u.id NOT IN (SELECT r.unit_id FROM receipt AS r
        WHERE r.item = :i{seq} AND r.month {month} AND r.received_at < :t{seq})"""


def overdue_query(
    items: list[DueItem], as_of: date, kind: str | None = None, first_seq: int = 0
) -> tuple[str, dict[str, Any]]:
    """One compound query finding every missing or late (unit, item) of `items`: each row
    is (item index, unit id, name, kind, sort order, first arrival, rejected return)."""
    params: dict[str, Any] = {"cutoff": _cutoff(as_of), "kind": kind}
    parts = []
    for offset, item in enumerate(items):
        seq = first_seq + offset
        if item.who == "units":
            who = f"u.id IN (SELECT unit_id FROM deadlineunit WHERE deadline_id = :d{seq})"
        elif item.who in ("town", "department"):
            who = f"u.kind = :w{seq}"
        else:
            who = "1"
        if kind:
            who += " AND u.kind = :kind"
        template = _LATE_RETURNS if item.is_return else _LATE_DOCUMENTS
        month = f"= :m{seq}" if item.month else "IS NULL"
        parts.append(template.format(seq=seq, who=who, month=month))
        params |= {
            f"m{seq}": str(item.month) if item.month else None,
            f"a{seq}": str(item.active_month),
            f"t{seq}": _cutoff(item.due),
            f"i{seq}": item.item,
            f"w{seq}": item.who,
            f"d{seq}": item.deadline_id,
        }
    return "\nUNION ALL".join(parts), params


def _latest_liaisons(session: Session, unit_ids: Iterable[int]) -> dict[int, LiaisonContact]:
    """Each unit's most recently received liaison (as liaisons.latest_liaisons decides)."""
    wanted = set(unit_ids)
    found: dict[int, LiaisonContact] = {}
    sql = "SELECT unit_id, name, mobile FROM liaison ORDER BY received_at, id"
    for unit_id, name, mobile in _rows(session, sql, {}):
        if unit_id in wanted:
            found[unit_id] = LiaisonContact(name, mobile)
    return found


def select_due_items(
    session: Session, as_of: date, month: Month | None = None, item: str | None = None
) -> list[DueItem]:
    """The calendar's items due before the as-of day, for one month or item if given."""
    chosen = match_item(session, item) if item else None
    return [
        due
        for due in due_items(session)
        if due.due < as_of
        and (chosen is None or due.item == chosen)
        and (month is None or due.active_month == month)
    ]


def list_overdue(
    session: Session,
    as_of: date | None = None,
    month: Month | None = None,
    kind: str | None = None,
    item: str | None = None,
) -> OverdueReport:
    """Every item due before the as-of day that is missing or arrived late: missing first,
    most overdue first, then by due date, registry order and calendar order."""
    as_of = as_of or date.today()
    items = select_due_items(session, as_of, month, item)
    rows: list[tuple] = []
    for start in range(0, len(items), ITEMS_PER_QUERY):
        sql, params = overdue_query(items[start : start + ITEMS_PER_QUERY], as_of, kind, start)
        rows.extend(_rows(session, sql, params))
    liaisons = _latest_liaisons(session, (row[1] for row in rows))
    found = []
    for seq, unit_id, name, unit_kind, sort_order, first, rejected in rows:
        due = items[seq]
        status, days = _judge(due.due, first, as_of)
        entry = OverdueItem(
            unit=name,
            kind=unit_kind,
            item=due.item,
            month=str(due.month) if due.month else None,
            due=due.due,
            status=status,  # type: ignore[arg-type]
            days_late=days or 0,
            received=_time(first),
            liaison=liaisons.get(unit_id),
            rejected_waiting=bool(rejected) and first is None,
        )
        found.append(
            ((status != "missing", -(days or 0), due.due, sort_order, unit_id, seq), entry)
        )
    found.sort(key=lambda pair: pair[0])
    return OverdueReport(as_of=as_of, items=[entry for _, entry in found])
