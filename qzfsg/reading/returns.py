"""A monthly return as parsed from a file, before and after its checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from qzfsg.findings import Finding, has_errors, has_warnings
from qzfsg.months import Month

Column = Literal["month", "cumulative"]
COLUMN_LABELS: dict[str, str] = {"month": "本月数", "cumulative": "累计数"}


@dataclass(slots=True)
class Entry:
    """One indicator row: the two numbers (None where unreadable) and their cells."""

    month: Decimal | None
    cumulative: Decimal | None
    month_cell: str
    cumulative_cell: str

    def cell(self, column: Column) -> str:
        return self.month_cell if column == "month" else self.cumulative_cell


@dataclass(slots=True)
class CheckedReturn:
    """Everything known about one file after reading and checking it. Plain dataclasses,
    built for every file of an import and sent between processes: nothing here comes
    unchecked from outside (the reader and the rules made every value)."""

    file: str
    sheet: str | None = None
    unit: str | None = None  # official name, when resolved
    unit_text: str | None = None  # as written
    month: Month | None = None
    month_source: str | None = None  # option | field | filed | owed
    filed_on: date | None = None
    filed_text: str | None = None
    entries: dict[str, Entry] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return not has_errors(self.findings)

    @property
    def flagged(self) -> bool:
        return has_warnings(self.findings)

    def values(self) -> dict[str, tuple[Decimal, Decimal]]:
        """(本月数, 累计数) by indicator code; only for a return without errors."""
        return {
            code: (e.month or Decimal(0), e.cumulative or Decimal(0))
            for code, e in self.entries.items()
        }
