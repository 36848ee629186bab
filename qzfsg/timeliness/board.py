"""The reporting board (`qzfsg status`): units x months of the monthly return, with the
reporting rate and on-time rate per month and the units late month after month."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from qzfsg.campaign import load_campaign
from qzfsg.errors import QzfsgError
from qzfsg.jsonout import Rows, string
from qzfsg.locks import locked_months
from qzfsg.months import Month
from qzfsg.timeliness.arrivals import (
    REPEAT_RUN,
    ReturnState,
    addressee_test,
    unit_arrivals,
    unit_refs,
)
from qzfsg.timeliness.deadlines import (
    deadline_months,
    due_date,
    monthly_return_deadline,
    named_units,
)

LATE_OR_MISSING = frozenset(("late", "missing"))  # the states that make a run


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
    board = StatusBoard(
        as_of=as_of,
        from_month=str(months[0]),
        to_month=str(months[-1]),
        kind=kind,
        months=summaries,
    )
    keys = [tally.month for tally in summaries]
    position = {key: k for k, key in enumerate(keys)}
    # Per month: what a cell without an accepted return shows (cells are values, shared
    # by every unit alike: one object per distinct cell, however many units).
    nothing: list[BoardCell | None] = []
    rejected: list[BoardCell | None] = []
    for tally in summaries:
        due = tally.due
        if due is None:
            nothing.append(None)
            rejected.append(None)
        elif as_of > due:
            days = (as_of - due).days
            nothing.append(BoardCell("missing", days, None, False, False))
            rejected.append(BoardCell("missing", days, None, False, True))
        else:
            nothing.append(BoardCell("pending", None, None, False, False))
            rejected.append(BoardCell("pending", None, None, False, True))
    arrived: dict[tuple[int, str, bool], BoardCell] = {}  # (month, day, zero) -> its cell
    counts: list[dict[BoardCell, int]] = [{} for _ in summaries]
    units = unit_refs(session, kind)
    for unit, mine in unit_arrivals(session, units, months[0], months[-1], as_of, kind):
        if covers(unit):
            cells = list(nothing)
            if unit.active_from is not None or unit.inactive_from is not None:
                for k, key in enumerate(keys):
                    if not unit.active_in(key):
                        cells[k] = None
        else:
            cells = [None] * len(keys)
        for key, (received, was_rejected, zero) in mine.items():
            k = position[key]
            if cells[k] is None:
                continue
            if received is None:
                if was_rejected:
                    cells[k] = rejected[k]
                continue
            day = received[:10]
            cell = arrived.get((k, day, zero))
            if cell is None:
                cell = arrived[k, day, zero] = _arrived_cell(summaries[k].due, day, zero)
            cells[k] = cell
        run = longest = 0
        for count, cell in zip(counts, cells, strict=True):
            if cell is None:
                run = 0
                continue
            count[cell] = count.get(cell, 0) + 1
            if cell.status in LATE_OR_MISSING:
                run += 1
                longest = max(longest, run)
            else:
                run = 0
        board.units.append(
            BoardRow(unit.name, unit.kind, dict(zip(keys, cells, strict=True)), longest)
        )
    for tally, count in zip(summaries, counts, strict=True):
        for cell, n in count.items():
            tally.expected += n
            setattr(tally, cell.status, getattr(tally, cell.status) + n)
            tally.rejected_waiting += n * cell.rejected_waiting
            tally.zero += n * cell.zero
        tally.reported = tally.on_time + tally.late
    return board


def _arrived_cell(due: date | None, day: str, zero: bool) -> BoardCell:
    """The cell of a return first accepted on `day` (YYYY-MM-DD)."""
    assert due is not None
    if day <= due.isoformat():
        return BoardCell("on_time", None, day, zero, False)
    return BoardCell("late", (date.fromisoformat(day) - due).days, day, zero, False)


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
        "units": Rows(board.units, _row_json, _RowText().text),
    }


def _row_json(row: BoardRow) -> dict[str, Any]:
    return {
        "unit": row.unit,
        "kind": row.kind,
        "longest_run": row.longest_run,
        "repeat_offender": row.repeat_offender,
        "cells": {key: _cell_json(cell) for key, cell in row.cells.items()},
    }


class _RowText:
    """`json.dumps(_row_json(row))` of row after row, faster: the cells are few distinct
    values shared by thousands of units, so each one's text is made once."""

    def __init__(self) -> None:
        self.cells: dict[tuple[str, int], str] = {}  # (month, id of the cell) -> text

    def text(self, row: BoardRow) -> str:
        cells = []
        for key, cell in row.cells.items():
            part = self.cells.get((key, id(cell)))
            if part is None:
                value = json.dumps(_cell_json(cell), ensure_ascii=False)
                part = self.cells[key, id(cell)] = f"{string(key)}: {value}"
            cells.append(part)
        return (
            f'{{"unit": {string(row.unit)}, "kind": {string(row.kind)}, '
            f'"longest_run": {row.longest_run}, '
            f'"repeat_offender": {"true" if row.repeat_offender else "false"}, '
            f'"cells": {{{", ".join(cells)}}}}}'
        )
