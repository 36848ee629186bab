"""The method's arithmetic on one league for one month, pure (no database): percentile
ranks for 比数量 and the quality ratios, 比增量 against the unit's own earlier months, the
two-officer rule and procedure, the weighted means and the lateness deduction.

Everything is exact (Fraction): no NaN, no float drift, so the same figures always give
the same scores whatever order the units come in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from pydantic import BaseModel

from qzfsg.ranking.method import (
    INDICATOR_CODES,
    INDICATOR_LABELS,
    QUALITY_KEYS,
    SHARE_KEYS,
    RankingMethod,
)

HALF = Fraction(1, 2)
QUALITY_LABELS = {
    "cases_per_inspected": "立案率",
    "fines_per_case": "案均罚款",
    "sanctions_per_inspected": "硬措施率",
    "officers_per_activity": "两人执法",
    "on_time": "按时报送",
    "first_attempt": "一次通过",
}
PERCENTILE_ITEMS = ("cases_per_inspected", "fines_per_case", "sanctions_per_inspected")


class Components(BaseModel):
    quantity: Decimal  # 比数量, 0–100
    increase: Decimal  # 比增量, 0–100
    quality: Decimal  # 比质量, 0–100


class IndicatorLine(BaseModel):
    """One indicator's part in 比数量 and 比增量."""

    code: str
    label: str
    weight: Decimal
    value: Decimal  # 本月数
    percentile: Decimal  # 0–100: its 比数量 points before weighting
    earlier_average: Decimal | None  # monthly average before this month; None: first month
    increase: Decimal  # 0–100: its 比增量 points before weighting


class QualityLine(BaseModel):
    """One item of 比质量: a ratio (numerator ÷ denominator) or a yes/no of procedure."""

    key: str
    label: str
    weight: Decimal
    numerator: Decimal | None
    denominator: Decimal | None
    ratio: Decimal | None  # None: the denominator is 0, or a yes/no item
    met: bool | None  # yes/no items: on time, first attempt
    score: Decimal  # 0–100 before weighting


class MonthExplanation(BaseModel):
    month: str
    compared_with: int  # reporting units in the league (the percentiles' base)
    earlier_months: int  # campaign months before this one for the unit; 0: increase neutral
    indicators: list[IndicatorLine]
    quality: list[QualityLine]
    days_late: int
    deduction: Decimal


@dataclass(frozen=True)
class UnitMonth:
    """What the method needs to know of one unit in one month."""

    unit: str
    order: int  # registry order: the last tie-break
    status: str  # on_time | late | missing | pending
    days_late: int | None = None
    values: dict[str, Decimal] | None = None  # 本月数 by code; None: no accepted return
    earlier: dict[str, Decimal] | None = None  # 累计数 − 本月数: the earlier months' total
    earlier_months: int = 0
    first_attempt: bool = True  # the unit's first return of the month was accepted

    def figure(self, code: str) -> Fraction:
        return Fraction((self.values or {}).get(code, 0))


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


def round1(value: Fraction) -> Decimal:
    """Half up to one decimal, exactly: 62.45 -> 62.5."""
    return Decimal(math.floor(value * 10 + HALF)).scaleb(-1)


def round4(value: Fraction) -> Decimal:
    found = Decimal(math.floor(value * 10_000 + HALF)).scaleb(-4)
    return found.quantize(Decimal(1)) if found == found.to_integral() else found.normalize()


def percentiles(values: dict[str, Fraction | None]) -> dict[str, Fraction]:
    """0–1 per key: the share of all the units (itself included) whose value is not above
    its own. A 0 (or an undefined ratio, None) earns 0; the largest value earns 1."""
    count = len(values)
    found = {}
    for key, value in values.items():
        if value is None or value <= 0:
            found[key] = Fraction(0)
        else:
            found[key] = Fraction(sum(1 for v in values.values() if (v or 0) <= value), count)
    return found


def _ratio(numerator: Fraction, denominator: Fraction) -> Fraction | None:
    return numerator / denominator if denominator > 0 else None


def quality_parts(unit: UnitMonth, method: RankingMethod) -> dict[str, tuple[Fraction, Fraction]]:
    """(numerator, denominator) of each ratio item of 比质量, for one unit."""
    hard = sum((unit.figure(c) for c in method.hard_sanctions), Fraction(0))
    return {
        "cases_per_inspected": (unit.figure("cases"), unit.figure("inspected")),
        "fines_per_case": (unit.figure("fines"), unit.figure("cases")),
        "sanctions_per_inspected": (hard, unit.figure("inspected")),
        "officers_per_activity": (unit.figure("officers"), unit.figure("activities")),
    }


