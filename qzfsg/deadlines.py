"""The campaign calendar: what is due, from whom, and when."""

from __future__ import annotations

from datetime import date, timedelta

from sqlmodel import Session, select

from qzfsg.defaults import CalendarDef
from qzfsg.errors import QzfsgError
from qzfsg.models import Deadline, DeadlineUnit
from qzfsg.months import Month
from qzfsg.registry import get_unit

MONTHLY_RETURN = "月报表"


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


def next_workday(day: date) -> date:
    """The day itself if it is a working day, else the next one (Chinese statutory
    holidays and adjusted working weekends per the chinesecalendar package)."""
    import chinese_calendar

    try:
        while not chinese_calendar.is_workday(day):
            day += timedelta(days=1)
    except NotImplementedError:  # a year the package has no holiday table for
        while day.weekday() >= 5:
            day += timedelta(days=1)
    return day


def due_date(deadline: Deadline, month: Month | None, shift_to_workday: bool) -> date:
    """When `deadline` is due (for `month`, if it is a monthly one)."""
    if deadline.monthly_day is not None:
        if month is None:
            raise QzfsgError(f"“{deadline.item}”是按月的事项，需要指定月份。")
        due = month.day(deadline.monthly_day)
    elif deadline.due is not None:
        due = deadline.due
    else:
        raise QzfsgError(f"截止事项“{deadline.item}”既没有日期也不是按月的，请用 qzfsg deadlines set 补上。")
    return next_workday(due) if shift_to_workday else due


def monthly_return_deadline(session: Session) -> Deadline:
    found = session.exec(select(Deadline).where(Deadline.item == MONTHLY_RETURN)).first()
    if found is None:
        raise QzfsgError(
            f"日历中没有“{MONTHLY_RETURN}”的截止事项，请用 qzfsg deadlines add 添加。"
        )
    return found
