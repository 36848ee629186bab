"""The chase list (`qzfsg overdue`): every item due by the as-of day that is missing or
came late, with the liaison to phone."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any, Literal

from qzfsg.jsonout import Rows, string
from qzfsg.months import Month
from qzfsg.queries import timeliness as timeliness_queries
from qzfsg.timeliness.arrivals import end_of_day, judge, stored_time
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
    """The --json shape of `overdue`, as issue 4 fixes it (the items written one by one)."""
    items = Rows(report.items, _item_json, _item_text)
    return {"as_of": report.as_of.isoformat(), "items": items}


def _item_json(item: OverdueItem) -> dict[str, Any]:
    liaison = item.liaison
    return {
        "unit": item.unit,
        "kind": item.kind,
        "item": item.item,
        "month": item.month,
        "due": item.due.isoformat(),
        "status": item.status,
        "days_late": item.days_late,
        "received": item.received.isoformat() if item.received else None,
        "liaison": {"name": liaison.name, "mobile": liaison.mobile} if liaison else None,
    }


def _item_text(item: OverdueItem) -> str:
    """`json.dumps(_item_json(item))`, faster (a chase list of 50,000 units is long)."""
    liaison = item.liaison
    if liaison is None:
        contact = "null"
    else:
        mobile = "null" if liaison.mobile is None else string(liaison.mobile)
        contact = f'{{"name": {string(liaison.name)}, "mobile": {mobile}}}'
    month = "null" if item.month is None else string(item.month)
    received = "null" if item.received is None else f'"{item.received.isoformat()}"'
    return (
        f'{{"unit": {string(item.unit)}, "kind": {string(item.kind)}, '
        f'"item": {string(item.item)}, "month": {month}, "due": "{item.due.isoformat()}", '
        f'"status": "{item.status}", "days_late": {item.days_late}, "received": {received}, '
        f'"liaison": {contact}}}'
    )


def _latest_liaisons(connection: Any, unit_ids: Iterable[int]) -> dict[int, LiaisonContact]:
    """Each unit's most recently received liaison (as liaisons.latest_liaisons decides)."""
    wanted = set(unit_ids)
    found: dict[int, LiaisonContact] = {}
    for unit_id, name, mobile in timeliness_queries.liaison_contacts(connection):
        if unit_id in wanted:
            found[unit_id] = LiaisonContact(name, mobile)
    return found


def due_query(item: DueItem) -> timeliness_queries.DueQuery:
    return timeliness_queries.DueQuery(
        is_return=item.is_return,
        item=item.item,
        who=item.who,
        deadline_id=item.deadline_id,
        month=str(item.month) if item.month else None,
        active_month=str(item.active_month),
        due_cutoff=end_of_day(item.due),
    )


def select_due_items(
    session: Any, as_of: date, month: Month | None = None, item: str | None = None
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
    session: Any,
    as_of: date | None = None,
    month: Month | None = None,
    kind: str | None = None,
    item: str | None = None,
) -> OverdueReport:
    """Every item due before the as-of day that is missing or arrived late: missing first,
    most overdue first, then by due date, registry order and calendar order."""
    as_of = as_of or date.today()
    items = select_due_items(session, as_of, month, item)
    rows = timeliness_queries.overdue_rows(
        session, [due_query(i) for i in items], end_of_day(as_of), kind
    )
    liaisons = _latest_liaisons(session, (row[1] for row in rows))
    months = [str(i.month) if i.month else None for i in items]  # once per item, not per row
    found = []
    for seq, unit_id, name, unit_kind, sort_order, first, rejected in rows:
        due = items[seq]
        status, days = judge(due.due, first, as_of)
        entry = OverdueItem(
            unit=name,
            kind=unit_kind,
            item=due.item,
            month=months[seq],
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
    found.sort(key=itemgetter(0))
    return OverdueReport(as_of=as_of, items=[entry for _, entry in found])
