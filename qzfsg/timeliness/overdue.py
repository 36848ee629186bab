"""The chase list (`qzfsg overdue`): every item due by the as-of day that is missing or
came late, with the liaison to phone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from sqlmodel import Session

from qzfsg.months import Month
from qzfsg.timeliness.arrivals import ITEMS_PER_QUERY, end_of_day, judge, query_rows, stored_time
from qzfsg.timeliness.deadlines import (
    DueItem,
    due_items,
    match_item,
)


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
    params: dict[str, Any] = {"cutoff": end_of_day(as_of), "kind": kind}
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
            f"t{seq}": end_of_day(item.due),
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
    for unit_id, name, mobile in query_rows(session, sql, {}):
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
        rows.extend(query_rows(session, sql, params))
    liaisons = _latest_liaisons(session, (row[1] for row in rows))
    found = []
    for seq, unit_id, name, unit_kind, sort_order, first, rejected in rows:
        due = items[seq]
        status, days = judge(due.due, first, as_of)
        entry = OverdueItem(
            unit=name,
            kind=unit_kind,
            item=due.item,
            month=str(due.month) if due.month else None,
            due=due.due,
            status=status,  # type: ignore[arg-type]
            days_late=days or 0,
            received=stored_time(first),
            liaison=liaisons.get(unit_id),
            rejected_waiting=bool(rejected) and first is None,
        )
        found.append(
            ((status != "missing", -(days or 0), due.due, sort_order, unit_id, seq), entry)
        )
    found.sort(key=lambda pair: pair[0])
    return OverdueReport(as_of=as_of, items=[entry for _, entry in found])
