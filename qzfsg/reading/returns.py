"""A monthly return as parsed from a file, before and after its checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field

from qzfsg.findings import Finding, has_errors, has_warnings
from qzfsg.months import Month

Column = Literal["month", "cumulative"]
COLUMN_LABELS: dict[str, str] = {"month": "本月数", "cumulative": "累计数"}


class Entry(BaseModel):
    """One indicator row: the two numbers (None where unreadable) and their cells."""

    month: Decimal | None
    cumulative: Decimal | None
    month_cell: str
    cumulative_cell: str

    def cell(self, column: Column) -> str:
        return self.month_cell if column == "month" else self.cumulative_cell

    def value(self, column: Column) -> Decimal | None:
        return self.month if column == "month" else self.cumulative


class CheckedReturn(BaseModel):
    """Everything known about one file after reading and checking it."""

    file: str
    sheet: str | None = None
    unit: str | None = None  # official name, when resolved
    unit_text: str | None = None  # as written
    month: Month | None = None
    month_source: str | None = None  # option | field | filed | owed
    filed_on: date | None = None
    filed_text: str | None = None
    entries: dict[str, Entry] = Field(default_factory=dict)
    findings: list[Finding] = Field(default_factory=list)

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
