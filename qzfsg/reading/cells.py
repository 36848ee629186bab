"""Reading raw cell values (as the reader hands them over) into numbers, dates and months.

Pure functions, no I/O. The rules come from DOMAIN.md: what counts as zero, which spellings
are read as a number with a note, and that money is an exact Decimal (never via float where
the cell holds text).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from qzfsg.months import Month
from qzfsg.reading.form import CellValue

# Notes: the value was read, but not as plainly written (info, not a warning).
UNIT_SUFFIX = "unit_suffix"
FULL_WIDTH = "full_width"
THOUSANDS = "thousands"
NOT_NUMERIC = "not_numeric"

_ZERO = Decimal(0)
# Whole numbers below this have at most 15 digits: Excel's 15 significant digits keep them.
_EXACT = 1e15
# What units write for "nothing this month" (DOMAIN.md): read as 0 with no note.
_ZERO_WORDS = frozenset({"", "无", "/", "／", "-", "－", "—", "——", "--", "－－"})
_PLAIN = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)")  # no exponent, NaN or Infinity
_GROUPED = re.compile(r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")
# The measure units of the 11 indicators (data/indicators.toml), half-width, longest first
# so that "3人(次)" loses "人(次)" and not just ")". "元" alone is not here on purpose:
# "12500元" on a 万元 row is off by 10,000 and must not pass as a number.
_UNIT_SUFFIXES = ("人(次)", "人次", "万元", "次", "家", "起", "个", "处", "人")
_SPACES = str.maketrans("", "", " \t\r\n\u3000\xa0")
# Full-width ASCII (U+FF01…U+FF5E: １２，．－ and brackets) to its half-width twin.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}

# Excel serial day numbers accepted as dates: 2000-01-01 … 2099-12-31.
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = (36526, 73050)
_DATE = re.compile(r"([0-9]{4})[年./-]([0-9]{1,2})[月./-]([0-9]{1,2})[日号]?")
_SHORT_YEAR_DATE = re.compile(r"([0-9]{2})年([0-9]{1,2})月([0-9]{1,2})[日号]?")
_MONTH = re.compile(r"([0-9]{4})[年./-]([0-9]{1,2})(?:月份?)?")


@dataclass(slots=True)
class Amount:
    value: Decimal | None  # None when not numeric
    notes: list[str] = field(default_factory=list)  # unit_suffix, full_width, thousands
    error: str | None = None  # not_numeric


def parse_amount(raw: CellValue) -> Amount:
    """The number in a 本月数/累计数 cell."""
    if raw.__class__ is float:  # the usual cell, before the checks below
        return _float_amount(raw)  # type: ignore[arg-type]
    if raw is None:
        return Amount(value=_ZERO)
    if isinstance(raw, bool):
        return Amount(value=None, error=NOT_NUMERIC)
    if isinstance(raw, int):
        return Amount(value=Decimal(raw))
    if isinstance(raw, float):
        return _float_amount(raw)
    if not isinstance(raw, str):
        return Amount(value=None, error=NOT_NUMERIC)  # a date or time in a number cell
    return _parse_text(raw)


def _float_amount(raw: float) -> Amount:
    if raw.is_integer() and -_EXACT < raw < _EXACT:
        return Amount(value=Decimal(int(raw)))  # what excel_figure gives, sooner
    if raw != raw or raw in (float("inf"), float("-inf")):
        return Amount(value=None, error=NOT_NUMERIC)
    return Amount(value=excel_figure(raw))


def excel_figure(raw: float) -> Decimal:
    """A finite number cell as Excel shows and computes it, with 15 significant digits: a
    cell it calculated as 0.7 + 0.1 is stored as 0.7999999999999999 but is 0.8 to everyone
    who sees it."""
    return _tidy(Decimal(format(raw, ".15g")))


def _parse_text(raw: str) -> Amount:
    text = raw.strip()
    if text in _ZERO_WORDS:
        return Amount(value=_ZERO)
    if _PLAIN.fullmatch(text):
        return Amount(value=_tidy(Decimal(text)))  # a number stored as text: no note
    # Fold full-width forms one character for one, so that the number part of `folded`
    # lines up with `text` and "3人（次）" is not noted as full-width for its brackets.
    folded = text.translate(_HALF_WIDTH)
    number, notes = folded, []
    for suffix in _UNIT_SUFFIXES:
        if folded.endswith(suffix) and len(folded) > len(suffix):
            number = folded[: -len(suffix)].rstrip()
            notes.append(UNIT_SUFFIX)
            break
    if text[: len(number)] != number:
        notes.append(FULL_WIDTH)
    if "," in number and _GROUPED.fullmatch(number):
        number = number.replace(",", "")
        notes.append(THOUSANDS)
    if notes and _PLAIN.fullmatch(number):
        return Amount(value=_tidy(Decimal(number)), notes=notes)
    return Amount(value=None, error=NOT_NUMERIC)


def _tidy(value: Decimal) -> Decimal:
    """Exact, without trailing zeros: 5.0 → 5, 2.40 → 2.4 (Decimal.normalize would round
    past 28 digits and write 100 as 1E+2). Callers pass finite values only."""
    if not value:
        return _ZERO
    sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    if exponent >= 0:
        return Decimal(int(value))
    while exponent < 0 and digits[-1] == 0:
        digits, exponent = digits[:-1], exponent + 1
    return Decimal((sign, digits, exponent))


@lru_cache(maxsize=4096, typed=True)  # returns of a month share their 填报时间 texts
def parse_filed_date(raw: CellValue) -> date | None:
    """The 填报时间: a date cell, an Excel serial number, or text such as "2018年8月27日",
    "2018-08-27", "2018.8.27", "2018/8/27" or "2018年08月27号". None when blank, left as the
    template's "年 月 日", or not a date."""
    if isinstance(raw, datetime):
        return raw.date()
    if isinstance(raw, date):
        return raw
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return _serial_date(raw)
    if not isinstance(raw, str):
        return None
    text = _arabic_date(unicodedata.normalize("NFKC", raw).translate(_SPACES))
    match = _DATE.fullmatch(text) or _SHORT_YEAR_DATE.fullmatch(text)
    if not match:
        return None
    year = int(match[1]) + (2000 if len(match[1]) == 2 else 0)  # 18年9月20日
    try:
        return date(year, int(match[2]), int(match[3]))
    except ValueError:  # 2018年2月30日
        return None


