"""The campaign a database was created for: its year, first and last month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from qzfsg.errors import QzfsgError
from qzfsg.months import Month
from qzfsg.queries.calendar import fact

if TYPE_CHECKING:
    from qzfsg.defaults import CalendarDef


@dataclass(frozen=True)
class Campaign:
    first: Month
    last: Month
    shift_to_workday: bool = False

    @property
    def year(self) -> int:
        return self.first.year

    @property
    def months(self) -> list[Month]:
        return self.first.until(self.last)

    def current_month(self, today: date) -> Month:
        """Today's month, kept within the campaign: the month a change made today applies
        from (the first month before the campaign, the last one after it)."""
        return min(max(Month.of(today), self.first), self.last)

    def inside(self, months: list[Month]) -> list[Month]:
        """Those of `months` that belong to the campaign (may be none)."""
        return [m for m in months if self.first <= m <= self.last]

    def within(self, months: list[Month], label: str, purpose: str) -> list[Month]:
        """The campaign's months among `months` (a period called `label`), refused when
        there are none: `rank`, `bulletin` and `report` say the same for the same month."""
        found = self.inside(months)
        if not found:
            raise QzfsgError(
                f"{label}不在本次行动期内（{self.first.label}至{self.last.label}），{purpose}。"
            )
        return found

    def require(self, month: Month, option: str) -> Month:
        """`month` as given with `option`, refused when it lies outside the campaign."""
        if not self.first <= month <= self.last:
            raise QzfsgError(
                f"{option} {month} 不在行动期（{self.first} 至 {self.last}）内，请检查月份。"
            )
        return month

    def facts(self) -> dict[str, str]:
        return {
            "campaign_first_month": str(self.first),
            "campaign_last_month": str(self.last),
            "shift_to_workday": "1" if self.shift_to_workday else "0",
        }

    @classmethod
    def from_calendar(cls, calendar: CalendarDef) -> Campaign:
        return cls(
            first=Month(calendar.year, calendar.first_month),
            last=Month(calendar.year, calendar.last_month),
            shift_to_workday=calendar.shift_to_workday,
        )


def load_campaign(connection: Any) -> Campaign:
    """The campaign of the database (a DB-API connection, see qzfsg.queries)."""
    return Campaign(
        first=Month.parse(fact(connection, "campaign_first_month") or "2018-05"),
        last=Month.parse(fact(connection, "campaign_last_month") or "2018-12"),
        shift_to_workday=fact(connection, "shift_to_workday") == "1",
    )
