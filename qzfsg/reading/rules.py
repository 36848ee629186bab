"""The checks of a monthly return: each a small named function returning findings.

A rule reads the parsed return and a context (indicator definitions, the campaign, the
unit's stored earlier months) and never touches the database. RULES lists them in the
order their findings are reported; the codes and severities are in findings.CATALOGUE.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from statistics import median

from qzfsg.amounts import plain_decimal, show
from qzfsg.campaign import Campaign
from qzfsg.defaults import IndicatorDef
from qzfsg.findings import Finding, finding
from qzfsg.reading.returns import COLUMN_LABELS, CheckedReturn, Column, Entry

ZERO = Decimal(0)
SPIKE_FACTOR = 10  # a month this many times the unit's own median…
SPIKE_FLOOR = Decimal(20)  # …and above this (fines: FINES_SPIKE_FLOOR 万元) is flagged
FINES_SPIKE_FLOOR = Decimal(5)
HARD_SANCTIONS = ("suspensions", "licences", "closures")
# No count or sum on this form comes near a billion; past it a cell holds something else
# (an ID or phone number pasted in), and past about 9e14 it no longer fits the database.
TOO_LARGE = Decimal(10) ** 9


@dataclass
class RuleContext:
    indicators: dict[str, IndicatorDef]
    campaign: Campaign
    today: date
    # The unit's accepted 累计数 of the month before, by indicator (None: not on file).
    previous: dict[str, Decimal] | None = None
    # The unit's accepted 本月数 of its earlier campaign months, by indicator.
    earlier: dict[str, list[Decimal]] = field(default_factory=dict)


Rule = Callable[[CheckedReturn, RuleContext], Iterator[Finding]]


def _cells(ret: CheckedReturn) -> Iterator[tuple[str, Entry, Column, Decimal]]:
    for code, entry in ret.entries.items():
        if entry.month is not None:
            yield code, entry, "month", entry.month
        if entry.cumulative is not None:
            yield code, entry, "cumulative", entry.cumulative


def _where(ctx: RuleContext, code: str, entry: Entry, column: Column) -> str:
    return f"“{ctx.indicators[code].label}”{COLUMN_LABELS[column]}（{entry.cell(column)}）"


def negative(ret: CheckedReturn, ctx: RuleContext) -> Iterator[Finding]:
    for code, entry, column, value in _cells(ret):
        if value < 0:
            yield finding(
                "negative",
                f"{_where(ctx, code, entry, column)}为 {show(value)}，不能为负数。",
                indicator=code,
                cell=entry.cell(column),
                expected="不小于 0 的数",
            )


def too_large(ret: CheckedReturn, ctx: RuleContext) -> Iterator[Finding]:
    for code, entry, column, value in _cells(ret):
        if value >= TOO_LARGE:
            yield finding(
                "too_large",
                f"{_where(ctx, code, entry, column)}为 {show(value)}，数值过大，"
                "请核实是否填错了栏目（例如填进了证件号码或电话号码）。",
                indicator=code, cell=entry.cell(column), expected="小于 10 亿的数",
            )  # fmt: skip


def not_whole(ret: CheckedReturn, ctx: RuleContext) -> Iterator[Finding]:
    for code, entry, column, value in _cells(ret):
        if ctx.indicators[code].decimals == 0 and value != value.to_integral_value():
            unit = ctx.indicators[code].unit
            yield finding(
                "not_whole",
                f"{_where(ctx, code, entry, column)}为 {show(value)}，单位是“{unit}”，应为整数。",
                indicator=code,
                cell=entry.cell(column),
                expected="整数",
            )


def too_many_decimals(ret: CheckedReturn, ctx: RuleContext) -> Iterator[Finding]:
    for code, entry, column, value in _cells(ret):
        places = ctx.indicators[code].decimals
        if not places or value == value.to_integral_value():
            continue  # a whole number has no places to count
        exponent = plain_decimal(value).as_tuple().exponent
        if isinstance(exponent, int) and -exponent > places:
            yield finding(
                "too_many_decimals",
                f"{_where(ctx, code, entry, column)}为 {show(value)}，最多保留 {places} 位小数"
                f"（{ctx.indicators[code].unit}，{places} 位即精确到 1 元）。",
                indicator=code,
                cell=entry.cell(column),
                expected=f"最多 {places} 位小数",
            )


def cum_lt_month(ret: CheckedReturn, ctx: RuleContext) -> Iterator[Finding]:
    for code, entry in ret.entries.items():
        if entry.month is None or entry.cumulative is None or entry.cumulative >= entry.month:
            continue
        yield finding(
            "cum_lt_month",
            f"{_where(ctx, code, entry, 'cumulative')}为 {show(entry.cumulative)}，"
            f"小于本月数 {show(entry.month)}；累计数应为上月累计数加本月数。",
            indicator=code,
            cell=entry.cumulative_cell,
            expected=f"不小于 {show(entry.month)}",
        )


def cum_mismatch(ret: CheckedReturn, ctx: RuleContext) -> Iterator[Finding]:
    """累计数 = the previous month's accepted 累计数 + 本月数; in the first month, = 本月数."""
    first = ret.month == ctx.campaign.first
    if ctx.previous is None and not first:
        return
    for code, entry in ret.entries.items():
        if entry.month is None or entry.cumulative is None:
            continue
        before = ZERO if first else (ctx.previous or {}).get(code, ZERO)
        due = before + entry.month
        if entry.cumulative == due:
            continue
        if first:
            why = f"{ctx.campaign.first.label}是行动首月，累计数应等于本月数 {show(entry.month)}"
        else:
            why = (
                f"应为上月（{ret.month.previous().label if ret.month else ''}）累计数 {show(before)}"
                f" + 本月数 {show(entry.month)} = {show(due)}"
            )
        yield finding(
            "cum_mismatch",
            f"{_where(ctx, code, entry, 'cumulative')}为 {show(entry.cumulative)}，{why}。",
            indicator=code,
            cell=entry.cumulative_cell,
            expected=show(due),
        )


