"""The city's own 附件1 for a month: sums over the units' current returns, the coverage,
and why the city's 累计数 may not equal the sum of its months' 本月数.

Plain data only; `workbooks` turns it into Excel and `render.exports` into a screen table.
A unit's current figures for a month are those of its accepted, not superseded return.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import BaseModel
from sqlmodel import Session, col, select

from qzfsg.amounts import plain_decimal
from qzfsg.campaign import load_campaign
from qzfsg.models import Indicator, Unit
from qzfsg.months import Month
from qzfsg.registry import all_units, expected_units
from qzfsg.submissions import current_figures

ZERO = Decimal(0)


class Figures(BaseModel):
    month: Decimal = ZERO  # 本月数
    cumulative: Decimal = ZERO  # 累计数


class IndicatorInfo(BaseModel):
    code: str
    label: str
    unit: str
    decimals: int


class UnitRow(BaseModel):
    """One unit on the breakdown sheet; `values` is empty when it has not reported."""

    unit: str
    kind: str
    expected: bool
    reported: bool
    values: dict[str, Figures]


GapReason = Literal["earlier_missing", "month_missing", "own_mismatch"]


class CumulativeGap(BaseModel):
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


class Consistency(BaseModel):
    consistent: bool
    first_month: str  # the campaign's first month: the months summed run from here
    sum_of_months: dict[str, Decimal]  # Σ of the city's 本月数 from first_month on
    gaps: list[CumulativeGap]


class CityReturn(BaseModel):
    month: str
    units_expected: int
    units_reported: int
    missing: list[str]
    # Units that reported though not expected that month (deactivated, say): their figures
    # are in the totals, so the coverage line names them.
    unexpected: list[str]
    totals: dict[str, Figures]
    indicators: list[IndicatorInfo]
    units: list[UnitRow]  # expected units (and any other that reported), registry order
    subtotals: dict[str, dict[str, Figures]]  # town | department -> code -> figures
    consistency: Consistency

    def summary(self) -> dict:
        """The `report --json` shape."""
        return {
            "month": self.month,
            "units_expected": self.units_expected,
            "units_reported": self.units_reported,
            "missing": self.missing,
            "unexpected": self.unexpected,
            "totals": self.totals,
            "consistency": self.consistency,
        }


def list_indicators(session: Session) -> list[IndicatorInfo]:
    rows = session.exec(select(Indicator).order_by(col(Indicator.sort_order), col(Indicator.code)))
    return [
        IndicatorInfo(code=i.code, label=i.label, unit=i.unit, decimals=i.decimals) for i in rows
    ]


def accepted_figures(
    session: Session, months: list[Month]
) -> dict[str, dict[int, dict[str, Figures]]]:
    """{month: {unit id: {code: figures}}} from the current returns of `months`."""
    return {
        month: {
            unit: {code: Figures(month=m, cumulative=c) for code, (m, c) in figures.items()}
            for unit, figures in units.items()
        }
        for month, units in current_figures(session, months).items()
    }


def _sum(items: list[dict[str, Figures]], codes: list[str]) -> dict[str, Figures]:
    return {
        code: Figures(
            month=plain_decimal(sum((i[code].month for i in items if code in i), ZERO)),
            cumulative=plain_decimal(sum((i[code].cumulative for i in items if code in i), ZERO)),
        )
        for code in codes
    }


def consolidate(session: Session, month: Month) -> CityReturn:
    """The city's return for `month`: totals, coverage, breakdown and the 累计 check."""
    indicators = list_indicators(session)
    codes = [i.code for i in indicators]
    campaign = load_campaign(session)
    campaign.within([month], month.label, "没有可汇总的月报表")
    months = campaign.first.until(month)
    figures = accepted_figures(session, months)
    current = figures[str(month)]
    expected = expected_units(session, month)
    expected_ids = {u.id for u in expected}
    rows = [
        UnitRow(
            unit=u.name,
            kind=u.kind,
            expected=u.id in expected_ids,
            reported=u.id in current,
            values=current.get(u.id or 0, {}),
        )
        for u in all_units(session)
        if u.id in expected_ids or u.id in current
    ]
    reported = [r.values for r in rows if r.reported]
    return CityReturn(
        month=str(month),
        units_expected=len(expected),
        units_reported=sum(1 for u in expected if u.id in current),
        missing=[u.name for u in expected if u.id not in current],
        unexpected=[r.unit for r in rows if r.reported and not r.expected],
        totals=_sum(reported, codes),
        indicators=indicators,
        units=rows,
        subtotals={
            kind: _sum([r.values for r in rows if r.reported and r.kind == kind], codes)
            for kind in ("town", "department")
        },
        consistency=_consistency(session, month, months, figures, codes),
    )


def _consistency(
    session: Session,
    month: Month,
    months: list[Month],
    figures: dict[str, dict[int, dict[str, Figures]]],
    codes: list[str],
) -> Consistency:
    """Per unit: its 累计数 this month minus the 本月数 of its months on file. The city's
    difference is the sum of these, so the units with a non-zero share explain it."""
    names = {u.id: u.name for u in session.exec(select(Unit))}
    key = str(month)
    sum_of_months = {code: ZERO for code in codes}
    gaps = []
    unit_ids = sorted({uid for by_unit in figures.values() for uid in by_unit})
    order = {u.id: i for i, u in enumerate(all_units(session))}
    for unit_id in sorted(unit_ids, key=lambda uid: order.get(uid, len(order))):
        on_file = [m for m in months if unit_id in figures[str(m)]]
        shares = {}
        for code in codes:
            months_sum = sum(
                (figures[str(m)][unit_id].get(code, Figures()).month for m in on_file), ZERO
            )
            sum_of_months[code] += months_sum
            now = figures[key].get(unit_id, {}).get(code)
            shares[code] = (now.cumulative if now else ZERO) - months_sum
        if not any(shares.values()):
            continue
        if unit_id not in figures[key]:
            reason: GapReason = "month_missing"
            listed = [str(m) for m in on_file]
        else:
            absent = [str(m) for m in months if m not in on_file]
            reason = "earlier_missing" if absent else "own_mismatch"
            listed = absent
        gaps.append(
            CumulativeGap(
                unit=names.get(unit_id, str(unit_id)),
                reason=reason,
                months=listed,
                difference={c: plain_decimal(v) for c, v in shares.items() if v},
            )
        )
    return Consistency(
        consistent=not gaps,
        first_month=str(months[0]),
        sum_of_months={c: plain_decimal(v) for c, v in sum_of_months.items()},
        gaps=gaps,
    )


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
