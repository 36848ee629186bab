"""The campaign calendar: what is due, from whom, and when; kept as data the clerk edits.

A deadline is either one-off (a fixed date) or monthly (day N of each month, 0 being the
last day, for a range of months). Each month of a monthly deadline, and each one-off
deadline, is one `DueItem`. With the campaign's `shift_to_workday` setting on, a due date
on a Chinese statutory holiday or weekend moves to the next working day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from qzfsg import audit
from qzfsg.audit import Actor
from qzfsg.campaign import Campaign, load_campaign
from qzfsg.errors import NotFoundError, QzfsgError
from qzfsg.locks import guard_from
from qzfsg.months import Month
from qzfsg.queries import calendar as calendar_queries
from qzfsg.registry import all_units, get_unit

if TYPE_CHECKING:
    from sqlmodel import Session

    from qzfsg.defaults import CalendarDef
    from qzfsg.models import Deadline

MONTHLY_RETURN = "月报表"
WHO = ("all", "town", "department", "units")
WHO_LABELS = {"all": "全部单位", "town": "各镇", "department": "各部门", "units": "指定单位"}
SHIFT_FACT = "shift_to_workday"


@dataclass(frozen=True, slots=True)
class DeadlineRef:
    """A deadline as the read paths see it (a row of the deadline table); the ORM's
    Deadline has the same attributes."""

    id: int
    item: str
    who: str
    due: date | None
    monthly_day: int | None
    from_month: str | None
    to_month: str | None

    @classmethod
    def from_row(cls, row: tuple) -> DeadlineRef:
        id_, item, who, due, monthly_day, from_month, to_month = row
        if isinstance(due, str):  # SQLite keeps dates as ISO text
            due = date.fromisoformat(due)
        return cls(id_, item, who, due, monthly_day, from_month, to_month)


def read_deadlines(connection: Any, item: str | None = None) -> list[DeadlineRef]:
    """The calendar's deadlines (or one item's), in calendar order."""
    return [DeadlineRef.from_row(r) for r in calendar_queries.deadlines(connection, item)]


def seed_deadlines(session: Session, calendar: CalendarDef) -> None:
    """Store the calendar file's deadlines (moved to the campaign's year)."""
    from qzfsg.models import Deadline, DeadlineUnit

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


@lru_cache(maxsize=1024)
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


def due_date(deadline: DeadlineRef | Deadline, month: Month | None, shift_to_workday: bool) -> date:
    """When `deadline` is due (for `month`, if it is a monthly one)."""
    if deadline.monthly_day is not None:
        if month is None:
            raise QzfsgError(f"“{deadline.item}”是按月的事项，需要指定月份。")
        due = month.day(deadline.monthly_day)
    elif deadline.due is not None:
        due = deadline.due
    else:
        raise QzfsgError(
            f"截止事项“{deadline.item}”既没有日期也不是按月的，请用 qzfsg deadlines set 补上。"
        )
    return next_workday(due) if shift_to_workday else due


def monthly_return_deadline(connection: Any) -> DeadlineRef:
    found = read_deadlines(connection, MONTHLY_RETURN)
    if not found:
        raise QzfsgError(f"日历中没有“{MONTHLY_RETURN}”的截止事项，请用 qzfsg deadlines add 添加。")
    return found[0]


# --------------------------------------------------------------------------- due items
@dataclass(frozen=True, slots=True)
class DueItem:
    """One thing due once: a one-off document, or one month of a monthly deadline."""

    deadline_id: int
    item: str
    who: str
    month: Month | None  # the reporting month, for a monthly deadline
    nominal: date  # the date as the calendar says
    due: date  # after the holiday shift, when it is on

    @property
    def active_month(self) -> Month:
        """Expected from the units active in this month (a one-off: the month it is due)."""
        return self.month or Month.of(self.nominal)

    @property
    def is_return(self) -> bool:
        return self.item == MONTHLY_RETURN


def deadline_months(deadline: DeadlineRef | Deadline, campaign: Campaign) -> list[Month]:
    if deadline.monthly_day is None:
        return []
    first = Month.parse(deadline.from_month) if deadline.from_month else campaign.first
    last = Month.parse(deadline.to_month) if deadline.to_month else campaign.last
    return first.until(last) if first <= last else []


def items_of(deadline: DeadlineRef | Deadline, campaign: Campaign) -> list[DueItem]:
    """Every due item of one deadline, in date order."""
    if deadline.monthly_day is None:
        if deadline.due is None:
            return []
        months: list[Month | None] = [None]
    else:
        months = list(deadline_months(deadline, campaign))
    found = []
    for month in months:
        nominal = due_date(deadline, month, shift_to_workday=False)
        found.append(
            DueItem(
                deadline_id=deadline.id or 0,
                item=deadline.item,
                who=deadline.who,
                month=month,
                nominal=nominal,
                due=next_workday(nominal) if campaign.shift_to_workday else nominal,
            )
        )
    return found


def due_items(connection: Any, campaign: Campaign | None = None) -> list[DueItem]:
    """Every due item of the calendar, deadline by deadline (calendar order)."""
    campaign = campaign or load_campaign(connection)
    return [item for d in read_deadlines(connection) for item in items_of(d, campaign)]


def named_units(connection: Any) -> dict[int, set[int]]:
    """{deadline id: unit ids} for the deadlines addressed to named units."""
    found: dict[int, set[int]] = {}
    for deadline_id, unit_id in calendar_queries.deadline_units(connection):
        found.setdefault(deadline_id, set()).add(unit_id)
    return found


# --------------------------------------------------------------------------- views
@dataclass(kw_only=True, slots=True)
class DueDate:
    month: str | None
    due: date
    shifted: bool  # moved off a holiday or weekend


@dataclass(kw_only=True, slots=True)
class DeadlineView:
    id: int
    item: str
    who: str  # all | town | department | units
    units: list[str]  # the named units, when who is units
    due: date | None  # a one-off deadline's date as written
    monthly_day: int | None  # a monthly deadline's day (0: the last day)
    from_month: str | None
    to_month: str | None
    due_dates: list[DueDate]


@dataclass(kw_only=True, slots=True)
class CalendarView:
    shift_to_workday: bool
    deadlines: list[DeadlineView]


def list_deadlines(connection: Any) -> CalendarView:
    campaign = load_campaign(connection)
    names = {u.id: u.name for u in all_units(connection)}
    named = named_units(connection)
    views = []
    for deadline in read_deadlines(connection):
        views.append(
            DeadlineView(
                id=deadline.id or 0,
                item=deadline.item,
                who=deadline.who,
                units=[names[i] for i in sorted(named.get(deadline.id or 0, ()))],
                due=deadline.due,
                monthly_day=deadline.monthly_day,
                from_month=deadline.from_month,
                to_month=deadline.to_month,
                due_dates=[
                    DueDate(
                        month=str(i.month) if i.month else None,
                        due=i.due,
                        shifted=i.due != i.nominal,
                    )
                    for i in items_of(deadline, campaign)
                ],
            )
        )
    return CalendarView(shift_to_workday=campaign.shift_to_workday, deadlines=views)


def describe_who(view: DeadlineView) -> str:
    if view.who == "units":
        return "、".join(view.units) or "（未指定单位）"
    return WHO_LABELS.get(view.who, view.who)


def describe_when(view: DeadlineView) -> str:
    if view.monthly_day is None:
        return f"{view.due}" if view.due else "（未定）"
    day = "月末" if view.monthly_day == 0 else f"{view.monthly_day} 日"
    span = f"{view.from_month or '行动开始'} 至 {view.to_month or '行动结束'}"
    return f"每月{day}前（{span}）"


# --------------------------------------------------------------------------- editing
def find_deadline(session: Session, key: str) -> Deadline:
    """A deadline by its number in `deadlines list` or by its item's name."""
    from sqlmodel import select

    from qzfsg.models import Deadline

    key = key.strip()
    if key.isdigit():
        found = session.get(Deadline, int(key))
        if found is None:
            raise NotFoundError(f"没有编号为 {key} 的截止事项。可用 qzfsg deadlines list 查看。")
        return found
    matches = session.exec(select(Deadline).where(Deadline.item == key)).all()
    if len(matches) > 1:
        numbers = "、".join(str(d.id) for d in matches)
        raise QzfsgError(f"“{key}”有 {len(matches)} 项截止事项（编号 {numbers}），请用编号指定。")
    if not matches:
        raise NotFoundError(f"日历中没有“{key}”。可用 qzfsg deadlines list 查看全部事项。")
    return matches[0]