def _month(ret: CheckedReturn, code: str) -> Decimal:
    entry = ret.entries.get(code)
    return entry.month if entry and entry.month is not None else ZERO


def cum_equals_month(ret: CheckedReturn, ctx: RuleContext) -> Iterator[Finding]:
    """After the first month, 累计数 = 本月数 everywhere means nothing before was counted:
    checked by cum_mismatch when last month is stored, worth a question when it is not."""
    if ret.month == ctx.campaign.first or ctx.previous is not None:
        return
    entries = list(ret.entries.values())
    if any(e.month for e in entries) and all(e.cumulative == e.month for e in entries):
        yield finding(
            "cum_equals_month",
            "各项累计数都等于本月数，但本月不是行动首月：是否漏加了以前各月的数？"
            "如以前各月确实都为 0 可不理会，否则请按“上月累计数 + 本月数”更正后重报。",
        )


def all_zero(ret: CheckedReturn, ctx: RuleContext) -> Iterator[Finding]:
    if ret.entries and all(_month(ret, code) == 0 for code in ret.entries):
        yield finding(
            "all_zero",
            "本月各项均为 0（零报告）。已收下，如确无执法活动无需处理，否则请核实后重报。",
        )


def fines_without_cases(ret: CheckedReturn, ctx: RuleContext) -> Iterator[Finding]:
    fines, cases = ret.entries.get("fines"), ret.entries.get("cases")
    if not fines or not cases or _month(ret, "fines") <= 0 or (cases.cumulative or ZERO) > 0:
        return
    yield finding(
        "fines_without_cases",
        f"经济处罚本月数（{fines.month_cell}）为 {show(_month(ret, 'fines'))} 万元，"
        f"但立案调查累计数（{cases.cumulative_cell}）为 0；处罚应有立案，请核实。",
        indicator="fines",
        cell=fines.month_cell,
    )


