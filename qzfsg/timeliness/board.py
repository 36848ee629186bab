"""The reporting board (`qzfsg status`): units x months of the monthly return, with the
reporting rate and on-time rate per month and the units late month after month."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from qzfsg.campaign import load_campaign
from qzfsg.errors import QzfsgError
from qzfsg.locks import locked_months
from qzfsg.months import Month
from qzfsg.timeliness.arrivals import (
    NO_ARRIVALS,
    REPEAT_RUN,
    ReturnState,
    addressee_test,
    return_arrivals,
    unit_refs,
)
from qzfsg.timeliness.deadlines import (
    deadline_months,
    due_date,
    monthly_return_deadline,
    named_units,
)


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
    rejected_waiting: int = 0  # of the missing or pending: a rejected return awaits correction
    pending: int = 0  # not due yet, nothing accepted
    zero: int = 0  # of the reported: zero returns
    published: bool = False  # the month is locked (qzfsg lock): 已发布

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


def board_months(session: Any, first: Month | None, last: Month | None, as_of: date) -> list[Month]:
    """The months of the board: by default from the campaign's start to the as-of month."""
    campaign = load_campaign(session)
    first = campaign.require(first, "--from") if first else campaign.first
    if last is None:
        last = max(campaign.current_month(as_of), first)
    else:
        campaign.require(last, "--to")
    if first > last:
        raise QzfsgError(f"起始月 {first} 晚于结束月 {last}，请检查 --from 和 --to。")
    return first.until(last)


def status_board(
    session: Any,
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
    locked = locked_months(session)
    summaries = [
        MonthSummary(
            month=str(m),
            due=due_date(deadline, m, campaign.shift_to_workday) if m in covered else None,
            published=str(m) in locked,
        )
        for m in months
    ]
    covers = addressee_test(deadline, named_units(session))
    arrivals = return_arrivals(session, months[0], months[-1], as_of)
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
            waiting = (
                BoardCell("pending", None, None, False, False),
                BoardCell("pending", None, None, False, True),
            )
        plan.append((tally, due, due.isoformat(), waiting[0], waiting[1]))
    for unit in unit_refs(session, kind):
        cells: dict[str, BoardCell | None] = {}
        run = longest = 0
        mine = arrivals.get(unit.id, NO_ARRIVALS)
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
                run += 1
            else:
                tally.pending += 1
                run = 0
            tally.rejected_waiting += cell.rejected_waiting
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
                "published": m.published,
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
