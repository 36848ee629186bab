"""Each rule with a passing and a failing case, on returns built in memory."""

from datetime import date
from decimal import Decimal

import pytest

from qzfsg.campaign import Campaign
from qzfsg.defaults import load_indicators
from qzfsg.months import Month
from qzfsg.reading import rules
from qzfsg.reading.returns import CheckedReturn, Entry
from tests.factories import CODES, default_values

INDICATORS = {i.code: i for i in load_indicators()}
JUNE = Month(2018, 6)


def make(values=None, month=JUNE) -> CheckedReturn:
    values = default_values() if values is None else values
    entries = {
        code: Entry(month=m, cumulative=c, month_cell=f"C{row}", cumulative_cell=f"D{row}")
        for row, (code, (m, c)) in enumerate(values.items(), start=4)
    }
    return CheckedReturn(file="r.xlsx", unit="归义镇", month=month, entries=entries)


def context(previous=None, earlier=None, today=date(2018, 7, 5)) -> rules.RuleContext:
    campaign = Campaign(Month(2018, 5), Month(2018, 12))
    return rules.RuleContext(INDICATORS, campaign, today, previous, earlier or {})


def changed(**changes) -> dict:
    values = default_values()
    for code, pair in changes.items():
        values[code] = tuple(Decimal(str(v)) for v in pair)
    return values


def codes(rule, ret, ctx=None):
    return [(f.code, f.cell, f.expected) for f in rule(ret, ctx or context())]


def test_default_return_passes_every_rule():
    assert rules.apply_rules(make(), context()) == []


def test_negative():
    assert codes(rules.negative, make(changed(suspensions=(-1, 0)))) == [
        ("negative", "C9", "不小于 0 的数")
    ]


def test_too_large():
    assert codes(rules.too_large, make(changed(inspected=(10**9, 10**9 + 41)))) == [
        ("too_large", "C6", "小于 10 亿的数"),
        ("too_large", "D6", "小于 10 亿的数"),
    ]
    assert codes(rules.too_large, make(changed(inspected=(10**9 - 1, 10**9 - 1)))) == []


def test_not_whole():
    assert codes(rules.not_whole, make(changed(cases=(1.5, 3)))) == [("not_whole", "C7", "整数")]
    assert codes(rules.not_whole, make(changed(fines=(0.5, 1)))) == []


def test_too_many_decimals():
    found = codes(rules.too_many_decimals, make(changed(fines=("0.12345", 1))))
    assert found == [("too_many_decimals", "C8", "最多 4 位小数")]
    assert codes(rules.too_many_decimals, make(changed(fines=("0.1234", 1)))) == []


def test_cum_lt_month():
    found = codes(rules.cum_lt_month, make(changed(inspected=(42, 24))))
    assert found == [("cum_lt_month", "D6", "不小于 42")]


def test_cum_mismatch_against_the_previous_month():
    previous = {code: c - m for code, (m, c) in default_values().items()}
    assert codes(rules.cum_mismatch, make(), context(previous=previous)) == []
    wrong = make(changed(cases=(2, 1)))
    assert codes(rules.cum_mismatch, wrong, context(previous=previous)) == [
        ("cum_mismatch", "D7", "3")
    ]


def test_cum_mismatch_unchecked_without_a_previous_month():
    assert codes(rules.cum_mismatch, make(changed(cases=(2, 99)))) == []


def test_cum_mismatch_in_the_first_month_wants_cumulative_equal_to_month():
    may = make(changed(cases=(2, 2)), month=Month(2018, 5))
    assert all(
        code != "cum_mismatch" or cell != "D7" for code, cell, _ in codes(rules.cum_mismatch, may)
    )
    found = codes(rules.cum_mismatch, make(changed(activities=(5, 6)), month=Month(2018, 5)))
    assert ("cum_mismatch", "D4", "5") in found


def test_all_zero():
    zero = {code: (Decimal(0), Decimal(0)) for code in CODES}
    assert [c for c, *_ in codes(rules.all_zero, make(zero))] == ["all_zero"]
    assert codes(rules.all_zero, make()) == []


def test_fines_without_cases():
    found = codes(rules.fines_without_cases, make(changed(cases=(0, 0))))
    assert found == [("fines_without_cases", "C8", None)]
    assert codes(rules.fines_without_cases, make(changed(cases=(0, 3)))) == []


def test_few_officers():
    assert codes(rules.few_officers, make(changed(officers=(9, 33)))) == [
        ("few_officers", "C5", "不少于 10")
    ]
    assert codes(rules.few_officers, make(changed(officers=(10, 33)))) == []


def test_sanctions_exceed_inspected():
    found = codes(
        rules.sanctions_exceed_inspected, make(changed(inspected=(2, 41), closures=(2, 3)))
    )
    assert found == [("sanctions_exceed_inspected", "C6", None)]
    assert (
        codes(rules.sanctions_exceed_inspected, make(changed(inspected=(3, 41), closures=(2, 3))))
        == []
    )


def test_spike_needs_ten_times_the_median_and_the_floor():
    earlier = {"inspected": [Decimal(2), Decimal(3), Decimal(2)]}
    ctx = context(earlier=earlier)
    assert codes(rules.spike, make(changed(inspected=(21, 60))), ctx) == [("spike", "C6", None)]
    assert codes(rules.spike, make(changed(inspected=(19, 60))), ctx) == []  # under the floor
    steady = context(earlier={"inspected": [Decimal(20)]})
    assert codes(rules.spike, make(changed(inspected=(100, 160))), steady) == []


def test_month_outside_campaign_and_in_future():
    assert [c for c, *_ in codes(rules.month_outside_campaign, make(month=Month(2018, 4)))] == [
        "month_outside_campaign"
    ]
    assert codes(rules.month_outside_campaign, make()) == []
    assert codes(
        rules.month_in_future, make(month=Month(2018, 8)), context(today=date(2018, 7, 31))
    )
    assert (
        codes(rules.month_in_future, make(month=Month(2018, 7)), context(today=date(2018, 7, 1)))
        == []
    )


@pytest.mark.parametrize("code", sorted({f"{r.__name__}" for r in rules.RULES}))
def test_every_rule_code_is_in_the_catalogue(code):
    from qzfsg.findings import CATALOGUE

    assert code in CATALOGUE