def few_officers(ret: CheckedReturn, ctx: RuleContext) -> Iterator[Finding]:
    officers, activities = ret.entries.get("officers"), ret.entries.get("activities")
    if not officers or not activities:
        return
    needed = 2 * _month(ret, "activities")
    if _month(ret, "officers") < needed:
        yield finding(
            "few_officers",
            f"出动执法人员本月数（{officers.month_cell}）为 {show(_month(ret, 'officers'))}，"
            f"少于执法活动 {show(_month(ret, 'activities'))} 次的 2 倍（每次执法至少 2 人），请核实。",
            indicator="officers",
            cell=officers.month_cell,
            expected=f"不少于 {show(needed)}",
        )


def sanctions_exceed_inspected(ret: CheckedReturn, ctx: RuleContext) -> Iterator[Finding]:
    inspected = ret.entries.get("inspected")
    if not inspected:
        return
    sanctions = sum((_month(ret, code) for code in HARD_SANCTIONS), ZERO)
    if sanctions > _month(ret, "inspected"):
        yield finding(
            "sanctions_exceed_inspected",
            f"责令停产停业、暂扣吊销证照、取缔关闭本月合计 {show(sanctions)} 家，"
            f"多于检查生产经营单位 {show(_month(ret, 'inspected'))} 家（{inspected.month_cell}），请核实。",
            indicator="inspected",
            cell=inspected.month_cell,
        )


def spike(ret: CheckedReturn, ctx: RuleContext) -> Iterator[Finding]:
    for code, entry in ret.entries.items():
        history = ctx.earlier.get(code, [])
        if entry.month is None or not history:
            continue
        usual = Decimal(median(history))
        floor = FINES_SPIKE_FLOOR if code == "fines" else SPIKE_FLOOR
        if entry.month > floor and entry.month > SPIKE_FACTOR * usual:
            yield finding(
                "spike",
                f"{_where(ctx, code, entry, 'month')}为 {show(entry.month)}，远高于本单位以往各月"
                f"（中位数 {show(usual)}），请核实是否多写了位数。",
                indicator=code,
                cell=entry.month_cell,
            )


def month_outside_campaign(ret: CheckedReturn, ctx: RuleContext) -> Iterator[Finding]:
    if ret.month and not ctx.campaign.first <= ret.month <= ctx.campaign.last:
        yield finding(
            "month_outside_campaign",
            f"报告月份 {ret.month.label} 不在行动期（{ctx.campaign.first.label}至"
            f"{ctx.campaign.last.label}）内，请核实月份。",
        )


def month_in_future(ret: CheckedReturn, ctx: RuleContext) -> Iterator[Finding]:
    if ret.month and ret.month.first_day > ctx.today:
        yield finding("month_in_future", f"报告月份 {ret.month.label} 还没有到，请核实月份。")


# Each on the values it can read; a missing or unreadable cell is already an error.
CELL_RULES: tuple[Rule, ...] = (
    negative,
    too_large,
    not_whole,
    too_many_decimals,
    cum_lt_month,
    cum_mismatch,
    month_outside_campaign,
    month_in_future,
)
# Comparing one indicator with another: only on a complete return, where a cell that could
# not be read is not mistaken for a 0.
WHOLE_RETURN_RULES: tuple[Rule, ...] = (
    cum_equals_month,
    all_zero,
    fines_without_cases,
    few_officers,
    sanctions_exceed_inspected,
    spike,
)
RULES = CELL_RULES + WHOLE_RETURN_RULES
# The rules that read the unit's other months (ctx.previous, ctx.earlier): qzfsg.versions
# applies them again, in received order, when a file of the unit arrives out of order.
HISTORY_RULES: tuple[Rule, ...] = (cum_mismatch, cum_equals_month, spike)


def apply_rules(
    ret: CheckedReturn, ctx: RuleContext, only: tuple[Rule, ...] = RULES
) -> list[Finding]:
    """The findings of the rules (of `only`) that apply to the return."""
    complete = all(e.month is not None and e.cumulative is not None for e in ret.entries.values())
    rules = RULES if complete else CELL_RULES
    return [item for rule in rules if rule in only for item in rule(ret, ctx)]