def match_item(connection: Any, text: str) -> str:
    """The calendar item the clerk means: its exact name, or the only one containing `text`."""
    text = text.strip()
    items = list(dict.fromkeys(d.item for d in read_deadlines(connection)))
    if text in items:
        return text
    close = [i for i in items if text and text in i]
    if len(close) == 1:
        return close[0]
    known = "、".join(items)
    if close:
        raise QzfsgError(f"“{text}”可能指 {'、'.join(close)}，请写全名。")
    raise NotFoundError(
        f"日历中没有“{text}”这一事项（现有：{known}）。如需新增请用 qzfsg deadlines add。"
    )


def _check_who(who: str, units: list[str]) -> str:
    if units:
        return "units"
    if who not in WHO:
        raise QzfsgError(f"报送对象“{who}”无法识别，应为 all、town 或 department。")
    if who == "units":
        raise QzfsgError("报送对象为指定单位时，请用 --unit 给出单位（可重复）。")
    return who


def _check_span(deadline: Deadline) -> None:
    if deadline.monthly_day is None and deadline.due is None:
        raise QzfsgError("请给出截止日期（--due YYYY-MM-DD），或按月截止的日子（--day N）。")
    if deadline.monthly_day is not None and not 0 <= deadline.monthly_day <= 31:
        raise QzfsgError(f"每月截止日 {deadline.monthly_day} 不对，应为 1 至 31，0 表示月末。")
    if deadline.from_month and deadline.to_month and deadline.from_month > deadline.to_month:
        raise QzfsgError(
            f"起始月 {deadline.from_month} 晚于结束月 {deadline.to_month}，请检查 --from 和 --to。"
        )


