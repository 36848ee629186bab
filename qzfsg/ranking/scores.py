"""The method's arithmetic on one league for one month, pure (no database): percentile
ranks for 比数量 and the quality ratios, 比增量 against the unit's own earlier months, the
two-officer rule and procedure, the weighted means and the lateness deduction.

Everything is exact: no NaN, no float drift, so the same figures always give the same
scores whatever order the units come in. The arithmetic is done on integers (figures
scaled to whole numbers, each share kept as numerator and denominator) because Fraction
objects made a league of thousands of units take seconds; the results are the same
rationals, rounded once at the end.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from operator import mul

from qzfsg.amounts import SCALE
from qzfsg.ranking.method import (
    INDICATOR_CODES,
    INDICATOR_LABELS,
    QUALITY_KEYS,
    SHARE_KEYS,
    RankingMethod,
)

CODE_INDEX = {code: i for i, code in enumerate(INDICATOR_CODES)}
NO_FIGURES = (0,) * len(INDICATOR_CODES)
QUALITY_LABELS = {
    "cases_per_inspected": "立案率",
    "fines_per_case": "案均罚款",
    "sanctions_per_inspected": "硬措施率",
    "officers_per_activity": "两人执法",
    "on_time": "按时报送",
    "first_attempt": "一次通过",
}
PERCENTILE_ITEMS = ("cases_per_inspected", "fines_per_case", "sanctions_per_inspected")


# The results are plain dataclasses, not pydantic models: a league has thousands of rows,
# every field is already of its type when it is built, and `rank` starts faster without
# pydantic; the JSON writer (cli.common) takes each as its fields in their order.


@dataclass(frozen=True, slots=True)
class Components:
    quantity: Decimal  # 比数量, 0–100
    increase: Decimal  # 比增量, 0–100
    quality: Decimal  # 比质量, 0–100


@dataclass(frozen=True, slots=True)
class IndicatorLine:
    """One indicator's part in 比数量 and 比增量."""

    code: str
    label: str
    weight: Decimal
    value: Decimal  # 本月数
    percentile: Decimal  # 0–100: its 比数量 points before weighting
    earlier_average: Decimal | None  # monthly average before this month; None: first month
    increase: Decimal  # 0–100: its 比增量 points before weighting


@dataclass(frozen=True, slots=True)
class QualityLine:
    """One item of 比质量: a ratio (numerator ÷ denominator) or a yes/no of procedure."""

    key: str
    label: str
    weight: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    ratio: Decimal | None  # None: the denominator is 0, or a yes/no item
    met: bool | None  # yes/no items: on time, first attempt
    score: Decimal  # 0–100 before weighting


@dataclass(frozen=True, slots=True)
class MonthExplanation:
    month: str
    compared_with: int  # reporting units in the league (the percentiles' base)
    earlier_months: int  # campaign months before this one for the unit; 0: increase neutral
    indicators: list[IndicatorLine]
    quality: list[QualityLine]
    days_late: int
    deduction: Decimal


@dataclass(frozen=True)
class UnitMonth:
    """What the method needs to know of one unit in one month. Figures are as stored
    (whole numbers in units of 1/10,000, `amounts.SCALE`), in INDICATOR_CODES order: the
    scoring works on them as they are, and only what is shown becomes a Decimal."""

    unit: str
    order: int  # registry order: the last tie-break
    status: str  # on_time | late | missing | pending
    days_late: int | None = None
    values: Sequence[int] | None = None  # 本月数; None: no accepted return
    earlier: Sequence[int] | None = None  # 累计数 − 本月数: the earlier months' total
    earlier_months: int = 0
    first_attempt: bool = True  # the unit's first return of the month was accepted

    def figure(self, code: str) -> Fraction:
        """本月数 of `code`, exactly."""
        values = self.values or NO_FIGURES
        return Fraction(values[CODE_INDEX[code]], SCALE)


@dataclass(frozen=True)
class UnitScore:
    unit: str
    order: int
    status: str
    days_late: int
    components: Components | None
    deduction: Decimal
    score: Decimal | None
    explain: MonthExplanation | None


Ratio = tuple[int, int]  # numerator, denominator (> 0): an exact share, 0–1


def round1(value: Fraction) -> Decimal:
    """Half up to one decimal, exactly: 62.45 -> 62.5."""
    return round1_of(value.numerator, value.denominator)


def round1_of(numerator: int, denominator: int) -> Decimal:
    """numerator ÷ denominator (> 0), half up to one decimal."""
    return Decimal(tenths_of(numerator, denominator)).scaleb(-1)


def tenths_of(numerator: int, denominator: int) -> int:
    """numerator ÷ denominator (> 0) in tenths, half up: 62.45 -> 625."""
    return (20 * numerator + denominator) // (2 * denominator)


