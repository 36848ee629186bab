"""What each unit's blank return for a month is filled in with (`qzfsg template`):
last month's accepted 累计数, which the template's 累计数 formula adds to 本月数."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel
from sqlmodel import Session

from qzfsg.campaign import load_campaign
from qzfsg.months import Month
from qzfsg.registry import UnitRef, expected_units, get_unit
from qzfsg.submissions import current_figures, returns_under_review


class TemplateReturn(BaseModel):
    """What a blank return for one unit and month is filled in with."""

    unit: str
    month: str
    # Last month's accepted 累计数 by indicator; {} (all zero) in the campaign's first
    # month; None when last month's return is not on file, so the unit must write it.
    previous: dict[str, Decimal] | None
    first_month: bool = False
    # Last month's return, whose 累计数 `previous` carries forward, is still under 核实.
    previous_under_review: bool = False


def template_returns(
    session: Session, month: Month, units: list[str] | None = None
) -> list[TemplateReturn]:
    """Blank returns for the named units (official names or aliases), or for every unit
    expected to report for `month` (a month of the campaign)."""
    campaign = load_campaign(session)
    campaign.require(month, "--month")
    chosen = (
        expected_units(session, month)
        if units is None
        else list({u.id: u for u in (get_unit(session, name) for name in units)}.values())
    )
    previous = previous_cumulative(session, month, chosen)
    first = month == campaign.first
    reviewed = {r.unit for r in returns_under_review(session, month.previous(), month.previous())}
    return [
        TemplateReturn(
            unit=u.name,
            month=str(month),
            previous=previous[u.id or 0],
            first_month=first,
            previous_under_review=u.name in reviewed and previous[u.id or 0] is not None,
        )
        for u in chosen
    ]


def previous_cumulative(
    session: Session, month: Month, units: list[UnitRef]
) -> dict[int, dict[str, Decimal] | None]:
    """For each unit, the 累计数 of its current return for the month before `month`:
    zeros in the campaign's first month, None when that return is not on file."""
    if month <= load_campaign(session).first:
        return {u.id or 0: {} for u in units}
    before = current_figures(session, [month.previous()])[str(month.previous())]
    return {
        u.id or 0: (
            {code: cumulative for code, (_, cumulative) in before[u.id or 0].items()}
            if (u.id or 0) in before
            else None
        )
        for u in units
    }