def _set_units(session: Session, deadline: Deadline, units: list[str]) -> None:
    from sqlmodel import col, delete

    from qzfsg.models import DeadlineUnit

    session.execute(delete(DeadlineUnit).where(col(DeadlineUnit.deadline_id) == deadline.id))
    ids = dict.fromkeys(get_unit(session, name).id for name in units)
    for unit_id in ids:
        session.add(DeadlineUnit(deadline_id=deadline.id, unit_id=unit_id))
    session.flush()


def _check_new_name(session: Session, item: str, keep: Deadline | None = None) -> str:
    """A deadline's name must be its own: receive and overdue find items by name (written
    without spaces, as units write 实施方案 and 实施 方案 alike)."""
    from sqlmodel import select

    from qzfsg.models import Deadline

    item = "".join(item.split())
    if not item:
        raise QzfsgError("事项名称不能为空。")
    same = session.exec(select(Deadline).where(Deadline.item == item)).first()
    if same is not None and same is not keep:
        raise QzfsgError(
            f"已有名为“{item}”的截止事项（编号 {same.id}）；请换一个名称，"
            f"或用 qzfsg deadlines set {same.id} 修改那一项。"
        )
    return item


def add_deadline(
    session: Session,
    item: str,
    who: str = "all",
    units: list[str] | None = None,
    due: date | None = None,
    monthly_day: int | None = None,
    from_month: Month | None = None,
    to_month: Month | None = None,
    by: Actor | None = None,
) -> Deadline:
    from qzfsg.models import Deadline

    item = _check_new_name(session, item)
    if due is not None and monthly_day is not None:
        raise QzfsgError("--due（一次性截止）和 --day/--monthly（按月截止）只能选一种。")
    if due is not None and (from_month or to_month):
        raise QzfsgError("--from 和 --to 只用于按月截止的事项。")
    units = units or []
    deadline = Deadline(
        item=item,
        who=_check_who(who, units),
        due=due,
        monthly_day=monthly_day,
        from_month=str(from_month) if from_month else None,
        to_month=str(to_month) if to_month else None,
    )
    _check_span(deadline)
    session.add(deadline)
    session.flush()
    if units:
        _set_units(session, deadline, units)
    _audited(session, by, None, deadline)
    return deadline


