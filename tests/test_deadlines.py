"""The campaign calendar: seeded deadlines, due dates, the holiday shift, editing."""

from datetime import date

import pytest

from qzfsg.campaign import load_campaign
from qzfsg.errors import NotFoundError, QzfsgError
from qzfsg.models import Deadline
from qzfsg.months import Month
from qzfsg.timeliness.deadlines import (
    MONTHLY_RETURN,
    add_deadline,
    describe_when,
    describe_who,
    due_items,
    find_deadline,
    list_deadlines,
    match_item,
    next_workday,
    remove_deadline,
    set_deadline,
    set_shift_to_workday,
)


def by_item(session):
    return {d.item: d for d in list_deadlines(session).deadlines}


def test_seeded_calendar_is_the_plan(session):
    calendar = list_deadlines(session)
    assert calendar.shift_to_workday is False
    deadlines = by_item(session)
    assert list(deadlines) == [
        "月报表",
        "典型案例",
        "执法质量评议排名通报",
        "联络员信息表",
        "实施方案",
        "年度监管执法计划",
        "行动总结",
    ]
    monthly = deadlines["月报表"]
    assert (monthly.who, monthly.monthly_day, monthly.from_month, monthly.to_month) == (
        "all",
        0,
        "2018-05",
        "2018-12",
    )
    assert [d.due for d in monthly.due_dates][:2] == [date(2018, 5, 31), date(2018, 6, 30)]
    assert deadlines["执法质量评议排名通报"].who == "department"
    assert deadlines["执法质量评议排名通报"].due_dates[0].month == "2018-06"
    assert deadlines["年度监管执法计划"].due == date(2018, 6, 20)
    assert deadlines["联络员信息表"].due == date(2018, 6, 8)
    assert deadlines["实施方案"].due == date(2018, 6, 10)
    assert deadlines["行动总结"].due == date(2018, 12, 31)
    assert describe_who(deadlines["年度监管执法计划"]) == "各部门"
    assert describe_when(monthly) == "每月月末前（2018-05 至 2018-12）"


@pytest.mark.parametrize(
    ("day", "workday"),
    [
        ("2018-06-08", "2018-06-08"),  # Friday
        ("2018-06-10", "2018-06-11"),  # Sunday
        ("2018-06-30", "2018-07-02"),  # Saturday
        ("2018-09-29", "2018-09-29"),  # Saturday, but worked for the National Day holiday
        ("2018-09-30", "2018-09-30"),  # Sunday, but worked for the National Day holiday
        ("2018-10-01", "2018-10-08"),  # National Day holiday, 1–7 October
        ("2018-12-31", "2019-01-02"),  # New Year holiday, 30 December – 1 January
    ],
)
def test_next_workday_follows_the_statutory_calendar(day, workday):
    assert next_workday(date.fromisoformat(day)) == date.fromisoformat(workday)


def test_shift_to_workday_moves_due_dates(session):
    set_shift_to_workday(session, True)
    session.commit()
    assert load_campaign(session).shift_to_workday
    items = {(i.item, str(i.month) if i.month else None): i for i in due_items(session)}
    june = items[("月报表", "2018-06")]
    assert (june.nominal, june.due) == (date(2018, 6, 30), date(2018, 7, 2))
    assert items[("月报表", "2018-09")].due == date(2018, 9, 30)
    assert items[("实施方案", None)].due == date(2018, 6, 11)
    assert items[("行动总结", None)].due == date(2019, 1, 2)
    assert items[("行动总结", None)].active_month == Month(2018, 12)  # expected from December
    shifted = {d.month: d.due for d in by_item(session)["月报表"].due_dates if d.shifted}
    assert shifted == {
        "2018-06": date(2018, 7, 2),
        "2018-12": date(2019, 1, 2),
    }
    set_shift_to_workday(session, False)
    session.commit()
    assert next(i for i in due_items(session) if i.item == "实施方案").due == date(2018, 6, 10)


def test_a_custom_date_in_the_national_day_holiday_moves_to_october_8(session):
    add_deadline(session, "国庆安全检查小结", due=date(2018, 10, 1))
    set_shift_to_workday(session, True)
    item = next(i for i in due_items(session) if i.item == "国庆安全检查小结")
    assert item.due == date(2018, 10, 8)


def test_add_one_off_and_monthly(session):
    one = add_deadline(session, "半年工作小结", who="department", due=date(2018, 7, 10))
    monthly = add_deadline(
        session, "隐患排查台账", monthly_day=25, from_month=Month(2018, 7), to_month=Month(2018, 9)
    )
    named = add_deadline(session, "专项整治方案", units=["归义镇", "公安局"], due=date(2018, 8, 1))
    session.commit()
    deadlines = by_item(session)
    assert deadlines["半年工作小结"].id == one.id and deadlines["半年工作小结"].who == "department"
    assert [d.due for d in deadlines["隐患排查台账"].due_dates] == [
        date(2018, 7, 25),
        date(2018, 8, 25),
        date(2018, 9, 25),
    ]
    assert monthly.monthly_day == 25
    assert (named.who, deadlines["专项整治方案"].units) == ("units", ["归义镇", "市公安局"])
    assert describe_who(deadlines["专项整治方案"]) == "归义镇、市公安局"


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({}, "--due"),
        ({"due": date(2018, 7, 1), "monthly_day": 0}, "只能选一种"),
        ({"monthly_day": 40}, "1 至 31"),
        ({"monthly_day": 0, "from_month": Month(2018, 9), "to_month": Month(2018, 7)}, "晚于"),
        ({"due": date(2018, 7, 1), "from_month": Month(2018, 7)}, "按月"),
        ({"due": date(2018, 7, 1), "who": "everyone"}, "无法识别"),
    ],
)
def test_add_rejects_unclear_deadlines(session, options, words):
    with pytest.raises(QzfsgError, match=words):
        add_deadline(session, "某材料", **options)


