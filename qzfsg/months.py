"""Reporting months as a small value type (`2018-06`), never loose strings."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from qzfsg.errors import QzfsgError

# A return (or document) dated day 1–15 of a month is a late one for the month before; from
# day 16 on it is for that month (DOMAIN.md: the reporting month inferred from 填报时间).
LATE_FILING_LAST_DAY = 15

_MONTH = re.compile(r"^\s*(\d{4})\s*(?:-|/|\.|年)\s*(\d{1,2})\s*月?\s*$")


@dataclass(frozen=True, order=True, slots=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12:
            raise ValueError(f"month out of range: {self.month}")

    @classmethod
    def parse(cls, text: str) -> Month:
        """Read `2018-06`, `2018-6`, `2018/06`, `2018.6` or `2018年6月`."""
        m = _MONTH.match(str(text))
        if not m or not 1 <= int(m.group(2)) <= 12:
            raise QzfsgError(f"月份“{text}”无法识别，应写成 YYYY-MM，例如 2018-06。")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def filed_for(cls, day: date) -> Month:
        """The month a return dated `day` is for: the month before on day 1–15."""
        month = cls(day.year, day.month)
        return month.previous() if day.day <= LATE_FILING_LAST_DAY else month

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        """How the month is written in Chinese text: 2018年6月."""
        return f"{self.year}年{self.month}月"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def day(self, n: int) -> date:
        """Day n of the month; 0 (or a day past the end) means the last day."""
        last = self.last_day.day
        return date(self.year, self.month, last if n <= 0 or n > last else n)

    def shift(self, months: int) -> Month:
        index = self.year * 12 + self.month - 1 + months
        return Month(index // 12, index % 12 + 1)

    def next(self) -> Month:
        return self.shift(1)

    def previous(self) -> Month:
        return self.shift(-1)

    def until(self, last: Month) -> list[Month]:
        """Every month from this one to `last`, both included."""
        count = (last.year - self.year) * 12 + last.month - self.month
        return [self.shift(i) for i in range(count + 1)]

    @property
    def quarter(self) -> int:
        return (self.month - 1) // 3 + 1

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        def validate(value: Any) -> Month:
            return value if isinstance(value, Month) else cls.parse(value)

        return core_schema.no_info_plain_validator_function(
            validate, serialization=core_schema.to_string_ser_schema()
        )


def day_label(day: date) -> str:
    """How a day is written in a text sent out: 2018年9月30日."""
    return f"{day.year}年{day.month}月{day.day}日"
