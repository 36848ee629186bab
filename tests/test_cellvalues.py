"""Reading raw cell values: each DOMAIN.md rule with a passing and a failing case, and
properties over generated numbers and junk."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qzfsg.months import Month
from qzfsg.reading.cells import (
    FULL_WIDTH,
    NOT_NUMERIC,
    THOUSANDS,
    UNIT_SUFFIX,
    excel_figure,
    parse_amount,
    parse_filed_date,
    parse_month_field,
)

# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize("raw", [None, "", "   ", "无", " 无 ", "/", "—", "——", "-", "－"])
def test_blank_and_nothing_words_are_zero_without_note(raw: object) -> None:
    amount = parse_amount(raw)
    assert (amount.value, amount.notes, amount.error) == (Decimal(0), [], None)


@pytest.mark.parametrize("raw", ["没有", "零", "//", "不详"])
def test_other_words_are_not_zero(raw: str) -> None:
    assert parse_amount(raw).error == NOT_NUMERIC


@pytest.mark.parametrize(
    ("raw", "value"),
    [("12", "12"), (" 7 ", "7"), ("0.35", "0.35"), ("2.40", "2.4"), ("-1", "-1"), (".5", "0.5")],
)
def test_numbers_stored_as_text_read_without_note(raw: str, value: str) -> None:
    amount = parse_amount(raw)
    assert (amount.value, amount.notes, amount.error) == (Decimal(value), [], None)


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        (5.0, "5"),
        (2.4, "2.4"),
        (0.05, "0.05"),
        (-1.0, "-1"),
        (12, "12"),
        (1e16, "10000000000000000"),
    ],
)
def test_number_cells_are_exact(raw: float, text: str) -> None:
    value = parse_amount(raw).value
    assert value == Decimal(text)
    assert str(value) == text  # 5.0 from a float cell is 5, not 5.0; 2.4 is not 2.3999…


@pytest.mark.parametrize(
    ("raw", "value", "notes"),
    [
        ("１２", "12", [FULL_WIDTH]),
        ("０．３５", "0.35", [FULL_WIDTH]),
        ("1,234", "1234", [THOUSANDS]),
        ("1,234.5", "1234.5", [THOUSANDS]),
        ("12次", "12", [UNIT_SUFFIX]),
        ("12 次", "12", [UNIT_SUFFIX]),
        ("1.25万元", "1.25", [UNIT_SUFFIX]),
        ("3人（次）", "3", [UNIT_SUFFIX]),
        ("3人次", "3", [UNIT_SUFFIX]),
        ("１，２３４家", "1234", [UNIT_SUFFIX, FULL_WIDTH, THOUSANDS]),
    ],
)
def test_loose_spellings_read_with_a_note(raw: str, value: str, notes: list[str]) -> None:
    amount = parse_amount(raw)
    assert (amount.value, amount.notes, amount.error) == (Decimal(value), notes, None)


@pytest.mark.parametrize(
    "raw",
    ["abc", "12元", "次", "12次次", "1,23", "1e5", "NaN", "Infinity", "约10", "3-5", "12 34",
     True, False, float("nan"), float("inf"), date(2018, 6, 1), datetime(2018, 6, 1),
     time(8, 30)],
)  # fmt: skip
def test_anything_else_is_not_numeric(raw: object) -> None:
    amount = parse_amount(raw)
    assert (amount.value, amount.error) == (None, NOT_NUMERIC)


_TENTHOUSANDTHS = st.decimals(min_value=0, max_value=10**15, places=4)
_FULL_WIDTH = str.maketrans("0123456789.,", "０１２３４５６７８９．，")


@given(_TENTHOUSANDTHS)
def test_plain_text_round_trips(number: Decimal) -> None:
    assert parse_amount(format(number, "f")).value == number


@given(_TENTHOUSANDTHS)
def test_full_width_text_round_trips(number: Decimal) -> None:
    amount = parse_amount(format(number, "f").translate(_FULL_WIDTH))
    assert (amount.value, amount.notes) == (number, [FULL_WIDTH])


@given(_TENTHOUSANDTHS)
def test_thousands_separators_round_trip(number: Decimal) -> None:
    amount = parse_amount(format(number, ",f"))
    assert amount.value == number
    assert (THOUSANDS in amount.notes) == (number >= 1000)


@given(_TENTHOUSANDTHS, st.sampled_from(["次", "人（次）", "家", "起", "万元", "个", "处", "人"]))
def test_unit_suffix_round_trips(number: Decimal, unit: str) -> None:
    amount = parse_amount(f"{number:f}{unit}")
    assert (amount.value, amount.notes) == (number, [UNIT_SUFFIX])


@given(st.text(max_size=30) | st.text("0123456789.,+-—－ 次万元人（）()１２，．无/", max_size=12))
def test_junk_text_never_raises(text: str) -> None:
    amount = parse_amount(text)
    assert (amount.value is None) == (amount.error == NOT_NUMERIC)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_cells_read_as_excel_shows_them(number: float) -> None:
    """15 significant digits, as Excel displays and computes."""
    assert parse_amount(number).value == Decimal(format(number, ".15g"))


@given(st.integers(-(10**15), 10**15).map(float) | st.floats(-1e16, 1e16))
def test_whole_float_cells_read_as_the_slow_path_reads_them(number: float) -> None:
    """The shortcut for whole numbers gives the very Decimal (digits and exponent too)."""
    assert repr(parse_amount(number).value) == repr(excel_figure(number))


@pytest.mark.parametrize(
    ("stored", "shown"),
    [(0.7999999999999999, "0.8"), (0.30000000000000004, "0.3"), (2.4, "2.4"), (5.0, "5"),
     (10.25, "10.25"), (1234567.1234, "1234567.1234")],
)  # fmt: skip
def test_excel_float_noise_is_read_as_the_number_shown(stored, shown):
    assert parse_amount(stored).value == Decimal(shown)


# --------------------------------------------------------------------------- 填报时间


@pytest.mark.parametrize(
    "raw",
    ["2018年8月27日", "2018-08-27", "2018.8.27", "2018/8/27", "2018年08月27号", " 2018 年 8 月 27 日 ",
     "２０１８年８月２７日", date(2018, 8, 27), datetime(2018, 8, 27, 9, 30), 43339, 43339.75],
)  # fmt: skip
def test_filed_date_readable(raw: object) -> None:
    assert parse_filed_date(raw) == date(2018, 8, 27)


@pytest.mark.parametrize(
    "raw",
    [None, "", "    年  月  日", "年月日", "8月27日", "2018年2月30日", "近日", 27, 2018, 1e9, True,
     time(8, 30)],
)  # fmt: skip
def test_filed_date_unreadable_is_none(raw: object) -> None:
    assert parse_filed_date(raw) is None


# --------------------------------------------------------------------------- 报告月份


@pytest.mark.parametrize(
    "raw",
    ["2018年8月", "2018年8月份", "2018-08", "2018.8", "2018/8", "2018年8月31日", date(2018, 8, 1),
     datetime(2018, 8, 31), 43343],
)  # fmt: skip
def test_month_field_readable(raw: object) -> None:
    assert parse_month_field(raw) == Month(2018, 8)


@pytest.mark.parametrize("raw", [None, "", "8月", "2018年13月", "本月", 8, True])
def test_month_field_unreadable_is_none(raw: object) -> None:
    assert parse_month_field(raw) is None


@pytest.mark.parametrize(
    ("text", "day"),
    [("二〇一八年九月二十日", date(2018, 9, 20)), ("二零一八年十二月三十一日", date(2018, 12, 31)),
     ("二〇一八年八月十日", date(2018, 8, 10)), ("2018年九月二十日", date(2018, 9, 20)),
     ("18年9月20日", date(2018, 9, 20))],
)  # fmt: skip
def test_filing_dates_in_chinese_numerals_and_short_years(text, day):
    assert parse_filed_date(text) == day


@pytest.mark.parametrize(
    "text", ["二〇一八年二月三十日", "9月20日", "十月", "二〇一八年一二十月一日"]
)
def test_incomplete_or_impossible_chinese_dates_are_not_dates(text):
    assert parse_filed_date(text) is None
