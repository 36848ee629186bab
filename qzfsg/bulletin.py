"""The 通报 as plain data (`qzfsg bulletin`): both league tables, the late and missing
returns, the units late month after month, and the city totals of the period's months."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel
from sqlmodel import Session

from qzfsg.campaign import load_campaign
from qzfsg.consolidation import Figures, IndicatorInfo, consolidate, list_indicators
from qzfsg.ranking.leagues import Period, Ranking, campaign_months, rank_units
from qzfsg.timeliness.arrivals import return_timeliness
from qzfsg.timeliness.board import status_board


class LateReturn(BaseModel):
    """A monthly return that came after its deadline, or has not come yet."""

    unit: str
    kind: str
    month: str
    due: date
    status: Literal["late", "missing"]
    days_late: int | None  # late: days late; missing: days overdue so far


class RepeatLate(BaseModel):
    """A unit late or missing in several consecutive months up to the period's end."""

    unit: str
    kind: str
    longest_run: int
    months: list[str]  # every month it was late or missing


class MonthTotals(BaseModel):
    month: str
    units_expected: int
    units_reported: int
    totals: dict[str, Figures]


class Bulletin(BaseModel):
    """The monthly 通报, quarterly 讲评 or year-end 总排名, as plain data."""

    period: str
    label: str
    as_of: date
    ranking: Ranking
    late: list[LateReturn]
    repeat_late: list[RepeatLate]
    months: list[MonthTotals]
    indicators: list[IndicatorInfo]

    def summary(self) -> dict:
        """The `bulletin --json` shape."""
        return {
            "period": self.period,
            "label": self.label,
            "as_of": self.as_of,
            "published": self.ranking.published,
            "leagues": self.ranking.public()["leagues"],
            "late": self.late,
            "repeat_late": self.repeat_late,
            "months": self.months,
        }


def build_bulletin(session: Session, period: Period, as_of: date | None = None) -> Bulletin:
    """Everything a 通报 for `period` publishes: both league
    tables, the late and missing returns of its months as of `as_of`, the units late or
    missing month after month, and the city totals of each of its months already begun."""
    as_of = as_of or date.today()
    ranking = rank_units(session, period, as_of=as_of)
    campaign = load_campaign(session)
    months = [m for m in campaign_months(period, campaign) if m.first_day <= as_of]
    late: list[LateReturn] = []
    for month in months:
        statuses = [
            s
            for s in return_timeliness(session, month, as_of=as_of)
            if s.status in ("late", "missing")
        ]
        statuses.sort(key=lambda s: s.status != "missing")  # stable: registry order within
        late.extend(
            LateReturn(
                unit=s.unit,
                kind=s.kind,
                month=s.month,
                due=s.due,
                status=s.status,  # type: ignore[arg-type]
                days_late=s.days_late,
            )
            for s in statuses
        )
    repeat: list[RepeatLate] = []
    if months:
        board = status_board(session, campaign.first, months[-1], as_of=as_of)
        repeat = [
            RepeatLate(
                unit=row.unit,
                kind=row.kind,
                longest_run=row.longest_run,
                months=[
                    key
                    for key, cell in row.cells.items()
                    if cell is not None and cell.status in ("late", "missing")
                ],
            )
            for row in board.repeat_offenders
        ]
    totals = []
    for month in months:
        city = consolidate(session, month)
        totals.append(
            MonthTotals(
                month=city.month,
                units_expected=city.units_expected,
                units_reported=city.units_reported,
                totals=city.totals,
            )
        )
    return Bulletin(
        period=str(period),
        label=period.label,
        as_of=as_of,
        ranking=ranking,
        late=late,
        repeat_late=repeat,
        months=totals,
        indicators=list_indicators(session),
    )
