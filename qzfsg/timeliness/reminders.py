"""催报 reminders: ready-to-send texts built from the overdue list, one per unit and one
for the work group (QQ or WeChat) naming every unit that is behind."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from qzfsg.months import Month, day_label
from qzfsg.submissions import OFFICE
from qzfsg.timeliness.overdue import OverdueItem, OverdueReport


class UnitReminder(BaseModel):
    unit: str
    liaison: str | None
    mobile: str | None
    text: str


class Reminders(BaseModel):
    units: list[UnitReminder]
    group: str | None  # None: nobody is behind


def item_label(item: OverdueItem) -> str:
    """`2018年8月月报表` for a monthly item, the item itself for a one-off document."""
    return f"{Month.parse(item.month).label}{item.item}" if item.month else item.item


def _missing_line(item: OverdueItem) -> str:
    line = f"{item_label(item)}（应于{day_label(item.due)}前报送，已逾期{item.days_late}天）"
    if item.rejected_waiting:
        line += "：你单位报来的表已收到，但无法读取或未通过审核，已退回，请按退回意见更正后重新报送"
    return line


def _late_line(item: OverdueItem) -> str:
    return f"{item_label(item)}（逾期{item.days_late}天报送）"


def unit_reminder(unit: str, items: list[OverdueItem], as_of: date) -> UnitReminder:
    missing = [i for i in items if i.status == "missing"]
    late = [i for i in items if i.status == "late"]
    lines = []
    if missing:
        lines.append(f"【催报】{unit}：截至{day_label(as_of)}，你单位以下材料尚未报送：")
        lines.extend(f"{n}. {_missing_line(i)}；" for n, i in enumerate(missing, start=1))
        lines[-1] = lines[-1][:-1] + "。"
        lines.append("请尽快报送市安委办（已报送的请告知报送时间和方式，以便核对）。")
        if late:
            lines.append(f"另：{'、'.join(_late_line(i) for i in late)}，请今后按时报送。")
    else:
        lines.append(
            f"【逾期提醒】{unit}：你单位{'、'.join(_late_line(i) for i in late)}，"
            "已收到，请今后按时报送。"
        )
    lines.append(f"——{OFFICE}")
    liaison = items[0].liaison
    return UnitReminder(
        unit=unit,
        liaison=liaison.name if liaison else None,
        mobile=liaison.mobile if liaison else None,
        text="\n".join(lines),
    )


def group_message(by_unit: dict[str, list[OverdueItem]], as_of: date) -> str | None:
    behind = {
        unit: [item_label(i) for i in items if i.status == "missing"]
        for unit, items in by_unit.items()
    }
    behind = {unit: labels for unit, labels in behind.items() if labels}
    late = {
        unit: [f"{item_label(i)}逾期{i.days_late}天" for i in items if i.status == "late"]
        for unit, items in by_unit.items()
    }
    late = {unit: labels for unit, labels in late.items() if labels}
    if not behind and not late:
        return None
    lines = [f"【催报通报】截至{day_label(as_of)}："]
    if behind:
        named = "；".join(f"{unit}（{'、'.join(labels)}）" for unit, labels in behind.items())
        lines.append(f"尚未报送的单位（{len(behind)} 个）：{named}。")
    if late:
        named = "；".join(f"{unit}（{'、'.join(labels)}）" for unit, labels in late.items())
        lines.append(f"逾期报送的单位（{len(late)} 个）：{named}。")
    if behind:
        lines.append("请以上未报送的单位抓紧报送，已报送的请与市安委办核对。")
    lines.append(f"——{OFFICE}")
    return "\n".join(lines)


def build_reminders(report: OverdueReport) -> Reminders:
    """One reminder per unit on the overdue list (in the list's order), and the group text."""
    by_unit: dict[str, list[OverdueItem]] = {}
    for item in report.items:
        by_unit.setdefault(item.unit, []).append(item)
    return Reminders(
        units=[unit_reminder(unit, items, report.as_of) for unit, items in by_unit.items()],
        group=group_message(by_unit, report.as_of),
    )
