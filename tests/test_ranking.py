"""The ranking method (qzfsg.ranking.leagues): a hand-computed league pinned through the database,
then properties of the pure scoring (input order, a unit without a return, a change of
measuring unit, one outlier, degenerate leagues) with hypothesis."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from qzfsg.amounts import SCALE
from qzfsg.errors import QzfsgError
from qzfsg.months import Month
from qzfsg.ranking.leagues import (
    LeagueRow,
    Period,
    month_rows,
    order_league,
    parse_quarter,
    parse_year,
    rank_units,
)
from qzfsg.ranking.method import INDICATOR_CODES, load_method
from qzfsg.ranking.scores import (
    Components,
    UnitMonth,
    counts_not_above,
    ratio_keys,
    round1,
    score_league,
)
from qzfsg.registry import add_unit
from tests.factories import store_return

METHOD = load_method()
ZEROS = dict.fromkeys(INDICATOR_CODES, "0")
QUICK = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def file_return(
    session: Session,
    unit: str,
    month: str,
    received: datetime,
    figures: dict[str, str],
    earlier: dict[str, str] | None = None,
    status: str = "accepted",
) -> None:
    """figures: 本月数 by code (others 0); earlier: 累计数 − 本月数."""
    store_return(session, unit, month, received, figures, earlier, status)


# The hand-computed league: towns 归义镇 (A), 新市镇 (B), 汨罗镇 (C) report for 2018-06
# (the campaign's second month, so the "earlier months" are May alone); the 12 other
# towns send nothing. A also sent May. B is 2 days late; C's first June return was
# rejected, the second accepted on time.
A, B, C = "归义镇", "新市镇", "汨罗镇"
A_JUNE = {"activities": "5", "officers": "10", "inspected": "20", "cases": "2", "fines": "1",
          "suspensions": "1"}  # fmt: skip
B_JUNE = {"activities": "4", "officers": "6", "inspected": "10", "cases": "2", "fines": "0.5"}
B_MAY = {"activities": "2", "officers": "4", "inspected": "10"}
C_JUNE = {"activities": "10", "officers": "30", "inspected": "40", "cases": "1", "fines": "2",
          "closures": "1"}  # fmt: skip
C_MAY = {"activities": "10", "officers": "30", "inspected": "40"}


@pytest.fixture
def league(session: Session) -> Session:
    file_return(session, A, "2018-05", datetime(2018, 5, 30, 9), A_JUNE)
    file_return(session, A, "2018-06", datetime(2018, 6, 28, 9), A_JUNE, earlier=A_JUNE)
    file_return(session, B, "2018-06", datetime(2018, 7, 2, 9), B_JUNE, earlier=B_MAY)
    file_return(session, C, "2018-06", datetime(2018, 6, 27, 9), C_JUNE, status="rejected")
    file_return(session, C, "2018-06", datetime(2018, 6, 29, 9), C_JUNE, earlier=C_MAY)
    session.commit()
    return session


def rows_by_unit(rows: list[LeagueRow]) -> dict[str, LeagueRow]:
    return {r.unit: r for r in rows}


def test_hand_computed_month(league):
    # Weights (ranking.toml): activities, officers, inspected, accountability 1; cases,
    # fines 3; suspensions, licences, closures, detentions, arrests 2; total 20.
    # Percentile = share of the 3 reporting towns whose figure is ≤ its own; 0 earns 0.
    #
    # 比数量
    #   activities A5 B4 C10 -> A 2/3, B 1/3, C 1 (officers, inspected: the same order)
    #   cases      A2 B2 C1  -> A 1, B 1, C 1/3
    #   fines      A1 B.5 C2 -> A 2/3, B 1/3, C 1
    #   suspensions A1 only -> A 1;  closures C1 only -> C 1;  the rest 0 for all
    #   A: 3×2/3 + 3×1 + 3×2/3 + 2×1 = 9 -> 9/20 = 45.0
    #   B: 3×1/3 + 3×1 + 3×1/3       = 5 -> 5/20 = 25.0
    #   C: 3×1 + 3×1/3 + 3×1 + 2×1   = 9 -> 9/20 = 45.0
    # 比增量 (one earlier month: average = May): value ÷ (value + average), 0 and 0 -> 1/2
    #   A: the same as May everywhere -> 50.0
    #   B: act 4/(4+2)=2/3, off 6/10=3/5, insp 10/20=1/2, cases 1, fines 1, the other six
    #      (weights 11) 1/2: (2/3 + 3/5 + 1/2 + 3 + 3 + 11/2) / 20 = 199/300 -> 66.3
    #   C: act, off, insp 1/2; cases, fines, closures 1 (nothing in May); the other five
    #      (weights 9) 1/2: (3/2 + 3 + 3 + 2 + 9/2) / 20 = 14/20 -> 70.0
    # 比质量 (weights 2, 2, 2, 2, 1, 1; total 10)
    #   cases/inspected  A .1  B .2  C .025 -> A 2/3, B 1, C 1/3
    #   fines/case       A .5  B .25 C 2    -> A 2/3, B 1/3, C 1
    #   hard/inspected   A .05 B 0   C .025 -> A 1, B 0, C 2/3
    #   officers ÷ (2 × activities): A 10/10 -> 1, B 6/8 = 3/4, C 30/20 -> 1
    #   on time: A 1, B 0, C 1;  first attempt: A 1, B 1, C 0
    #   A: 4/3 + 4/3 + 2 + 2 + 1 + 1 = 26/3 -> 86.7
    #   B: 2 + 2/3 + 0 + 3/2 + 0 + 1 = 31/6 -> 51.7
    #   C: 2/3 + 2 + 4/3 + 2 + 1 + 0 = 7    -> 70.0
    # total = 0.4 × 比数量 + 0.2 × 比增量 + 0.4 × 比质量 − 1 per day late
    #   A: 18 + 10 + 34.68 = 62.68 -> 62.7
    #   B: 10 + 13.26 + 20.68 − 2 = 41.94 -> 41.9
    #   C: 18 + 14 + 28 = 60.0
    ranking = rank_units(
        league, Period.month_of(Month(2018, 6)), "town", as_of=date(2018, 7, 15), explain=True
    )
    rows = ranking.leagues["town"]
    assert [(r.rank, r.unit) for r in rows[:3]] == [(1, A), (2, C), (3, B)]
    got = {
        r.unit: (r.score, r.components.quantity, r.components.increase, r.components.quality)
        for r in rows[:3]
        if r.components
    }
    assert got == {
        A: (Decimal("62.7"), Decimal("45.0"), Decimal("50.0"), Decimal("86.7")),
        B: (Decimal("41.9"), Decimal("25.0"), Decimal("66.3"), Decimal("51.7")),
        C: (Decimal("60.0"), Decimal("45.0"), Decimal("70.0"), Decimal("70.0")),
    }
    by_unit = rows_by_unit(rows)
    assert (by_unit[B].status, by_unit[B].days_late, by_unit[B].deduction) == (
        "late",
        2,
        Decimal("2.0"),
    )
    # Against May, where A alone reported: A stays first, B and C are new.
    assert [by_unit[u].change for u in (A, C, B)] == [0, "new", "new"]
    assert len(rows) == 15
    assert all(r.rank is None and r.status == "missing" and r.score is None for r in rows[3:])
    assert [r.unit for r in rows[3:5]] == ["古培镇", "白水镇"]  # then registry order
    assert ranking.previous_period == "2018-05"
    explain = by_unit[B].explain
    assert explain is not None and explain.compared_with == 3 and explain.earlier_months == 1
    fines = next(line for line in explain.indicators if line.code == "fines")
    assert (fines.value, fines.percentile, fines.earlier_average, fines.increase) == (
        Decimal("0.5"),
        Decimal("33.3"),
        Decimal(0),
        Decimal("100.0"),
    )
    officers = next(line for line in explain.quality if line.key == "officers_per_activity")
    assert (officers.ratio, officers.score) == (Decimal("1.5"), Decimal("75.0"))


def test_hand_computed_quarter_and_year(league):
    # May: A alone. 比数量: every figure it has beats nobody but itself -> 1; weights of
    # the six non-zero indicators 1+1+1+3+3+2 = 11 -> 55.0; 比增量: first month -> 50.0;
    # 比质量: every ratio positive -> 1, two officers per activity, on time, first attempt
    # -> 100.0. Total 22 + 10 + 40 = 72.0.
    # Q2 = mean of May and June, a missing May counting 0:
    #   A (72.0 + 62.7) / 2 = 67.35 -> 67.4;  C (0 + 60.0) / 2 = 30.0;
    #   B (0 + 41.9) / 2 = 20.95 -> 21.0 (half up)
    # As of 2018-07-15 no later month is due, so the year gives the same table.
    for period in (parse_quarter("2018Q2"), parse_year("2018")):
        ranking = rank_units(league, period, "town", as_of=date(2018, 7, 15), explain=True)
        rows = ranking.leagues["town"]
        got = [(r.rank, r.unit, r.score, r.status, r.months_missing) for r in rows[:3]]
        assert got == [
            (1, A, Decimal("67.4"), "on_time", 0),
            (2, C, Decimal("30.0"), "incomplete", 1),
            (3, B, Decimal("21.0"), "incomplete", 1),
        ]
        first = rows[0].components
        assert first is not None
        assert (first.quantity, first.increase, first.quality) == (
            Decimal("50.0"),
            Decimal("50.0"),
            Decimal("93.4"),
        )
        assert all(r.change is None for r in rows)  # no earlier quarter or year in the campaign
        assert ranking.previous_period is None
    months = [line.month for line in rows_by_unit(rows)[B].explain.months]  # type: ignore[union-attr]
    assert months == ["2018-05", "2018-06"]


def test_later_months_count_once_due(league):
    # By 2018-08-15 July is due and nobody sent it: a third month at 0 for everyone.
    ranking = rank_units(league, parse_quarter("2018Q3"), "town", as_of=date(2018, 8, 15))
    assert all(r.rank is None and r.status == "missing" for r in ranking.leagues["town"])
    q2 = rank_units(league, parse_year("2018"), "town", as_of=date(2018, 8, 15))
    top = q2.leagues["town"][0]
    assert (top.unit, top.score) == (A, round1(Fraction(720 + 627, 30)))


def test_adding_a_unit_without_return_changes_nobody(league):
    june = Period.month_of(Month(2018, 6))
    before = rank_units(league, june, "town", as_of=date(2018, 7, 15)).leagues["town"]
    add_unit(league, "高新区", "town")
    after = rank_units(league, june, "town", as_of=date(2018, 7, 15)).leagues["town"]
    assert after[:3] == before[:3]
    assert after[-1].unit == "高新区" and after[-1].status == "missing"


def test_pending_units_before_the_deadline(league):
    ranking = rank_units(league, Period.month_of(Month(2018, 6)), "town", as_of=date(2018, 6, 28))
    rows = ranking.leagues["town"]
    statuses = {r.unit: r.status for r in rows}
    assert statuses[A] == "on_time" and statuses["古培镇"] == "pending"
    assert rows[-1].status == "pending" and rows[-1].rank is None


def test_both_leagues_never_mixed(league):
    ranking = rank_units(league, Period.month_of(Month(2018, 6)), as_of=date(2018, 7, 15))
    assert set(ranking.leagues) == {"town", "department"}
    assert all(r.rank is None for r in ranking.leagues["department"])
    assert {r.unit for r in ranking.leagues["town"]}.isdisjoint(
        r.unit for r in ranking.leagues["department"]
    )


def test_empty_league_and_month_outside_campaign(session):
    ranking = rank_units(session, Period.month_of(Month(2018, 7)), as_of=date(2018, 9, 1))
    assert all(r.rank is None and r.status == "missing" for r in ranking.leagues["town"])
    with pytest.raises(QzfsgError, match="不在本次行动期内"):
        rank_units(session, Period.month_of(Month(2018, 3)))
    with pytest.raises(QzfsgError, match="不在本次行动期内"):
        rank_units(session, parse_year("2019"))


def test_periods_parse_and_step_back():
    assert str(parse_quarter("2018Q3")) == "2018Q3"
    assert parse_quarter("2018年第三季度") == parse_quarter("2018-q3")
    assert [str(m) for m in parse_quarter("2018Q3").months] == ["2018-07", "2018-08", "2018-09"]
    assert str(parse_quarter("2018Q1").previous()) == "2017Q4"
    assert str(Period.month_of(Month(2018, 1)).previous()) == "2017-12"
    assert parse_year("2018").label == "2018年"
    for bad in ("2018Q5", "Q3", "2018-09"):
        with pytest.raises(QzfsgError):
            parse_quarter(bad)
    with pytest.raises(QzfsgError):
        parse_year("18")


# ---------------------------------------------------------------- pure scoring


def test_counts_not_above():
    assert counts_not_above([5, 5, 1, 0]) == [4, 4, 2, 0]
    assert counts_not_above([3]) == [1]
    assert counts_not_above([None, 2]) == [0, 2]
    assert counts_not_above([]) == []


def test_ratio_keys_keep_the_order_of_the_ratios():
    # 1/3 < 2/5 < 3/7 < 1/2 = 2/4, and a ratio over 0 is undefined
    keys = ratio_keys([(2, 5), (1, 3), (2, 4), (3, 7), (1, 2), (4, 0)])
    assert keys[5] is None
    assert keys[1] < keys[0] < keys[3] < keys[2] == keys[4]


@QUICK
@given(st.lists(st.tuples(st.integers(0, 10**13), st.integers(1, 10**13)), min_size=2))
def test_ratio_keys_are_exact_for_large_figures(parts):
    keys = ratio_keys(parts)
    for (p1, q1), k1 in zip(parts, keys, strict=True):
        for (p2, q2), k2 in zip(parts, keys, strict=True):
            assert (k1 < k2) == (Fraction(p1, q1) < Fraction(p2, q2))
            assert (k1 == k2) == (Fraction(p1, q1) == Fraction(p2, q2))


def test_ties_broken_by_quality_then_registry_order():
    same = [SCALE] * len(INDICATOR_CODES)  # 1 of everything, as stored
    twins = [
        UnitMonth("乙", order=2, status="on_time", values=same, earlier=same, earlier_months=1),
        UnitMonth("甲", order=1, status="on_time", values=same, earlier=same, earlier_months=1),
    ]
    assert ranked(twins) == ["甲", "乙"]
    swapped = [
        UnitMonth("乙", order=1, status="on_time", values=same, earlier=same, earlier_months=1),
        UnitMonth("甲", order=2, status="on_time", values=same, earlier=same, earlier_months=1),
    ]
    assert ranked(swapped) == ["乙", "甲"]
    rows = [
        LeagueRow(
            rank=None,
            unit=name,
            score=Decimal(50),
            components=Components(Decimal(q), Decimal(50), Decimal(s)),
            change=None,
            status="on_time",
            days_late=0,
            months_missing=0,
            deduction=Decimal(0),
        )
        for name, q, s in (("丙", 60, 40), ("丁", 40, 60), ("戊", 70, 40))
    ]
    assert [r.unit for r in order_league(rows, {"丙": 1, "丁": 2, "戊": 3})] == ["丁", "戊", "丙"]


def ranked(inputs: list[UnitMonth]) -> list[str]:
    rows = month_rows(score_league(inputs, METHOD), Month(2018, 6))
    return [r.unit for r in order_league(rows, {u.unit: u.order for u in inputs})]


def scores(inputs: list[UnitMonth]) -> dict[str, tuple]:
    return {s.unit: (s.score, s.components) for s in score_league(inputs, METHOD)}


# Figures as stored (units of 1/10,000): whole counts, and money to the 元 (0.0001 万元).
figure = st.integers(0, 60).map(lambda n: n * SCALE)
money = st.integers(0, 50_000)


@st.composite
def unit_months(draw, name: str, order: int) -> UnitMonth:
    if draw(st.integers(0, 5)) == 0:
        return UnitMonth(name, order=order, status=draw(st.sampled_from(["missing", "pending"])))
    values = [draw(money if code == "fines" else figure) for code in INDICATOR_CODES]
    earlier = [draw(money if code == "fines" else figure) * 3 for code in INDICATOR_CODES]
    late = draw(st.booleans())
    return UnitMonth(
        name,
        order=order,
        status="late" if late else "on_time",
        days_late=draw(st.integers(1, 15)) if late else None,
        values=values,
        earlier=earlier,
        earlier_months=draw(st.integers(0, 4)),
        first_attempt=draw(st.booleans()),
    )


@st.composite
def leagues(draw, min_size: int = 1) -> list[UnitMonth]:
    size = draw(st.integers(min_size, 7))
    return [draw(unit_months(f"单位{i}", i)) for i in range(size)]


@QUICK
@given(leagues(), st.randoms(use_true_random=False))
def test_invariant_to_input_order(inputs, rnd: random.Random):
    shuffled = list(inputs)
    rnd.shuffle(shuffled)
    assert scores(shuffled) == scores(inputs)
    assert ranked(shuffled) == ranked(inputs)


@QUICK
@given(leagues(), st.sampled_from(["missing", "pending"]))
def test_stable_when_a_unit_without_return_is_added(inputs, status):
    extra = UnitMonth("新增单位", order=-1, status=status)
    before = scores(inputs)
    after = scores([extra, *inputs])
    assert after.pop("新增单位") == (None, None)
    assert after == before
    assert [u for u in ranked([extra, *inputs]) if u != "新增单位"] == ranked(inputs)


HARD = tuple(METHOD.hard_sanctions)
TWO_OFFICER_RULE = ("officers", "activities")
ALONE = [c for c in INDICATOR_CODES if c not in HARD + TWO_OFFICER_RULE]


def scaled(unit: UnitMonth, codes: tuple[str, ...], factor: int) -> UnitMonth:
    """The unit with `codes` multiplied by `factor`, this month and the earlier months."""
    if unit.values is None:
        return unit

    def times(figures: Sequence[int]) -> list[int]:
        return [
            v * factor if c in codes else v for c, v in zip(INDICATOR_CODES, figures, strict=True)
        ]

    return UnitMonth(
        unit.unit,
        unit.order,
        unit.status,
        unit.days_late,
        times(unit.values),
        times(unit.earlier or [0] * len(INDICATOR_CODES)),
        unit.earlier_months,
        unit.first_attempt,
    )


# A factor up/down as two whole numbers (10000, 0.5, 3, 7.25): stored figures are whole,
# so the league is measured once multiplied by `up` and once by `down`.
FACTORS = st.sampled_from([(10_000, 1), (1, 2), (3, 1), (29, 4)])


@QUICK
@given(leagues(), st.sampled_from([(c,) for c in ALONE] + [HARD, TWO_OFFICER_RULE]), FACTORS)
def test_a_change_of_measuring_unit_changes_nothing(inputs, codes, factor):
    # 万元 or 元, 家 or 十家: multiplying an indicator for every unit by a constant keeps
    # every score, hence the order. Two groups only keep it when scaled together: the hard
    # sanctions, counted as one total in 硬措施率 (a closure weighs as much as a detention),
    # and officers with activities, judged against the absolute two-officer rule.
    up, down = factor
    changed = [scaled(u, codes, up) for u in inputs]
    inputs = [scaled(u, codes, down) for u in inputs]
    assert scores(changed) == scores(inputs)
    assert ranked(changed) == ranked(inputs)


@QUICK
@given(leagues(), st.sampled_from(INDICATOR_CODES), FACTORS)
def test_quantity_and_increase_ignore_the_measuring_unit_of_any_indicator(inputs, code, factor):
    up, down = factor
    changed = score_league([scaled(u, (code,), up) for u in inputs], METHOD)
    original = score_league([scaled(u, (code,), down) for u in inputs], METHOD)
    for before, after in zip(original, changed, strict=True):
        if before.components is None:
            continue
        assert after.components is not None
        assert after.components.quantity == before.components.quantity
        assert after.components.increase == before.components.increase


@QUICK
@given(leagues(min_size=2), st.sampled_from(INDICATOR_CODES))
def test_one_outlier_does_not_flatten_the_others(inputs, code):
    # Make the unit with the (strictly) largest figure a thousand times larger: everybody
    # else's 比数量 stays exactly as it was (with min-max scaling they would all fall to ~0).
    reporting = sorted(
        (u for u in inputs if u.values is not None), key=lambda u: u.figure(code), reverse=True
    )
    assume(
        reporting and (len(reporting) == 1 or reporting[0].figure(code) > reporting[1].figure(code))
    )
    top = reporting[0]
    assert top.values is not None
    bigger = UnitMonth(
        top.unit,
        top.order,
        top.status,
        top.days_late,
        [v * 1000 if c == code else v for c, v in zip(INDICATOR_CODES, top.values, strict=True)],
        top.earlier,
        top.earlier_months,
        top.first_attempt,
    )
    before = {s.unit: s.components for s in score_league(inputs, METHOD)}
    after = {
        s.unit: s.components
        for s in score_league([bigger if u is top else u for u in inputs], METHOD)
    }
    for name, parts in before.items():
        if name != top.unit and parts is not None:
            assert after[name] is not None and after[name].quantity == parts.quantity


@QUICK
@given(leagues())
def test_scores_are_finite_and_within_range(inputs):
    for s in score_league(inputs, METHOD):
        if s.score is None:
            assert s.components is None
            continue
        assert s.components is not None
        parts = s.components
        for value in (s.score, parts.quantity, parts.increase, parts.quality):
            assert value.is_finite() and Decimal(0) <= value <= Decimal(100)


def test_degenerate_leagues():
    zeros = [0] * len(INDICATOR_CODES)
    all_zero = [
        UnitMonth(f"单位{i}", i, "on_time", values=zeros, earlier=zeros, earlier_months=2)
        for i in range(3)
    ]
    found = score_league(all_zero, METHOD)
    # Nothing done by anyone: 比数量 0, 比增量 neutral, 比质量 only procedure (2 of 10).
    assert {
        (s.score, s.components.quantity, s.components.increase, s.components.quality)
        for s in found
        if s.components
    } == {(Decimal("18.0"), Decimal("0.0"), Decimal("50.0"), Decimal("20.0"))}
    assert ranked(all_zero) == ["单位0", "单位1", "单位2"]  # registry order decides
    lone = [UnitMonth("独", 1, "late", days_late=30, values=zeros, earlier=None)]
    (only,) = score_league(lone, METHOD)
    # 比增量 50 (first month), 比质量 10 (first attempt only): 10 + 4 − 10 (capped) = 4.0
    assert only.score == Decimal("4.0") and only.deduction == Decimal("10.0")
    assert score_league([], METHOD) == []
    nobody = [UnitMonth("未", 1, "missing")]
    assert [s.score for s in score_league(nobody, METHOD)] == [None]