def increase_score(value: Fraction, earlier_average: Fraction | None) -> Fraction:
    """This month against the unit's usual month: value ÷ (value + average); 1/2 when
    there is nothing to compare with (first month, or nothing then and nothing now)."""
    if earlier_average is None or value + earlier_average == 0:
        return HALF
    return value / (value + earlier_average)


def _weighted(scores: dict[str, Fraction], weights: dict[str, Fraction]) -> Fraction:
    """The weighted mean, as points out of 100."""
    total = sum((weights[k] * scores[k] for k in weights), Fraction(0))
    return 100 * total / sum(weights.values())


def score_league(inputs: Sequence[UnitMonth], method: RankingMethod) -> list[UnitScore]:
    """Score one league for one month; units without a return get no score. Input order
    does not matter: each score depends only on the set of reporting units."""
    reporting = [u for u in inputs if u.values is not None]
    quantity = {
        code: percentiles({u.unit: u.figure(code) for u in reporting}) for code in INDICATOR_CODES
    }
    parts = {u.unit: quality_parts(u, method) for u in reporting}
    ratios = {
        key: percentiles({name: _ratio(*p[key]) for name, p in parts.items()})
        for key in PERCENTILE_ITEMS
    }
    scored = []
    for unit in inputs:
        if unit.values is None:
            scored.append(
                UnitScore(unit.unit, unit.order, unit.status, 0, None, Decimal(0), None, None)
            )
            continue
        mine = {code: quantity[code][unit.unit] for code in INDICATOR_CODES}
        increases, lines = _indicators(unit, mine, method)
        quality, quality_lines = _quality(unit, parts[unit.unit], ratios, method)
        components = Components(
            quantity=round1(_weighted(mine, method.weights)),
            increase=round1(_weighted(increases, method.weights)),
            quality=round1(_weighted(quality, method.quality)),
        )
        days_late = (unit.days_late or 0) if unit.status == "late" else 0
        deduction = method.late_deduction(days_late)
        shares = sum(
            (method.shares[key] * Fraction(getattr(components, key)) for key in SHARE_KEYS),
            Fraction(0),
        )
        total = max(shares / 100 - deduction, Fraction(0))
        scored.append(
            UnitScore(
                unit=unit.unit,
                order=unit.order,
                status=unit.status,
                days_late=days_late,
                components=components,
                deduction=round1(deduction),
                score=round1(total),
                explain=MonthExplanation(
                    month="",
                    compared_with=len(reporting),
                    earlier_months=unit.earlier_months,
                    indicators=lines,
                    quality=quality_lines,
                    days_late=days_late,
                    deduction=round1(deduction),
                ),
            )
        )
    return scored


def _indicators(
    unit: UnitMonth, percentile: dict[str, Fraction], method: RankingMethod
) -> tuple[dict[str, Fraction], list[IndicatorLine]]:
    """比增量 per indicator, and each indicator's line of the explanation."""
    increases: dict[str, Fraction] = {}
    lines = []
    for code in INDICATOR_CODES:
        value = unit.figure(code)
        average = None
        if unit.earlier_months > 0:
            before = Fraction((unit.earlier or {}).get(code, 0))
            average = max(before, Fraction(0)) / unit.earlier_months
        increases[code] = increase_score(value, average)
        lines.append(
            IndicatorLine(
                code=code,
                label=INDICATOR_LABELS[code],
                weight=round4(method.weights[code]),
                value=round4(value),
                percentile=round1(100 * percentile[code]),
                earlier_average=None if average is None else round4(average),
                increase=round1(100 * increases[code]),
            )
        )
    return increases, lines


def _quality(
    unit: UnitMonth,
    parts: dict[str, tuple[Fraction, Fraction]],
    ratios: dict[str, dict[str, Fraction]],
    method: RankingMethod,
) -> tuple[dict[str, Fraction], list[QualityLine]]:
    scores: dict[str, Fraction] = {}
    lines = []
    for key in QUALITY_KEYS:
        numerator = denominator = ratio = None
        met = None
        if key in parts:
            numerator, denominator = parts[key]
            ratio = _ratio(numerator, denominator)
            if key in ratios:
                scores[key] = ratios[key][unit.unit]
            else:  # two officers per activity: full marks at the rule, in proportion below
                need = denominator * method.officers_required
                scores[key] = min(Fraction(1), numerator / need) if need > 0 else Fraction(0)
        else:
            met = unit.status == "on_time" if key == "on_time" else unit.first_attempt
            scores[key] = Fraction(1 if met else 0)
        lines.append(
            QualityLine(
                key=key,
                label=QUALITY_LABELS[key],
                weight=round4(method.quality[key]),
                numerator=None if numerator is None else round4(numerator),
                denominator=None if denominator is None else round4(denominator),
                ratio=None if ratio is None else round4(ratio),
                met=met,
                score=round1(100 * scores[key]),
            )
        )
    return scores, lines
