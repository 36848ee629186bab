"""Views of the corrections: what a correction did, locks, the audit trail."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.table import Table
from rich.text import Text

from qzfsg.render import table, text

if TYPE_CHECKING:
    from qzfsg.audit import LogEntry
    from qzfsg.corrections import Corrected
    from qzfsg.locks import Lock
    from qzfsg.months import Month

DONE = {
    "withdraw": "已撤回",
    "restore": "已恢复",
    "redate": "已更正收到时间",
    "refile": "已改归",
}
STATUS = {"accepted": "有效", "rejected": "退回", "withdrawn": "已撤回", "imported": "已录入"}


def corrected(result: Corrected) -> Text:
    line = Text.assemble((f"#{result.id} ", "bold"), (DONE[result.action], "bold green"), "：")
    line.append_text(
        text(f"{result.unit or '（单位不明）'} {result.month or '月份不明'} 《{result.file}》")
    )
    line.append(f"，收到时间 {result.received:%Y-%m-%d %H:%M}")
    if result.status == "withdrawn":
        line.append("；现行数据、及时性、排名和汇总都当作未曾导入。")
    else:
        state = STATUS[result.status] + ("，为现行版本" if result.current else "")
        line.append(f"；第 {result.version} 版（{state}）。")
    codes = result.after.get("findings")
    if codes:
        line.append(
            f"\n重新审核发现问题：{'、'.join(codes)}（qzfsg findings 可查看并生成退回意见）。"
        )
    return line


def locked(lock: Lock) -> Text:
    label = _label(lock.month)
    if lock.already:
        return Text(
            f"{label}此前已于 {lock.locked_at:%Y-%m-%d %H:%M} 由 {lock.locked_by} 锁定，未作改动。"
        )
    return Text(
        f"{label}已锁定（已发布）。此后会改变该月数字、及时性或排名的操作都会被拒绝，"
        "除非加 --override --reason。",
        style="green",
    )


def unlocked(month: Month, lock: Lock | None) -> Text:
    if lock is None:
        return Text(f"{month.label}没有锁定，未作改动。")
    return Text(
        f"{month.label}已解锁（原由 {lock.locked_by} 于 {lock.locked_at:%Y-%m-%d} 锁定）。",
        style="green",
    )


def _label(month: str) -> str:
    from qzfsg.months import Month

    return Month.parse(month).label


def _state(value: dict[str, Any] | None) -> str:
    if not value:
        return ""
    return "，".join(f"{_FIELDS.get(k, k)} {_shown(v)}" for k, v in value.items() if v is not None)


_FIELDS = {
    "status": "状态", "version": "版本", "received": "收到", "unit": "单位", "month": "月份",
    "file": "文件", "findings": "问题", "note": "说明", "change": "更改", "locked_by": "锁定人",
    "locked_at": "锁定于", "reason": "原因", "name": "名称", "kind": "类别", "aliases": "别名",
    "alias": "别名", "active_from": "应报起", "inactive_from": "停用起", "item": "事项",
    "who": "对象", "due": "截止", "monthly_day": "每月", "from_month": "起", "to_month": "止",
    "shift_to_workday": "节假日顺延",
}  # fmt: skip


def _shown(value: Any) -> str:
    if isinstance(value, list):
        return "、".join(map(str, value)) or "无"
    return STATUS.get(value, str(value)) if isinstance(value, str) else str(value)


def log_table(entries: Sequence[LogEntry]) -> Table | Text:
    from qzfsg.audit import ACTIONS

    if not entries:
        return Text("没有操作记录。")
    grid = table(
        "时间", "经办人", "操作", "单位", "月份", "报表", "改前", "改后", "原因", title="操作记录"
    )
    for entry in entries:
        grid.add_row(
            f"{entry.at:%Y-%m-%d %H:%M}",
            text(entry.who),
            ACTIONS.get(entry.action, entry.action),
            text(entry.unit or "—"),
            text(entry.month or "—"),
            f"#{entry.submission}" if entry.submission else "—",
            text(_state(entry.before)),
            text(_state(entry.after)),
            text(entry.reason or ""),
        )
    return grid
