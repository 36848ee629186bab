"""The campaign calendar: what is due, from whom, and when."""

from __future__ import annotations

from sqlmodel import Session

from qzfsg.defaults import CalendarDef
from qzfsg.models import Deadline, DeadlineUnit
from qzfsg.months import Month
from qzfsg.registry import get_unit


def seed_deadlines(session: Session, calendar: CalendarDef) -> None:
    """Store the calendar file's deadlines (moved to the campaign's year)."""
    for item in calendar.deadlines:
        months = [
            str(Month(calendar.year, m)) if m else None for m in (item.from_month, item.to_month)
        ]
        deadline = Deadline(
            item=item.item,
            who=item.who,
            due=item.due,
            monthly_day=item.monthly_day,
            from_month=months[0],
            to_month=months[1],
        )
        session.add(deadline)
        session.flush()
        for name in item.units:
            session.add(DeadlineUnit(deadline_id=deadline.id, unit_id=get_unit(session, name).id))
    session.flush()
