"""Views of the calendar and of timeliness: deadlines, overdue list, reminders, the board."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.table import Table
from rich.text import Text

from qzfsg.kinds import KIND_LABELS
from qzfsg.render import PUBLISHED, table, text

if TYPE_CHECKING:
    from qzfsg.timeliness.board import BoardCell, StatusBoard
    from qzfsg.timeliness.deadlines import CalendarView
    from qzfsg.timeliness.overdue import OverdueItem, OverdueReport
    from qzfsg.timeliness.receipts import ReceiptOutcome
    from qzfsg.timeliness.reminders import Reminders

MISSING, LATE, ON_TIME = "red", "yellow", "green"


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


# --------------------------------------------------------------------------- deadlines
def deadlines_table(calendar: CalendarView) -> Group:
    from qzfsg.timeliness.deadlines import describe_when, describe_who

    grid = table(
        "编号", "事项", "报送对象", "截止", title=f"行动日历（{len(calendar.deadlines)} 项）"
    )
    if calendar.shift_to_workday:
        grid.add_column("顺延后的截止日")
    for view in calendar.deadlines:
        row = [str(view.id), text(view.item), text(describe_who(view)), describe_when(view)]
        if calendar.shift_to_workday:
            moved = [d for d in view.due_dates if d.shifted]
            row.append(text("\n".join(f"{d.month or '—'}：{d.due}" for d in moved) or "无", "dim"))
        grid.add_row(*row)
    if calendar.shift_to_workday:
        note = Text("截止日遇法定节假日或周末顺延至下一个工作日（已开启）。", style="dim")
    else:
        note = Text("截止日遇节假日不顺延；如需顺延，运行 qzfsg deadlines shift on。", style="dim")
    return Group(grid, note)


# --------------------------------------------------------------------------- overdue
def _situation(item: OverdueItem) -> Text:
    if item.status == "late":
        return Text(f"迟报 {item.days_late} 天", style=LATE)
    situation = Text(f"未报，已逾期 {item.days_late} 天", style=f"bold {MISSING}")
    if item.rejected_waiting:
        situation.append("\n已收到但无法读取或未通过审核，退回待更正", style=MISSING)
    return situation


def _contact(item: OverdueItem) -> Text:
    if item.liaison is None:
        return Text("未报联络员", style="dim")
    contact = text(item.liaison.name)
    if item.liaison.mobile:
        contact.append(" ")
        contact.append_text(text(item.liaison.mobile))
    return contact


def overdue_table(report: OverdueReport) -> Group:
    missing = sum(i.status == "missing" for i in report.items)
    late = len(report.items) - missing
    if not report.items:
        return Group(
            Text(f"截至 {report.as_of}，所有到期事项均已按时报送。", style=f"bold {ON_TIME}")
        )
    grid = table(
        "单位",
        "事项",
        "截止日期",
        "情况",
        "收到日期",
        "联络员",
        title=f"截至 {report.as_of}：未报 {missing} 项，迟报 {late} 项",
    )
    for column in grid.columns[2:5]:
        column.no_wrap = True
    for item in report.items:
        style = MISSING if item.status == "missing" else LATE
        what = text(item.item)
        if item.month:
            what = Text.assemble(f"{item.month} ", what)
        grid.add_row(
            text(item.unit, style),
            what,
            str(item.due),
            _situation(item),
            f"{item.received:%Y-%m-%d}" if item.received else "—",
            _contact(item),
        )
    return Group(grid)


def reminders_view(reminders: Reminders) -> list[Text]:
    """Separate lines of text (not a group), so that show() never wraps a message: it is
    to be copied into QQ or WeChat as it is."""
    parts: list[Text] = []
    for reminder in reminders.units:
        contact = "、".join(x for x in (reminder.liaison, reminder.mobile) if x) or "未报联络员"
        parts.append(
            Text.assemble(
                ("\n—— 发给 ", "dim"), text(reminder.unit, "bold"), (f"（{contact}）", "dim")
            )
        )
        parts.append(text(reminder.text))
    if reminders.group:
        parts.append(Text("\n—— 群发通报", style="dim"))
        parts.append(text(reminders.group))
    else:
        parts.append(Text("没有需要催报的单位。", style=ON_TIME))
    return parts


# --------------------------------------------------------------------------- receive
def receipt_outcome(outcome: ReceiptOutcome) -> Text:
    what = f"{outcome.month} {outcome.item}" if outcome.month else outcome.item
    line = Text()
    if outcome.already_recorded:
        line.append("该文件此前已记录，未重复记录：", style="yellow")
    else:
        line.append("已记录：", style="green")
    line.append_text(text(outcome.unit, "bold"))
    line.append(" ")
    line.append_text(text(what))
    line.append(f"，{outcome.received:%Y-%m-%d %H:%M} 收到")
    if outcome.due is not None:
        line.append(f"；截止 {outcome.due}，")
        if outcome.status == "late":
            line.append(f"迟报 {outcome.days_late} 天", style=LATE)
        else:
            line.append("按时", style=ON_TIME)
    line.append("。")
    if outcome.month_inferred:
        line.append(
            f"\n月份按收到日期推断为 {outcome.month}（15 日及以前收到的算上月），"
            "如不对请用 --month 指明后重新登记。",
            style="dim",
        )
    if outcome.archived and not outcome.already_recorded:
        line.append("\n文件已存档：", style="dim")
        line.append_text(text(outcome.archived, "dim"))
    return line


# --------------------------------------------------------------------------- the board
def _cell(cell: BoardCell | None) -> Text:
    if cell is None:
        return Text("—", style="dim")
    mark = "0" if cell.zero else ""
    if cell.status == "on_time":
        return Text(mark or "✔", style=ON_TIME)
    if cell.status == "late":
        return Text(f"{mark}⚠{cell.days_late}", style=LATE)
    if cell.rejected_waiting:  # at once, before the due date too: the unit must correct it
        return Text("✖", style=f"bold {MISSING}")
    if cell.status == "pending":
        return Text("…", style="dim")
    return Text("·", style=f"bold {MISSING}")


LEGEND = (
    "✔ 按时  ⚠N 迟报 N 天  ✖ 被退回、尚未更正  · 未报  0 零报告（0⚠N：零报告迟报 N 天）\n"
    "… 未到截止日  — 当月不需报送  连续：连续迟报或未报的最多月数（2 个月及以上为屡次迟报）"
)


def _month_heading(key: str, one_year: bool) -> str:
    return f"{int(key[5:])}月" if one_year else key


def status_board(board: StatusBoard) -> Group:
    month_keys = [m.month for m in board.months]
    one_year = len({key[:4] for key in month_keys}) == 1
    scope = KIND_LABELS.get(board.kind or "", "全部单位")
    head = Text(
        f"月报表报送情况（{scope}，{board.from_month} 至 {board.to_month}，截至 {board.as_of}）",
        style="bold",
    )
    grid: Table = table("单位", *[_month_heading(k, one_year) for k in month_keys], "连续")
    for row in board.units:
        name = text(row.unit, f"bold {MISSING}" if row.repeat_offender else "")
        run = (
            Text(str(row.longest_run), style=f"bold {MISSING}") if row.repeat_offender else Text("")
        )
        grid.add_row(name, *[_cell(row.cells[key]) for key in month_keys], run)
    legend = Text(LEGEND, style="dim")
    summary = table(
        "月份",
        "截止日",
        "应报",
        "已报",
        "按时",
        "迟报",
        "未报",
        "退回待改",
        "未到期",
        "报送率",
        "及时率",
        title="每月报送率",
    )
    for month in board.months:
        summary.add_row(
            month.month + (PUBLISHED if month.published else ""),
            str(month.due) if month.due else "—",
            str(month.expected),
            str(month.reported),
            Text(str(month.on_time), style=ON_TIME),
            Text(str(month.late), style=LATE if month.late else ""),
            Text(str(month.missing), style=MISSING if month.missing else ""),
            str(month.rejected_waiting),
            Text(str(month.pending), style="dim"),
            _percent(month.reporting_rate),
            _percent(month.on_time_rate),
        )
    parts: list = [head, grid, legend, summary]
    offenders = board.repeat_offenders
    if offenders:
        names = Text(
            f"屡次迟报或未报的单位（连续 2 个月及以上，{len(offenders)} 个）：\n",
            style=f"bold {MISSING}",
        )
        names.append_text(text("、".join(r.unit for r in offenders)))
        parts.append(names)
    return Group(*parts)
