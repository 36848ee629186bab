"""The league tables (全市安全监管执法质量排行榜): towns and departments ranked separately by
三比三严, for a month, a quarter or the year.

A month's score of a unit, out of 100 (the weights and shares are data, ranking.toml):
- 比数量: for each indicator, the unit's 本月数 as a percentile within its league: the share
  of the reporting units (itself included) whose figure is not above its own; a 0 earns
  nothing, the league's largest figure earns full marks. The weighted mean of these.
  Percentiles see order, not size, so one huge figure cannot flatten everyone else, and
  a change of measuring unit (万元 or 元) changes nothing.
- 比增量: for each indicator, 本月数 ÷ (本月数 + the unit's own monthly average over its
  earlier campaign months, i.e. (累计数 − 本月数) ÷ their number): 50 is a usual month, 100
  is something where there was nothing. Neutral (50) in the unit's first month. Weighted
  like 比数量.
- 比质量: percentiles of three ratios (cases per unit inspected, fines per case, hard
  sanctions per unit inspected), the two-officer rule (officers ÷ (activities × 2), at
  most 1), on time, accepted at the first attempt; weighted mean.
- total = the three component scores (one decimal each) times their shares, minus the
  lateness deduction, at least 0, one decimal.
Only units with an accepted return are scored and compared, so a unit without one changes
nobody else's score; it is listed last as 未报. The arithmetic is in `scores`
(pure, exact), the weights in `method` (data/ranking.toml); this module gathers
the figures from the database, builds the periods and orders the tables.

Quarter and year: the mean of the unit's monthly scores over the period's campaign months
in which it was expected and the month was due (or it had already reported); a missing
month scores 0.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from qzfsg.campaign import Campaign, load_campaign
from qzfsg.errors import QzfsgError
from qzfsg.locks import published
from qzfsg.months import Month
from qzfsg.queries import returns as returns_queries
from qzfsg.ranking.method import RankingMethod, load_method
from qzfsg.ranking.scores import (
    CODE_INDEX,
    NO_FIGURES,
    Components,
    MonthExplanation,
    UnitMonth,
    UnitScore,
    round1,
    score_league,
)
from qzfsg.registry import all_units
from qzfsg.timeliness.arrivals import return_timeliness

KINDS = ("town", "department")
QUARTER_NAMES = "一二三四"
_QUARTER = re.compile(r"^\s*(\d{4})\s*(?:-|年)?\s*(?:[Qq]\s*([1-4])|第?([1-4一二三四])季度?)\s*$")
_YEAR = re.compile(r"^\s*(\d{4})\s*年?\s*$")


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """A month (`2018-09`), a quarter (`2018Q3`) or a year (`2018`)."""

    kind: Literal["month", "quarter", "year"]
    year: int
    number: int = 0  # the month (1–12) or the quarter (1–4); 0 for a year

    @classmethod
    def month_of(cls, month: Month) -> Period:
        return cls("month", month.year, month.month)

    def __str__(self) -> str:
        if self.kind == "month":
            return str(Month(self.year, self.number))
        return f"{self.year}Q{self.number}" if self.kind == "quarter" else str(self.year)

    @property
    def label(self) -> str:
        if self.kind == "month":
            return Month(self.year, self.number).label
        if self.kind == "quarter":
            return f"{self.year}年第{QUARTER_NAMES[self.number - 1]}季度"
        return f"{self.year}年"

    @property
    def months(self) -> list[Month]:
        if self.kind == "month":
            return [Month(self.year, self.number)]
        if self.kind == "quarter":
            first = Month(self.year, 3 * self.number - 2)
            return first.until(first.shift(2))
        return Month(self.year, 1).until(Month(self.year, 12))

    def previous(self) -> Period:
        if self.kind == "month":
            return Period.month_of(Month(self.year, self.number).previous())
        if self.kind == "quarter":
            if self.number == 1:
                return Period("quarter", self.year - 1, 4)
            return Period("quarter", self.year, self.number - 1)
        return Period("year", self.year - 1)


def parse_quarter(text: str) -> Period:
    """`2018Q3`, `2018-Q3`, `2018q3` or `2018年第三季度`."""
    found = _QUARTER.match(str(text))
    if not found:
        raise QzfsgError(f"季度“{text}”无法识别，应写成 2018Q3 这样的形式（年份 + Q + 1～4）。")
    digit = found.group(2) or found.group(3)
    number = int(digit) if digit.isdigit() else QUARTER_NAMES.index(digit) + 1
    return Period("quarter", int(found.group(1)), number)


def parse_year(text: str) -> Period:
    found = _YEAR.match(str(text))
    if not found:
        raise QzfsgError(f"年份“{text}”无法识别，应写成 2018 这样的四位数字。")
    return Period("year", int(found.group(1)))


def choose_period(
    month: str | None, quarter: str | None, year: str | None, what: str = "排名期"
) -> Period:
    """The one period given as --month, --quarter or --year (exactly one of them)."""
    chosen = [
        name
        for name, value in (("--month", month), ("--quarter", quarter), ("--year", year))
        if value
    ]
    if len(chosen) != 1:
        raise QzfsgError(
            f"请指定且只指定一个{what}：--month 2018-09、--quarter 2018Q3 或 --year 2018"
            + (f"（现在给了 {'、'.join(chosen)}）。" if chosen else "。")
        )
    if month:
        return Period.month_of(Month.parse(month))
    if quarter:
        return parse_quarter(quarter)
    return parse_year(year or "")


# ---------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class MonthLine:
    """One month inside a quarter's or year's score."""

    month: str
    status: str
    score: Decimal  # 0 for a missing month
    components: Components
    deduction: Decimal


@dataclass(frozen=True, slots=True)
class PeriodExplanation:
    months: list[MonthLine]


@dataclass(slots=True)
class LeagueRow:
    rank: int | None  # None: no accepted return (未报) or not due yet (未到期)
    unit: str
    score: Decimal | None
    components: Components | None
    # places moved up since the previous period (negative: down); "new": not ranked then;
    # None: there is no previous period in the campaign, or the unit is not ranked now.
    change: int | Literal["new"] | None
    # month: on_time | late | missing | pending;
    # quarter/year: on_time | late | incomplete (a month missing) | missing | pending
    status: str
    days_late: int
    months_missing: int
    deduction: Decimal
    explain: MonthExplanation | PeriodExplanation | None = None


@dataclass(frozen=True)
class Ranking:
    period: str
    period_kind: Literal["month", "quarter", "year"]
    label: str
    as_of: date  # late and missing returns are counted as they stood at the end of this day
    previous_period: str | None
    previous_label: str | None
    method: dict
    leagues: dict[str, list[LeagueRow]]
    published: bool = False  # every month of the period is locked (qzfsg lock): 已发布

    def public(self, explain: bool = False, unit: str | None = None) -> dict:
        """The `--json` document; with `explain`, each row's explanation (only `unit`'s)."""

        def row_data(row: LeagueRow) -> dict:
            """The row's fields (each written by the JSON writer in its own shape), its
            explanation only when asked for."""
            shown = explain and (unit is None or row.unit == unit)
            return {
                f.name: getattr(row, f.name) for f in fields(row) if shown or f.name != "explain"
            }

        leagues = {kind: [row_data(row) for row in rows] for kind, rows in self.leagues.items()}
        return {
            "period": self.period,
            "as_of": self.as_of,
            "previous_period": self.previous_period,
            "method": self.method,
            "published": self.published,
            "leagues": leagues,
        }


def _sort_key(row: LeagueRow | UnitScore, order: int) -> tuple:
    """Higher score first; then 比质量, 比数量, 比增量; then registry order."""
    parts = row.components
    assert row.score is not None and parts is not None
    return (-row.score, -parts.quality, -parts.quantity, -parts.increase, order, row.unit)


def order_league(rows: Iterable[LeagueRow], orders: dict[str, int]) -> list[LeagueRow]:
    """Ranked rows first (ranks 1…n, no shared places), then 未报, then 未到期."""
    rows = list(rows)
    ranked = sorted(
        (r for r in rows if r.score is not None), key=lambda r: _sort_key(r, orders[r.unit])
    )
    for place, row in enumerate(ranked, start=1):
        row.rank = place
    unranked = sorted(
        (r for r in rows if r.score is None),
        key=lambda r: (r.status == "pending", orders[r.unit], r.unit),
    )
    for row in unranked:
        row.rank = None
    return ranked + unranked


# ---------------------------------------------------------------- the database


# unit id -> (本月数, 累计数 − 本月数), each in INDICATOR_CODES order, as stored (whole
# numbers in units of 1/10,000)
Figures = dict[int, tuple[list[int], list[int]]]


def month_figures(session: Any, month: Month) -> Figures:
    """Every unit's current figures of `month`, as stored: the scoring takes them as they
    are (turning a quarter of a million of them into Decimals cost more than scoring)."""
    found: Figures = {}
    key = str(month)
    index = CODE_INDEX
    size = len(index)
    for _, unit, code, month_value, cumulative in returns_queries.current_figures(
        session, key, key
    ):
        i = index.get(code)
        if i is None:  # not an indicator the method weighs
            continue
        mine = found.get(unit)
        if mine is None:
            mine = found[unit] = ([0] * size, [0] * size)
        mine[0][i] = month_value
        mine[1][i] = cumulative - month_value
    return found


def month_inputs(
    session: Any, month: Month, campaign: Campaign, as_of: date
) -> dict[str, list[UnitMonth]]:
    """Every unit expected to report for `month`, with its figures, by league: read once
    for both leagues."""
    key = str(month)
    units = {u.name: u for u in all_units(session)}
    figures = month_figures(session, month)
    first_status = dict(returns_queries.first_versions(session, key))
    found: dict[str, list[UnitMonth]] = {kind: [] for kind in KINDS}
    for status in return_timeliness(session, month, as_of=as_of):
        unit = units[status.unit]
        league = found.get(unit.kind)
        if league is None:  # never mix the leagues, whatever the deadline addresses
            continue
        values = earlier = None
        if status.status in ("on_time", "late"):  # an accepted return (no figures: all 0)
            values, earlier = figures.get(unit.id) or (NO_FIGURES, NO_FIGURES)
        start = campaign.first
        if unit.active_from:
            start = max(start, Month.parse(unit.active_from))
        earlier_months = max(0, (month.year - start.year) * 12 + month.month - start.month)
        league.append(
            UnitMonth(
                unit=unit.name,
                order=unit.sort_order,
                status=status.status,
                days_late=status.days_late,
                values=values,
                earlier=earlier,
                earlier_months=earlier_months,
                first_attempt=first_status.get(unit.id) == "accepted",
            )
        )
    return found


def month_rows(scores: Sequence[UnitScore], month: Month) -> list[LeagueRow]:
    """One month's scores as (not yet ordered) league rows."""
    rows = []
    for s in scores:
        explain = replace(s.explain, month=str(month)) if s.explain else None
        rows.append(
            LeagueRow(
                rank=None,
                unit=s.unit,
                score=s.score,
                components=s.components,
                change=None,
                status=s.status,
                days_late=s.days_late,
                months_missing=1 if s.status == "missing" else 0,
                deduction=s.deduction,
                explain=explain,
            )
        )
    return rows


