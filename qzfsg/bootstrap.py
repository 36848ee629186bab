"""`qzfsg init`: a new database filled from the defaults in data/, or a report on an
existing one (which is never changed by init)."""

from __future__ import annotations

from pydantic import BaseModel
from sqlmodel import Session, func, select

from qzfsg.campaign import Campaign, load_campaign
from qzfsg.defaults import load_calendar, load_indicators, load_units
from qzfsg.errors import QzfsgError
from qzfsg.models import Deadline, Indicator, Unit
from qzfsg.registry import import_units
from qzfsg.storage.db import Where, exists, new_database, open_database, session_for
from qzfsg.timeliness.deadlines import seed_deadlines


class InitReport(BaseModel):
    database: str
    created: bool
    year: int
    first_month: str
    last_month: str
    units: int
    indicators: int
    deadlines: int


def init_database(path: Where, year: int | None = None) -> InitReport:
    if exists(path):
        engine = open_database(path)
        with session_for(engine) as session:
            campaign = load_campaign(session)
            if year is not None and year != campaign.year:
                raise QzfsgError(
                    f"数据库 {path} 已按 {campaign.year} 年的行动建立，不能改为 {year} 年；"
                    "如需另一年份，请用 --db 指定一个新的数据库文件。"
                )
            return _report(session, path, campaign, created=False)
    calendar = load_calendar(year)
    campaign = Campaign.from_calendar(calendar)
    with new_database(path, campaign.facts()) as connection, session_for(connection) as session:
        for order, item in enumerate(load_indicators(), start=1):
            session.add(
                Indicator(
                    code=item.code,
                    label=item.label,
                    unit=item.unit,
                    decimals=item.decimals,
                    sort_order=order,
                )
            )
        import_units(session, load_units())
        seed_deadlines(session, calendar)
        session.commit()
        report = _report(session, path, campaign, created=True)
    return report


def _count(session: Session, model: type) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def _report(session: Session, path: Where, campaign: Campaign, created: bool) -> InitReport:
    return InitReport(
        database=str(path),
        created=created,
        year=campaign.year,
        first_month=str(campaign.first),
        last_month=str(campaign.last),
        units=_count(session, Unit),
        indicators=_count(session, Indicator),
        deadlines=_count(session, Deadline),
    )
