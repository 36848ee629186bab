"""催报 reminders: ready-to-send texts built from the overdue list, one per unit and one
for the work group (QQ or WeChat) naming every unit that is behind."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from qzfsg.months import Month, day_label
from qzfsg.notices import Notice
from qzfsg.timeliness.overdue import OverdueItem, OverdueReport


class UnitReminder(BaseModel):
    unit: str
    liaison: str | None
    mobile: str | None
    text: str
    notice: Notice = Field(exclude=True)  # the text's parts, for the .txt and .docx files


class Reminders(BaseModel):
    units: list[UnitReminder]
    group: str | None  # None: nobody is behind
    group_notice: Notice | None = Field(default=None, exclude=True)

    @property
    def notices(self) -> list[Notice]:
        """Every notice to write out: one per unit, then the group message."""
        group = [self.group_notice] if self.group_notice else []
        return [r.notice for r in self.units] + group


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
    late_lines = "、".join(_late_line(i) for i in late)
    if missing:
        kind, title = "催报", "关于抓紧报送有关材料的通知"
        opening = f"截至{day_label(as_of)}，你单位以下材料尚未报送："
        lines = [f"{_missing_line(i)}；" for i in missing]
        lines[-1] = lines[-1][:-1] + "。"
        closing = ["请尽快报送市安委办（已报送的请告知报送时间和方式，以便核对）。"]
        if late:
            closing.append(f"另：{late_lines}，请今后按时报送。")
    else:
        kind, title = "逾期提醒", "关于按时报送有关材料的提醒"
        opening, lines, closing = f"你单位{late_lines}，已收到，请今后按时报送。", [], []
    notice = Notice(
        kind=kind,
        unit=unit,
        title=title,
        subject=day_label(as_of),
        opening=opening,
        items=lines,
        closing=closing,
        day=as_of,
    )
    liaison = items[0].liaison
    return UnitReminder(
        unit=unit,
        liaison=liaison.name if liaison else None,
        mobile=liaison.mobile if liaison else None,
        text=notice.text,
        notice=notice,
    )


def group_notice(by_unit: dict[str, list[OverdueItem]], as_of: date) -> Notice | None:
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
    lines = []
    if behind:
        named = "；".join(f"{unit}（{'、'.join(labels)}）" for unit, labels in behind.items())
        lines.append(f"尚未报送的单位（{len(behind)} 个）：{named}。")
    if late:
        named = "；".join(f"{unit}（{'、'.join(labels)}）" for unit, labels in late.items())
        lines.append(f"逾期报送的单位（{len(late)} 个）：{named}。")
    if behind:
        lines.append("请以上未报送的单位抓紧报送，已报送的请与市安委办核对。")
    return Notice(
        kind="催报通报",
        unit=None,
        title="催报通报",
        subject=day_label(as_of),
        opening=f"截至{day_label(as_of)}：",
        closing=lines,
        day=as_of,
    )


def build_reminders(report: OverdueReport) -> Reminders:
    """One reminder per unit on the overdue list (in the list's order), and the group text."""
    by_unit: dict[str, list[OverdueItem]] = {}
    for item in report.items:
        by_unit.setdefault(item.unit, []).append(item)
    group = group_notice(by_unit, report.as_of)
    return Reminders(
        units=[unit_reminder(unit, items, report.as_of) for unit, items in by_unit.items()],
        group=group.text if group else None,
        group_notice=group,
    )