ZERO_PARTS = Components(quantity=Decimal("0.0"), increase=Decimal("0.0"), quality=Decimal("0.0"))


def _mean(values: Sequence[Decimal]) -> Decimal:
    return round1(sum((Fraction(v) for v in values), Fraction(0)) / len(values))


def period_rows(
    monthly: dict[Month, list[UnitScore]], explain: bool = False
) -> tuple[list[LeagueRow], dict[str, int]]:
    """One row per unit over the period: the mean of its counted months' scores (with
    them month by month as its explanation, when asked)."""
    by_unit: dict[str, list[tuple[Month, UnitScore]]] = {}
    orders: dict[str, int] = {}
    for month, scores in sorted(monthly.items()):
        for s in scores:
            by_unit.setdefault(s.unit, []).append((month, s))
            orders[s.unit] = s.order
    rows = []
    for unit, months in by_unit.items():
        counted = [(m, s) for m, s in months if s.status != "pending"]
        lines = [
            MonthLine(
                month=str(m),
                status=s.status,
                score=s.score if s.score is not None else Decimal("0.0"),
                components=s.components or ZERO_PARTS,
                deduction=s.deduction,
            )
            for m, s in counted
        ]
        missing = sum(1 for _, s in counted if s.score is None)
        late = [s for _, s in counted if s.status == "late"]
        if not counted or missing == len(counted):
            status = "pending" if not counted else "missing"
            score = components = None
            deduction = Decimal("0.0")
        else:
            status = "incomplete" if missing else "late" if late else "on_time"
            score = _mean([line.score for line in lines])
            components = Components(
                quantity=_mean([line.components.quantity for line in lines]),
                increase=_mean([line.components.increase for line in lines]),
                quality=_mean([line.components.quality for line in lines]),
            )
            deduction = _mean([line.deduction for line in lines])
        rows.append(
            LeagueRow(
                rank=None,
                unit=unit,
                score=score,
                components=components,
                change=None,
                status=status,
                days_late=sum(s.days_late for s in late),
                months_missing=missing,
                deduction=deduction,
                explain=PeriodExplanation(months=lines) if explain else None,
            )
        )
    return rows, orders