def test_add_needs_a_name_and_known_units(session):
    with pytest.raises(QzfsgError, match="不能为空"):
        add_deadline(session, "  ", due=date(2018, 7, 1))
    with pytest.raises(NotFoundError):
        add_deadline(session, "某材料", units=["恒达物流"], due=date(2018, 7, 1))


def test_set_changes_only_what_is_given(session):
    set_deadline(session, "实施方案", due=date(2018, 6, 15))
    set_deadline(session, "典型案例", monthly_day=25, from_month=Month(2018, 6))
    set_deadline(session, "行动总结", item="行动工作总结", who="town")
    session.commit()
    deadlines = by_item(session)
    assert deadlines["实施方案"].due == date(2018, 6, 15)
    assert deadlines["实施方案"].who == "all"
    cases = deadlines["典型案例"]
    assert (cases.monthly_day, cases.from_month, cases.to_month) == (25, "2018-06", "2018-12")
    assert deadlines["行动工作总结"].who == "town"
    set_deadline(session, "行动工作总结", monthly_day=0)  # one-off becomes monthly
    set_deadline(session, "典型案例", due=date(2018, 12, 31))  # monthly becomes one-off
    deadlines = by_item(session)
    assert deadlines["行动工作总结"].due is None and deadlines["行动工作总结"].monthly_day == 0
    assert (deadlines["典型案例"].monthly_day, deadlines["典型案例"].from_month) == (None, None)
    set_deadline(session, "实施方案", units=["归义镇"])
    assert by_item(session)["实施方案"].units == ["归义镇"]
    set_deadline(session, "实施方案", who="all")
    assert by_item(session)["实施方案"].units == []


def test_set_refuses_what_would_break_the_calendar(session):
    with pytest.raises(QzfsgError, match="不能改名"):
        set_deadline(session, MONTHLY_RETURN, item="月报")
    with pytest.raises(QzfsgError, match="按月"):
        set_deadline(session, "实施方案", from_month=Month(2018, 6))
    with pytest.raises(QzfsgError, match="晚于"):
        set_deadline(session, "月报表", from_month=Month(2019, 1))


def test_remove(session):
    removed = remove_deadline(session, "行动总结")
    assert removed.item == "行动总结"
    assert "行动总结" not in by_item(session)
    with pytest.raises(QzfsgError, match="不能删除"):
        remove_deadline(session, MONTHLY_RETURN)
    with pytest.raises(NotFoundError, match="deadlines list"):
        remove_deadline(session, "行动总结")


def test_find_deadline_by_number_or_name(session):
    assert find_deadline(session, "1").item == MONTHLY_RETURN
    assert find_deadline(session, " 实施方案 ").item == "实施方案"
    with pytest.raises(NotFoundError, match="99"):
        find_deadline(session, "99")
    with pytest.raises(QzfsgError, match="已有名为"):
        add_deadline(session, "实施方案", who="department", due=date(2018, 7, 1))
    # a calendar file that lists an item twice: the name alone no longer says which
    session.add(Deadline(item="实施方案", who="department", due=date(2018, 7, 1)))
    with pytest.raises(QzfsgError, match="请用编号"):
        find_deadline(session, "实施方案")


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("实施方案", "实施方案"),
        ("执法计划", "年度监管执法计划"),
        ("排名通报", "执法质量评议排名通报"),
        ("案例", "典型案例"),
        ("总结", "行动总结"),
    ],
)
def test_match_item_by_name_or_a_unique_part(session, text, item):
    assert match_item(session, text) == item


def test_match_item_ambiguous_or_unknown(session):
    with pytest.raises(QzfsgError, match="可能指"):
        match_item(session, "表")
    with pytest.raises(NotFoundError, match="现有"):
        match_item(session, "安全生产许可证")


def test_a_second_deadline_with_the_same_name_is_refused(cli, db_file):
    result = cli("deadlines", "add", "实施方案", "--due", "2018-07-01")
    assert result.exit_code == 2 and "已有名为“实施方案”的截止事项" in result.stderr
    assert cli("deadlines", "add", "实施 方案", "--due", "2018-07-01").exit_code == 2
    assert cli("deadlines", "add", "汛期检查", "--due", "2018-07-01").exit_code == 0
    renamed = cli("deadlines", "set", "汛期检查", "--item", "实施方案")
    assert renamed.exit_code == 2
    assert cli("deadlines", "set", "汛期检查", "--item", "汛期检查").exit_code == 0