_CHINESE_DIGITS = dict(zip("〇零一二三四五六七八九", "00123456789", strict=True))
_CHINESE_NUMBER = re.compile(r"[〇零一二三四五六七八九十]+")


def _arabic_date(text: str) -> str:
    """二〇一八年九月二十日 -> 2018年9月20日: the year digit by digit, month and day as
    numbers written with 十."""

    def number(match: re.Match[str]) -> str:
        part = match[0]
        if "十" not in part:
            return "".join(_CHINESE_DIGITS[c] for c in part)
        tens, _, units = part.partition("十")
        if len(tens) > 1 or len(units) > 1:
            return part  # not a month or a day: leave it, the date will not parse
        value = int(_CHINESE_DIGITS[tens] if tens else 1) * 10
        return str(value + int(_CHINESE_DIGITS[units] if units else 0))

    return _CHINESE_NUMBER.sub(number, text) if "年" in text else text


@lru_cache(maxsize=4096, typed=True)
def parse_month_field(raw: CellValue) -> Month | None:
    """A 报告月份/统计月份 field: "2018年8月", "2018年8月份", "2018-08", "2018.8", or a date
    (cell, serial or text) standing for its month. None when blank or unreadable."""
    if isinstance(raw, str):
        match = _MONTH.fullmatch(unicodedata.normalize("NFKC", raw).translate(_SPACES))
        if match and 1 <= int(match[2]) <= 12:
            return Month(int(match[1]), int(match[2]))
    day = parse_filed_date(raw)
    return Month.of(day) if day else None


def _serial_date(serial: float) -> date | None:
    if not _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
        return None  # a count or a year typed into the field, not a date
    return _EXCEL_EPOCH + timedelta(days=int(serial))
