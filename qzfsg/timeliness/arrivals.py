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

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from qzfsg.campaign import load_campaign
from qzfsg.months import Month
from qzfsg.queries import timeliness as timeliness_queries
from qzfsg.registry import UnitRef, all_units
from qzfsg.timeliness.deadlines import (
    DeadlineRef,
    deadline_months,
    due_date,
    monthly_return_deadline,
    named_units,
)

ReturnState = Literal["on_time", "late", "missing", "pending"]
REPEAT_RUN = 2  # late or missing in this many consecutive months: a repeat offender


@dataclass(kw_only=True, slots=True)
class ReturnStatus:
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
# A unit's return for a month as received by the cut-off: (first accepted arrival as
# stored text or None, whether a rejected one was received, whether the latest accepted
# version is a zero return).
_Arrival = tuple[str | None, bool, bool]


def end_of_day(day: date) -> str:
    """Stored times sort as text: everything received on `day` is before this."""
    return (day + timedelta(days=1)).isoformat()


def unit_refs(connection: Any, kind: str | None = None) -> list[UnitRef]:
    return all_units(connection, kind)


def addressee_test(deadline: DeadlineRef, named: dict[int, set[int]]) -> Callable[[UnitRef], bool]:
    """Whether the deadline addresses a unit."""
    if deadline.who == "units":
        ids = named.get(deadline.id or 0, set())
        return lambda unit: unit.id in ids
    if deadline.who in ("town", "department"):
        return lambda unit: unit.kind == deadline.who
    return lambda unit: True


def unit_arrivals(
    connection: Any, units: list[UnitRef], first: Month, last: Month, as_of: date, kind: str | None
) -> Iterator[tuple[UnitRef, dict[str, _Arrival]]]:
    """Each of `units` (every unit of `kind` in registry order, as `unit_refs` gives them)
    with its arrivals {month: arrival}, one unit at a time."""
    zero_rows, rows = timeliness_queries.return_arrivals(
        connection, str(first), str(last), end_of_day(as_of), kind
    )
    # unit id -> month -> its latest zero version: the latest accepted one, if it is zero
    zero: dict[int, dict[str, int]] = {}
    for unit_id, month, version in zero_rows:
        versions = zero.setdefault(unit_id, {})
        versions[month] = max(version, versions.get(month, version))
    row = next(rows, None)
    for unit in units:
        mine: dict[str, _Arrival] = {}
        zeroed = zero.get(unit.id, {})
        while row is not None and row[0] == unit.id:
            _, month, received, rejected, latest = row
            is_zero = latest is not None and zeroed.get(month) == latest
            mine[month] = (received, bool(rejected), is_zero)
            row = next(rows, None)
        yield unit, mine


def judge(due: date, received: str | None, as_of: date) -> tuple[ReturnState, int | None]:
    if received is not None:
        day = received[:10]
        if day <= due.isoformat():
            return "on_time", None
        return "late", (date.fromisoformat(day) - due).days
    if as_of > due:
        return "missing", (as_of - due).days
    return "pending", None


def stored_time(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


# --------------------------------------------------------------------------- one month
def return_timeliness(
    session: Any, month: Month, as_of: date | None = None, kind: str | None = None
) -> list[ReturnStatus]:
    """The monthly return of every unit expected for `month`, in registry order (empty for
    a month the calendar's 月报表 deadline does not cover)."""
    as_of = as_of or date.today()
    campaign = load_campaign(session)
    deadline = monthly_return_deadline(session)
    if month not in deadline_months(deadline, campaign):
        return []
    due = due_date(deadline, month, campaign.shift_to_workday)
    covers = addressee_test(deadline, named_units(session))
    units = unit_refs(session, kind)
    key = str(month)
    found = []
    for unit, arrivals in unit_arrivals(session, units, month, month, as_of, kind):
        if not (unit.active_in(key) and covers(unit)):
            continue
        received, rejected, zero = arrivals.get(key, (None, False, False))
        status, days = judge(due, received, as_of)
        found.append(
            ReturnStatus(
                unit=unit.name,
                kind=unit.kind,
                month=key,
                due=due,
                status=status,
                received=stored_time(received),
                days_late=days,
                rejected_waiting=received is None and rejected,
                zero=received is not None and zero,
            )
        )
    return found