_FIELDS = ("item", "who", "due", "monthly_day", "from_month", "to_month")


def _audited(session: Session, by: Actor | None, before: dict | None, deadline: Any) -> None:
    """A calendar change: refused while a month is locked if it moves the monthly return's
    due dates (timeliness and ranking; qzfsg.locks), audited. `by` is None only while
    `init` builds the database."""
    if by is None:
        return
    items = {(before or {}).get("item"), deadline.item if deadline is not None else None}
    if MONTHLY_RETURN in items:
        guard_from(session, None, by, f"修改“{MONTHLY_RETURN}”的截止日期")
    after = None if deadline is None else _state(deadline)
    audit.record(session, by, "deadline", before=before, after=after)


def _state(deadline: Any) -> dict:
    return {k: getattr(deadline, k) for k in _FIELDS}


def set_deadline(
    session: Session,
    key: str,
    item: str | None = None,
    who: str | None = None,
    units: list[str] | None = None,
    due: date | None = None,
    monthly_day: int | None = None,
    from_month: Month | None = None,
    to_month: Month | None = None,
    by: Actor | None = None,
) -> Deadline:
    """Change what is given; `due` makes the deadline one-off, `monthly_day` monthly."""
    deadline = find_deadline(session, key)
    before = _state(deadline)
    if due is not None and monthly_day is not None:
        raise QzfsgError("--due（一次性截止）和 --day（按月截止）只能选一种。")
    if item is not None:
        new_name = _check_new_name(session, item, keep=deadline)
        if deadline.item == MONTHLY_RETURN and new_name != MONTHLY_RETURN:
            raise QzfsgError(f"“{MONTHLY_RETURN}”是审核导入的月报表，不能改名。")
        deadline.item = new_name
    if units:
        deadline.who = "units"
        _set_units(session, deadline, units)
    elif who is not None:
        deadline.who = _check_who(who, [])
        _set_units(session, deadline, [])
    if due is not None:
        deadline.due, deadline.monthly_day = due, None
        deadline.from_month = deadline.to_month = None
    if monthly_day is not None:
        deadline.monthly_day, deadline.due = monthly_day, None
    if from_month is not None or to_month is not None:
        if deadline.monthly_day is None:
            raise QzfsgError("--from 和 --to 只用于按月截止的事项。")
        if from_month is not None:
            deadline.from_month = str(from_month)
        if to_month is not None:
            deadline.to_month = str(to_month)
    _check_span(deadline)
    session.add(deadline)
    session.flush()
    _audited(session, by, before, deadline)
    return deadline


def remove_deadline(session: Session, key: str, by: Actor | None = None) -> Deadline:
    """Delete a deadline; documents already received stay recorded."""
    from sqlmodel import col, delete, select

    from qzfsg.models import Deadline, DeadlineUnit

    deadline = find_deadline(session, key)
    if deadline.item == MONTHLY_RETURN:
        others = session.exec(
            select(Deadline.id).where(Deadline.item == MONTHLY_RETURN, Deadline.id != deadline.id)
        ).first()
        if others is None:
            raise QzfsgError(
                f"“{MONTHLY_RETURN}”的截止事项不能删除（催报和排名都要用到），"
                "如需改日期请用 qzfsg deadlines set。"
            )
    before = _state(deadline)
    session.execute(delete(DeadlineUnit).where(col(DeadlineUnit.deadline_id) == deadline.id))
    session.delete(deadline)
    session.flush()
    _audited(session, by, before, None)
    return deadline


def set_shift_to_workday(session: Session, on: bool, by: Actor | None = None) -> None:
    """Shift due dates off holidays, or not: moves every month's due date (qzfsg.locks),
    audited."""
    from qzfsg.models import Meta

    fact = session.get(Meta, SHIFT_FACT)
    value = "1" if on else "0"
    if by is not None:
        guard_from(session, None, by, "修改截止日的节假日顺延")
        before = {"shift_to_workday": fact is not None and fact.value == "1"}
        audit.record(session, by, "deadline", before=before, after={"shift_to_workday": on})
    if fact is None:
        session.add(Meta(key=SHIFT_FACT, value=value))
    else:
        fact.value = value
        session.add(fact)
    session.flush()
