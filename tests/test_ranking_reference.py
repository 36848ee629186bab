"""The fast league arithmetic (qzfsg.ranking.scores: integers, sorting once) against a
plain reference written from the method's definition (Fractions, every unit compared with
every other one): the same league tables on random leagues full of ties, for a month and
for a period of several months."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qzfsg.amounts import SCALE
from qzfsg.months import Month
from qzfsg.ranking.leagues import month_rows, order_league, period_rows
from qzfsg.ranking.method import INDICATOR_CODES, RankingMethod, load_method
from qzfsg.ranking.scores import CODE_INDEX, NO_FIGURES, UnitMonth, round1, score_league

METHOD = load_method()
RATIOS = {
    "cases_per_inspected": ("cases", "inspected"),
    "fines_per_case": ("fines", "cases"),
    "officers_per_activity": ("officers", "activities"),
}


def _percentile(values: list[Fraction | None], value: Fraction | None) -> Fraction:
    if value is None or value <= 0:
        return Fraction(0)
    return Fraction(sum(1 for v in values if (v or 0) <= value), len(values))


def _mean(scores: dict[str, Fraction], weights: dict[str, Fraction]) -> Decimal:
    total = sum((weights[k] * scores[k] for k in weights), Fraction(0))
    return round1(100 * total / sum(weights.values()))


def reference_month(inputs: list[UnitMonth], method: RankingMethod) -> dict[str, tuple | None]:
    """{unit: (score, quantity, increase, quality)}, None for a unit without a return."""
    reporting = [u for u in inputs if u.values is not None]

    def ratio(unit: UnitMonth, key: str) -> Fraction | None:
        if key == "sanctions_per_inspected":
            top = sum((unit.figure(c) for c in method.hard_sanctions), Fraction(0))
            bottom = unit.figure("inspected")
        else:
            top, bottom = (unit.figure(c) for c in RATIOS[key])
        return top / bottom if bottom > 0 else None

    found: dict[str, tuple | None] = {}
    for unit in inputs:
        if unit.values is None:
            found[unit.unit] = None
            continue
        quantity, increase = {}, {}
        for code in INDICATOR_CODES:
            value = unit.figure(code)
            quantity[code] = _percentile([u.figure(code) for u in reporting], value)
            average = None
            if unit.earlier_months:
                before = Fraction((unit.earlier or NO_FIGURES)[CODE_INDEX[code]], SCALE)
                average = max(before, Fraction(0)) / unit.earlier_months
            if average is None or value + average == 0:
                increase[code] = Fraction(1, 2)
            else:
                increase[code] = value / (value + average)
        quality = {
            key: _percentile([ratio(u, key) for u in reporting], ratio(unit, key))
            for key in ("cases_per_inspected", "fines_per_case", "sanctions_per_inspected")
        }
        need = unit.figure("activities") * method.officers_required
        quality["officers_per_activity"] = (
            min(Fraction(1), unit.figure("officers") / need) if need > 0 else Fraction(0)
        )
        quality["on_time"] = Fraction(unit.status == "on_time")
        quality["first_attempt"] = Fraction(unit.first_attempt)
        parts = (
            _mean(quantity, method.weights),
            _mean(increase, method.weights),
            _mean(quality, method.quality),
        )
        shares = [method.shares[k] for k in ("quantity", "increase", "quality")]
        days = (unit.days_late or 0) if unit.status == "late" else 0
        total = sum((s * Fraction(p) for s, p in zip(shares, parts, strict=True)), Fraction(0))
        score = round1(max(total / 100 - method.late_deduction(days), Fraction(0)))
        found[unit.unit] = (score, *parts)
    return found


def reference_table(scores: dict[str, tuple | None], orders: dict[str, int]) -> list[tuple]:
    """(unit, score, quantity, increase, quality) in table order: best score first, then
    比质量, 比数量, 比增量, registry order; the units without a score after, in registry order."""
    ranked = sorted(
        (u for u, s in scores.items() if s is not None),
        key=lambda u: (
            -scores[u][0],  # type: ignore[index]
            -scores[u][3],  # type: ignore[index]
            -scores[u][1],  # type: ignore[index]
            -scores[u][2],  # type: ignore[index]
            orders[u],
            u,
        ),
    )
    return [(u, *scores[u]) for u in ranked]  # type: ignore[misc]


def reference_period(monthly: list[list[UnitMonth]], method: RankingMethod) -> list[tuple]:
    """The mean over the months a unit was due (not pending), a missing month counting 0."""
    per_month = [reference_month(inputs, method) for inputs in monthly]
    orders = {u.unit: u.order for inputs in monthly for u in inputs}
    means: dict[str, tuple | None] = {}
    zero = (Decimal(0),) * 4
    for unit in orders:
        counted = [
            scores[unit]
            for inputs, scores in zip(monthly, per_month, strict=True)
            for u in inputs
            if u.unit == unit and u.status != "pending"
        ]
        if all(score is None for score in counted):  # nothing due, or nothing reported
            means[unit] = None
            continue
        means[unit] = tuple(
            round1(sum((Fraction((c or zero)[i]) for c in counted), Fraction(0)) / len(counted))
            for i in range(4)
        )
    return reference_table(means, orders)


def table(rows) -> list[tuple]:
    return [
        (r.unit, r.score, r.components.quantity, r.components.increase, r.components.quality)
        for r in rows
        if r.rank is not None
    ]


# Few distinct values, so that ties are everywhere: equal figures, equal ratios, equal
# scores broken by 比质量, 比数量, 比增量 and registry order.
# (As stored, in units of 1/10,000: 0, 1, 2, 3 and 0.5.)
figure = st.sampled_from([0, 10_000, 20_000, 30_000, 5_000])


@st.composite
def unit_month(draw, name: str, order: int) -> UnitMonth:
    state = draw(st.sampled_from(["on_time", "on_time", "late", "missing", "pending"]))
    if state in ("missing", "pending"):
        return UnitMonth(name, order=order, status=state)
    same = draw(st.booleans())  # a unit whose figures all equal one value
    one = draw(figure)
    values = [one if same else draw(figure) for _ in INDICATOR_CODES]
    return UnitMonth(
        name,
        order=order,
        status=state,
        days_late=draw(st.integers(1, 15)) if state == "late" else None,
        values=values,
        earlier=[draw(figure) * 2 for _ in INDICATOR_CODES],
        earlier_months=draw(st.integers(0, 3)),
        first_attempt=draw(st.booleans()),
    )


@st.composite
def league(draw, names: list[tuple[str, int]]) -> list[UnitMonth]:
    return [draw(unit_month(name, order)) for name, order in names]


@st.composite
def registry(draw) -> list[tuple[str, int]]:
    size = draw(st.integers(1, 12))
    orders = draw(st.lists(st.integers(0, 3), min_size=size, max_size=size))  # shared orders
    return [(f"单位{i}", order) for i, order in enumerate(orders)]


SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(st.data())
def test_a_month_ranks_as_the_reference(data):
    inputs = data.draw(league(data.draw(registry())))
    orders = {u.unit: u.order for u in inputs}
    fast = order_league(month_rows(score_league(inputs, METHOD), Month(2018, 6)), orders)
    assert table(fast) == reference_table(reference_month(inputs, METHOD), orders)


@SETTINGS
@given(st.data())
def test_a_period_ranks_as_the_reference(data):
    names = data.draw(registry())
    monthly = [data.draw(league(names)) for _ in range(data.draw(st.integers(1, 4)))]
    scored = {
        Month(2018, 5).shift(i): score_league(inputs, METHOD) for i, inputs in enumerate(monthly)
    }
    rows, orders = period_rows(scored)
    assert table(order_league(rows, orders)) == reference_period(monthly, METHOD)