def round4(value: Fraction) -> Decimal:
    found = Decimal((20_000 * value.numerator + value.denominator) // (2 * value.denominator))
    found = found.scaleb(-4)
    return found.quantize(Decimal(1)) if found == found.to_integral() else found.normalize()


def counts_not_above(keys: Sequence[int | None]) -> list[int]:
    """For each key, how many keys (itself included) are not above it: its percentile
    times the number of keys. A key that is None (an undefined ratio) or not above 0
    (nothing done) counts 0. Sorted once and each count found by bisection (n log n),
    where comparing every unit with every other one took seconds for thousands."""
    ordered = sorted(0 if k is None else k for k in keys)
    return [0 if k is None or k <= 0 else bisect_right(ordered, k) for k in keys]


def ratio_keys(parts: Sequence[tuple[int, int]]) -> list[int | None]:
    """Whole numbers in the same order as the ratios p/q (None where q is 0): p·2^s // q.
    Two different ratios of whole numbers differ by at least 1/(q1·q2), which 2^s exceeds,
    so their keys differ too; equal ratios get equal keys. Exact, and fast to sort."""
    shift = 2 * max((q.bit_length() for _, q in parts), default=0) + 1
    return [(p << shift) // q if q > 0 else None for p, q in parts]


def _integers(weights: dict[str, Fraction], keys: Sequence[str]) -> tuple[list[int], int]:
    """The weights as whole numbers over one denominator, and that denominator."""
    scale = math.lcm(*(weights[key].denominator for key in keys))
    return [int(weights[key] * scale) for key in keys], scale


def _points(weights: list[int], total: int, shares: Sequence[Ratio]) -> Ratio:
    """The weighted mean of the shares, in points out of 100, as one exact ratio."""
    numerator, denominator = 0, 1
    for weight, (top, bottom) in zip(weights, shares, strict=True):
        if weight:
            numerator = numerator * bottom + weight * top * denominator
            denominator *= bottom
    return 100 * numerator, denominator * total


def _increase(value: int, earlier: int, months: int) -> Ratio:
    """This month against the unit's usual month: value ÷ (value + earlier ÷ months), i.e.
    value·months ÷ (value·months + earlier); 1/2 when there is nothing to compare with
    (first month, or nothing then and nothing now). A negative earlier total counts 0."""
    if months == 0:
        return 1, 2
    now, before = value * months, max(earlier, 0)
    return (now, now + before) if now + before else (1, 2)


def _two_officers(officers: int, activities: int, required: Fraction) -> Ratio:
    """The two-officer rule: full marks at `required` officers per activity, in
    proportion below; nothing without an activity."""
    need = activities * required.numerator
    return (min(officers * required.denominator, need), need) if need > 0 else (0, 1)


def score_league(
    inputs: Sequence[UnitMonth], method: RankingMethod, explain: bool = False
) -> list[UnitScore]:
    """Score one league for one month; units without a return get no score. Input order
    does not matter: each score depends only on the set of reporting units. The
    explanation of each score is built only when asked (`explain`)."""
    reporting = [u for u in inputs if u.values is not None]
    # 本月数 and then the earlier months' totals, as stored: every share below is a
    # ratio of two of them (or an order among them), so their unit cancels out.
    scaled = [[*(u.values or NO_FIGURES), *(u.earlier or NO_FIGURES)] for u in reporting]
    codes = len(INDICATOR_CODES)
    index = CODE_INDEX
    columns = list(zip(*scaled, strict=True)) or [()] * (2 * codes)
    quantity = [counts_not_above(columns[i]) for i in range(codes)]
    hard = [index[c] for c in method.hard_sanctions]
    cases, inspected = columns[index["cases"]], columns[index["inspected"]]
    ratio_parts = {
        "cases_per_inspected": list(zip(cases, inspected, strict=True)),
        "fines_per_case": list(zip(columns[index["fines"]], cases, strict=True)),
        "sanctions_per_inspected": [
            (sum(row[i] for i in hard), row[index["inspected"]]) for row in scaled
        ],
    }
    ratios = {key: counts_not_above(ratio_keys(ratio_parts[key])) for key in PERCENTILE_ITEMS}
    weights, _ = _integers(method.weights, INDICATOR_CODES)
    quality_weights, _ = _integers(method.quality, QUALITY_KEYS)
    share_weights, share_scale = _integers(method.shares, SHARE_KEYS)
    weight_total, quality_total = sum(weights), sum(quality_weights)
    quality_weight = dict(zip(QUALITY_KEYS, quality_weights, strict=True))
    officers, activities = index["officers"], index["activities"]
    count = len(reporting)
    # Each unit's Σ weight × (units not above it): 比数量 is that ÷ (count × Σ weights),
    # and the percentile items of 比质量 likewise: the shares have one denominator.
    quantity_sums = [sum(map(mul, weights, counts)) for counts in zip(*quantity, strict=True)]
    percentile_sums = [
        sum(quality_weight[key] * ratios[key][n] for key in PERCENTILE_ITEMS) for n in range(count)
    ]
    bottom = 1_000 * share_scale
    deductions: dict[int, tuple[Fraction, Decimal]] = {}
    scored = []
    n = -1  # the unit's place among the reporting ones
    for unit in inputs:
        if unit.values is None:
            scored.append(
                UnitScore(unit.unit, unit.order, unit.status, 0, None, Decimal(0), None, None)
            )
            continue
        n += 1
        row = scaled[n]
        months = unit.earlier_months
        increases = [_increase(row[i], row[codes + i], months) for i in range(codes)]
        top, need = _two_officers(row[officers], row[activities], method.officers_required)
        procedure = (
            quality_weight["on_time"] * (unit.status == "on_time")
            + quality_weight["first_attempt"] * unit.first_attempt
        )
        # The components in tenths (each shown with one decimal), in SHARE_KEYS order.
        tenths = (
            tenths_of(100 * quantity_sums[n], count * weight_total),
            tenths_of(*_points(weights, weight_total, increases)),
            tenths_of(
                100 * percentile_sums[n] * need
                + 100 * count * (quality_weight["officers_per_activity"] * top + procedure * need),
                count * need * quality_total,
            ),
        )
        components = Components(*(Decimal(t).scaleb(-1) for t in tenths))
        days_late = (unit.days_late or 0) if unit.status == "late" else 0
        if days_late not in deductions:
            late = method.late_deduction(days_late)
            deductions[days_late] = late, round1(late)
        deduction, shown = deductions[days_late]
        # Σ share × component ÷ 100 − deduction; the shares are over share_scale and the
        # components are in tenths.
        total = sum(weight * t for weight, t in zip(share_weights, tenths, strict=True))
        total = max(total * deduction.denominator - deduction.numerator * bottom, 0)
        scored.append(
            UnitScore(
                unit=unit.unit,
                order=unit.order,
                status=unit.status,
                days_late=days_late,
                components=components,
                deduction=shown,
                score=round1_of(total, bottom * deduction.denominator),
                explain=_explanation(
                    unit,
                    row,
                    count,
                    [(counts[n], count) for counts in quantity],
                    increases,
                    {key: found[n] for key, found in ratio_parts.items()},
                    {key: (found[n], count) for key, found in ratios.items()},
                    method,
                )
                if explain
                else None,
            )
        )
    return scored


def _explanation(
    unit: UnitMonth,
    row: list[int],
    count: int,
    percentiles: list[Ratio],
    increases: list[Ratio],
    parts: dict[str, tuple[int, int]],
    ranked: dict[str, Ratio],
    method: RankingMethod,
) -> MonthExplanation:
    """Each indicator and quality item of one unit's score, as the clerk reads them:
    the `percentiles` of its figures among `count` units, its `increases`, the `parts`
    of its ratios and the percentiles of those (`ranked`)."""
    unit_size = SCALE
    codes = len(INDICATOR_CODES)
    lines = []
    for i, code in enumerate(INDICATOR_CODES):
        average = None
        if unit.earlier_months > 0:
            average = Fraction(max(row[codes + i], 0), unit_size * unit.earlier_months)
        lines.append(
            IndicatorLine(
                code=code,
                label=INDICATOR_LABELS[code],
                weight=round4(method.weights[code]),
                value=round4(Fraction(row[i], unit_size)),
                percentile=round1_of(100 * percentiles[i][0], percentiles[i][1]),
                earlier_average=None if average is None else round4(average),
                increase=round1_of(100 * increases[i][0], increases[i][1]),
            )
        )
    officers, activities = row[CODE_INDEX["officers"]], row[CODE_INDEX["activities"]]
    parts = {**parts, "officers_per_activity": (officers, activities)}
    shares = {
        **ranked,
        "officers_per_activity": _two_officers(officers, activities, method.officers_required),
        "on_time": (int(unit.status == "on_time"), 1),
        "first_attempt": (int(unit.first_attempt), 1),
    }
    quality_lines = []
    for key in QUALITY_KEYS:
        top, bottom = shares[key]
        numerator = denominator = ratio = None
        met = None
        if key in parts:
            p, q = parts[key]
            numerator, denominator = round4(Fraction(p, unit_size)), round4(Fraction(q, unit_size))
            ratio = round4(Fraction(p, q)) if q > 0 else None
        else:
            met = bool(top)
        quality_lines.append(
            QualityLine(
                key=key,
                label=QUALITY_LABELS[key],
                weight=round4(method.quality[key]),
                numerator=numerator,
                denominator=denominator,
                ratio=ratio,
                met=met,
                score=round1_of(100 * top, bottom),
            )
        )
    days_late = (unit.days_late or 0) if unit.status == "late" else 0
    return MonthExplanation(
        month="",
        compared_with=count,
        earlier_months=unit.earlier_months,
        indicators=lines,
        quality=quality_lines,
        days_late=days_late,
        deduction=round1(method.late_deduction(days_late)),
    )
