from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qzfsg.errors import QzfsgError
from qzfsg.months import Month


@pytest.mark.parametrize(
    "text", ["2018-06", "2018-6", "2018/06", "2018.6", "2018年6月", " 2018年06月 "]
)
def test_parse_accepts_the_usual_spellings(text):
    assert Month.parse(text) == Month(2018, 6)


@pytest.mark.parametrize("text", ["2018-13", "201806", "六月", "", "2018-00"])
def test_parse_refuses_anything_else(text):
    with pytest.raises(QzfsgError):
        Month.parse(text)


def test_calendar_facts():
    assert Month(2018, 2).last_day == date(2018, 2, 28)
    assert Month(2018, 12).next() == Month(2019, 1)
    assert Month(2018, 1).previous() == Month(2017, 12)
    assert Month(2018, 5).until(Month(2018, 7)) == [Month(2018, 5), Month(2018, 6), Month(2018, 7)]
    assert Month(2018, 9).day(0) == date(2018, 9, 30)
    assert Month(2018, 9).day(31) == date(2018, 9, 30)
    assert Month(2018, 8).quarter == 3
    assert str(Month(2018, 6)) == "2018-06" and Month(2018, 6).label == "2018年6月"


@given(st.integers(2000, 2100), st.integers(1, 12), st.integers(-40, 40))
def test_shift_round_trips(year, month, n):
    m = Month(year, month)
    assert m.shift(n).shift(-n) == m
    assert Month.parse(str(m)) == m


@pytest.mark.parametrize(
    ("day", "month"),
    [(date(2018, 9, 1), Month(2018, 8)), (date(2018, 9, 15), Month(2018, 8)),
     (date(2018, 9, 16), Month(2018, 9)), (date(2018, 1, 3), Month(2017, 12))],
)  # fmt: skip
def test_filed_for_gives_the_month_before_until_the_15th(day, month):
    assert Month.filed_for(day) == month


def test_current_month_is_kept_within_the_campaign():
    from qzfsg.campaign import Campaign

    campaign = Campaign(Month(2018, 5), Month(2018, 12))
    assert campaign.current_month(date(2018, 10, 3)) == Month(2018, 10)
    assert campaign.current_month(date(2018, 1, 3)) == Month(2018, 5)
    assert campaign.current_month(date(2026, 11, 29)) == Month(2018, 12)
