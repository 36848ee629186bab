"""The city's own 附件1 for a month: sums over the units' current returns, the coverage,
and why the city's 累计数 may not equal the sum of its months' 本月数.

Plain data only; `workbooks` turns it into Excel and `render.exports` into a screen table.
A unit's current figures for a month are those of its accepted, not superseded return.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any, Literal

from pydantic import BaseModel

from qzfsg.amounts import amount
from qzfsg.campaign import load_campaign
from qzfsg.months import Month
from qzfsg.queries import consolidation as queries
from qzfsg.registry import all_units, is_expected
from qzfsg.submissions import UnderReview, current_figures, returns_under_review

ZERO = Decimal(0)
KINDS = ("town", "department")


class Figures(BaseModel):
    month: Decimal = ZERO  # 本月数
    cumulative: Decimal = ZERO  # 累计数


class IndicatorInfo(BaseModel):
    code: str
    label: str
    unit: str
    decimals: int


@dataclass(slots=True)
class UnitRow:
    """One unit on the breakdown sheet; `values` is empty when it has not reported."""

    unit: str
    kind: str
    expected: bool
    reported: bool
    values: dict[str, Figures]


GapReason = Literal["earlier_missing", "month_missing", "own_mismatch"]


@dataclass(slots=True)
class CumulativeGap:
    """One unit whose figures make the city's 累计数 differ from the sum of 本月数.

    earlier_missing: it reported this month but not `months` before it, so its 累计数
        holds months the city has no 本月数 for;
    month_missing: it reported earlier months (`months`) but not this one, so their
        本月数 are in the sum but its 累计数 is not in this month's total;
    own_mismatch: every month is on file but its 累计数 is not the sum of its 本月数.
    """

    unit: str
    reason: GapReason
    months: list[str]
    difference: dict[str, Decimal]  # by indicator: its share of (累计数 − Σ本月数)

    def public(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "reason": self.reason,
            "months": self.months,
            "difference": self.difference,
        }


@dataclass(slots=True)
class Consistency:
    consistent: bool
    first_month: str  # the campaign's first month: the months summed run from here
    sum_of_months: dict[str, Decimal]  # Σ of the city's 本月数 from first_month on
    gaps: list[CumulativeGap]


@dataclass(slots=True)
class CityReturn:
    month: str
    units_expected: int
    units_reported: int
    missing: list[str]
    # Units that reported though not expected that month (deactivated, say): their figures
    # are in the totals, so the coverage line names them.
    unexpected: list[str]
    totals: dict[str, Figures]
    indicators: list[IndicatorInfo]
    subtotals: dict[str, dict[str, Figures]]  # town | department -> code -> figures
    consistency: Consistency
    # Returns counted in the figures (this month's, and the earlier months' the 累计 check
    # sums) whose warnings the clerk has not dealt with yet: they may still be corrected.
    under_review: list[UnderReview]

    def summary(self) -> dict[str, Any]:
        """The `report --json` shape; the gaps (one per unit at worst) written one by one."""
        check = self.consistency
        return {
            "month": self.month,
            "units_expected": self.units_expected,
            "units_reported": self.units_reported,
            "missing": self.missing,
            "unexpected": self.unexpected,
            "totals": self.totals,
            "consistency": {
                "consistent": check.consistent,
                "first_month": check.first_month,
                "sum_of_months": check.sum_of_months,
                "gaps": (gap.public() for gap in check.gaps),
            },
            "under_review": self.under_review,
        }


def list_indicators(connection: Any) -> list[IndicatorInfo]:
    return [
        IndicatorInfo(code=code, label=label, unit=unit, decimals=decimals)
        for code, label, unit, decimals in queries.indicators(connection)
    ]


def _figures(month_value: int, cumulative: int) -> Figures:
    return Figures(month=amount(month_value), cumulative=amount(cumulative))


def consolidate(connection: Any, month: Month) -> CityReturn:
    """The city's return for `month`: totals, coverage and the 累计 check, summed by the
    database (a DB-API connection or a session, see qzfsg.queries)."""
    indicators = list_indicators(connection)
    codes = [i.code for i in indicators]
    campaign = load_campaign(connection)
    campaign.within([month], month.label, "没有可汇总的月报表")
    months = [str(m) for m in campaign.first.until(month)]
    sums: dict[str, dict[str, list[int]]] = {kind: {} for kind in KINDS}
    for kind, code, month_sum, cumulative in queries.kind_totals(connection, str(month)):
        sums.setdefault(kind, {})[code] = [month_sum, cumulative]
    on_file = {row[0]: row[1:] for row in queries.months_on_file(connection, months)}
    units = all_units(connection)
    expected = {u.id for u in units if is_expected(u, month)}
    reported = {unit_id for unit_id, flags in on_file.items() if flags[-1]}

    def total(kinds: tuple[str, ...]) -> dict[str, Figures]:
        found = {}
        for code in codes:
            figures = [sums[kind][code] for kind in kinds if code in sums.get(kind, {})]
            found[code] = _figures(sum(f[0] for f in figures), sum(f[1] for f in figures))
        return found

    return CityReturn(
        month=str(month),
        units_expected=len(expected),
        units_reported=len(expected & reported),
        missing=[u.name for u in units if u.id in expected and u.id not in reported],
        unexpected=[u.name for u in units if u.id in reported and u.id not in expected],
        totals=total(tuple(sums)),
        indicators=indicators,
        subtotals={kind: total((kind,)) for kind in KINDS},
        consistency=_consistency(connection, months, on_file, codes),
        under_review=returns_under_review(connection, campaign.first, month),
    )


def _consistency(
    connection: Any, months: list[str], on_file: dict[int, tuple], codes: list[str]
) -> Consistency:
    """Per unit: its 累计数 this month minus the 本月数 of its months on file. The city's
    difference is the sum of these, so the units with a non-zero share explain it."""
    known = set(codes)
    sum_of_months = dict.fromkeys(codes, 0)
    gaps = []
    rows = queries.unit_sums(connection, months[0], months[-1])
    for (unit_id, name), figures in groupby(rows, key=itemgetter(0, 1)):
        shares = {}
        for _, _, code, month_sum, cumulative in figures:
            if code in known:
                sum_of_months[code] += month_sum
                shares[code] = cumulative - month_sum
        if not any(shares.values()):
            continue
        flags = on_file.get(unit_id, ())
        if not flags or not flags[-1]:
            reason: GapReason = "month_missing"
            listed = [m for m, flag in zip(months, flags, strict=True) if flag]
        else:
            listed = [m for m, flag in zip(months, flags, strict=True) if not flag]
            reason = "earlier_missing" if listed else "own_mismatch"
        difference = {code: amount(shares[code]) for code in codes if shares.get(code)}
        gaps.append(CumulativeGap(name, reason, listed, difference))
    return Consistency(
        consistent=not gaps,
        first_month=months[0],
        sum_of_months={code: amount(total) for code, total in sum_of_months.items()},
        gaps=gaps,
    )


def breakdown(connection: Any, month: Month) -> list[UnitRow]:
    """The breakdown sheet's rows: every unit expected or reporting in `month`, registry
    order, with its current figures (built for the exported workbook only)."""
    current = current_figures(connection, [month])[str(month)]
    units = all_units(connection)
    expected = {u.id for u in units if is_expected(u, month)}
    return [
        UnitRow(
            unit=u.name,
            kind=u.kind,
            expected=u.id in expected,
            reported=u.id in current,
            values={
                code: Figures(month=m, cumulative=c)
                for code, (m, c) in current.get(u.id, {}).items()
            },
        )
        for u in units
        if u.id in expected or u.id in current
    ]


def months_text(keys: list[str]) -> str:
    """Months as the clerk writes them, runs shortened: 2018年5月至7月、9月."""
    months = sorted(Month.parse(k) for k in keys)
    runs: list[list[Month]] = []
    for m in months:
        if runs and runs[-1][-1].next() == m:
            runs[-1].append(m)
        else:
            runs.append([m])
    parts, year = [], None
    for run in runs:
        head = run[0].label if run[0].year != year else f"{run[0].month}月"
        year = run[-1].year
        if len(run) == 1:
            parts.append(head)
        else:
            tail = f"{run[-1].month}月" if run[-1].year == run[0].year else run[-1].label
            parts.append(f"{head}{'、' if len(run) == 2 else '至'}{tail}")
    return "、".join(parts)


def review_note(city: CityReturn) -> str | None:
    """Which returns behind the figures are still under 核实, or None when none is."""
    if not city.under_review:
        return None
    named = "、".join(f"{u.unit}（{months_text(u.months)}）" for u in city.under_review)
    return (
        f"注意：汇总所依据的报表中，以下单位的报表已录入，但有需要核实的问题尚未处理，"
        f"数字可能还会更正：{named}。核实无误的，可用 qzfsg dismiss 移出待处理清单。"
    )


def explain_consistency(city: CityReturn) -> list[str]:
    """The 累计 check in sentences, for the screen and the exported workbook."""
    check = city.consistency
    month = Month.parse(city.month)
    first = Month.parse(check.first_month)
    end = f"{month.month}月" if month.year == first.year else month.label
    span = month.label if first == month else f"{first.label}至{end}"
    if check.consistent:
        return [f"全市累计数等于{span}各月本月数之和，各单位各月报表衔接一致。"]
    differing = [
        code
        for code, total in city.totals.items()
        if total.cumulative != check.sum_of_months.get(code, ZERO)
    ]
    lines = [
        f"全市累计数与{span}各月本月数之和不一致（{len(differing)} 项指标），原因如下："
        if differing
        else f"全市累计数与{span}各月本月数之和相等，但个别单位之间相互抵消，原因如下："
    ]
    groups: dict[tuple[str, tuple[str, ...]], list[str]] = {}
    for gap in check.gaps:
        groups.setdefault((gap.reason, tuple(gap.months)), []).append(gap.unit)
    for (reason, months), units in groups.items():
        who = "、".join(units)
        if reason == "earlier_missing":
            lines.append(
                f"· {who} 没有{months_text(list(months))}的报表（或未通过审核）："
                "其累计数含这些月份，全市这些月份的本月数里却没有。"
            )
        elif reason == "month_missing":
            lines.append(
                f"· {who} 本月没有报表：其{months_text(list(months))}的本月数已计入各月之和，"
                "本月累计数中却没有它。"
            )
        else:
            lines.append(f"· {who} 各月报表齐全，但累计数不等于其各月本月数之和，请核实。")
    return lines