MonthInputs = dict[str, list[UnitMonth]]  # league -> its units' month


def _league(
    session: Any,
    months: list[Month],
    kind: str,
    method: RankingMethod,
    campaign: Campaign,
    as_of: date,
    single: bool,
    explain: bool = False,
    inputs: dict[Month, MonthInputs] | None = None,
) -> list[LeagueRow]:
    inputs = {} if inputs is None else inputs
    monthly = {}
    for m in months:
        if m not in inputs:
            inputs[m] = month_inputs(session, m, campaign, as_of)
        monthly[m] = score_league(inputs[m][kind], method, explain=explain and single)
    if single:
        (month,) = months
        scores = monthly[month]
        return order_league(month_rows(scores, month), {s.unit: s.order for s in scores})
    rows, orders = period_rows(monthly, explain)
    return order_league(rows, orders)


def rank_units(
    session: Any,
    period: Period,
    kind: str | None = None,
    method: RankingMethod | None = None,
    as_of: date | None = None,
    explain: bool = False,
) -> Ranking:
    """The league tables of `period` (both, or only `kind`), with movement against the
    previous period when it lies in the campaign; each row's explanation if `explain`."""
    method = method or load_method()
    campaign = load_campaign(session)
    as_of = as_of or date.today()
    months = campaign.within(period.months, period.label, "没有可排名的月报表")
    previous = period.previous()
    before = campaign.inside(previous.months)
    single = period.kind == "month"
    inputs: dict[Month, MonthInputs] = {}  # each month read once, for both leagues
    leagues = {}
    for league in [kind] if kind else list(KINDS):
        rows = _league(session, months, league, method, campaign, as_of, single, explain, inputs)
        if before:
            earlier = _league(
                session, before, league, method, campaign, as_of, single, inputs=inputs
            )
            places = {r.unit: r.rank for r in earlier if r.rank is not None}
            for row in rows:
                if row.rank is not None:
                    place = places.get(row.unit)
                    row.change = "new" if place is None else place - row.rank
        leagues[league] = rows
    return Ranking(
        period=str(period),
        period_kind=period.kind,
        label=period.label,
        as_of=as_of,
        previous_period=str(previous) if before else None,
        previous_label=previous.label if before else None,
        method=method.summary(),
        leagues=leagues,
        published=published(session, months),
    )
