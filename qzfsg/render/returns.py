"""Views of received returns: import results, open findings, a unit's history."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from qzfsg.render import SEVERITY_LABEL, SEVERITY_STYLE, table, text

if TYPE_CHECKING:
    from qzfsg.findings import Finding
    from qzfsg.importer import FileOutcome
    from qzfsg.submissions import Dismissed, HistoryEntry, OpenFindings
    from qzfsg.unitreturn import UnitReturn


def _message(item: Finding, style: str = "") -> Text:
    """The finding's message, and the clerk's own remedy (an option, a registry command)
    after it: the hint is for the office, the text sent to the unit never carries it."""
    shown = text(item.message, style)
    if item.clerk_hint:
        shown.append(f"（{item.clerk_hint}）", style="dim")
    return shown


def findings_table(findings: Iterable[Finding], title: str | None = None) -> Table:
    grid = table("级别", "单元格", "问题", title=title)
    for item in findings:
        style = SEVERITY_STYLE[item.severity]
        cells = item.cells  # a formula_no_value may concern all eleven 累计数 cells
        where = f"{cells[0]} 等 {len(cells)} 格" if len(cells) > 1 else item.cell
        grid.add_row(text(SEVERITY_LABEL[item.severity], style), text(where), _message(item))
    return grid


LATE_IMPORT = "（迟到导入）"
LATE_NOTE = (
    "迟到导入：文件收到得早、导入得晚，按收到时间排为较早的版本；"
    "现行数据始终以最晚收到的合格报表为准。"
)
OUTCOME_MARKS = {
    "imported": ("✔", "已录入", "green"),
    "flagged": ("⚠", "已录入，请核实", "yellow"),
    "rejected": ("✖", "退回", "red"),
    "duplicate": ("=", "重复，未改动", "dim"),
    "checked": ("✔", "检查通过", "green"),
    "refused": ("⊘", "月份已锁定，未录入", "red"),
}


def _outcome_key(outcome: FileOutcome) -> str:
    if outcome.status in ("imported", "checked") and outcome.flagged:
        return "flagged"
    return outcome.status


def _finding_lines(findings: Iterable[Finding]) -> Text:
    lines = Text()
    for item in findings:
        if lines:
            lines.append("\n")
        lines.append_text(_message(item, SEVERITY_STYLE[item.severity]))
    return lines


def outcomes_table(outcomes: Sequence[FileOutcome], stored: bool = True) -> Table:
    """The per-file table; `stored` is False for validate and --dry-run (nothing kept)."""
    from pathlib import Path

    checking = any(o.status == "checked" for o in outcomes)
    grid = table(
        "",
        "文件",
        "单位",
        "月份",
        "版本",
        "结果与问题",
        title="检查结果" if checking else "导入结果",
    )
    grid.columns[1].max_width = 26
    grid.columns[-1].ratio = 1  # the findings take what the terminal has left
    if any(f.code == "month_inferred" for o in outcomes for f in o.findings):
        grid.caption = (
            "月份后的 * 表示月份是推断的（表上没写月份时按填报时间，15 日及以前填报算上月）。"
        )
        grid.caption_justify = "left"
    for outcome in outcomes:
        mark, label, style = OUTCOME_MARKS[_outcome_key(outcome)]
        detail = Text(label, style=f"bold {style}")
        if outcome.duplicate_of:
            detail.append(f"（与已收的《{outcome.duplicate_of}》相同）", style="dim")
        if outcome.replaces_version:
            detail.append(f"（替换第 {outcome.replaces_version} 版）", style="dim")
        if outcome.late and outcome.status == "imported" and not outcome.current:
            detail.append("（迟到导入：已有更晚收到的新版，本表不改变现行数据）", style="dim")
        elif outcome.late:
            detail.append(LATE_IMPORT, style="dim")
        shown = [f for f in outcome.findings if f.severity != "info"]
        if shown:
            detail.append("\n")
            detail.append_text(_finding_lines(shown))
        inferred = any(f.code == "month_inferred" for f in outcome.findings)
        grid.add_row(
            text(mark, style),
            text(Path(outcome.file).name),
            text(outcome.unit or "—"),
            text((outcome.month or "—") + ("*" if inferred else "")),
            text(outcome.version or ""),
            detail,
        )
    return grid


def outcomes_summary(outcomes: Sequence[FileOutcome], stored: bool = True) -> Text:
    counts = {key: 0 for key in OUTCOME_MARKS}
    for outcome in outcomes:
        counts[_outcome_key(outcome)] += 1
    parts = [f"共 {len(outcomes)} 个文件"]
    taken = counts["imported"] + counts["flagged"] + counts["checked"]
    verb = "录入" if stored else "通过"
    parts.append(
        f"{verb} {taken} 个"
        + (f"（其中 {counts['flagged']} 个请核实）" if counts["flagged"] else "")
    )
    if counts["rejected"]:
        hint = (
            "（qzfsg findings 可生成退回意见）"
            if stored
            else "（未存入；导入后 qzfsg findings 可生成退回意见）"
        )
        parts.append(f"{'退回' if stored else '不合格'} {counts['rejected']} 个{hint}")
    if counts["duplicate"]:
        parts.append(f"重复 {counts['duplicate']} 个")
    if counts["refused"]:
        parts.append(f"因月份已锁定未录入 {counts['refused']} 个")
    style = "red" if counts["rejected"] or counts["refused"] else "green"
    return Text("，".join(parts) + "。", style=style)


def open_findings(items: Sequence[OpenFindings]) -> list[Table | Text]:
    """A table per file and the text to send, which is printed unwrapped (to copy into QQ)."""
    if not items:
        return [Text("没有待处理的问题：所有报表都已通过审核。", style="green")]
    parts: list[Table | Text] = [
        Text(
            f"待处理的报表 {len(items)} 份（已另行处理的，用 qzfsg dismiss 编号 移出此清单）：",
            style="bold",
        )
    ]
    for item in items:
        style = "red" if item.status == "rejected" else "yellow"
        head = Text.assemble(
            (f"#{item.id} ", "bold"),
            ("✖ 退回 " if item.status == "rejected" else "⚠ 核实 ", f"bold {style}"),
            text(item.unit or "（单位不明）", "bold"),
            "  ",
            text(item.month or "月份不明"),
            "  ",
            text(item.file, "dim"),
        )
        parts.extend([Text(""), head, findings_table(item.findings), text(item.message)])
    return parts


def dismissed(items: Sequence[Dismissed]) -> Text:
    lines = Text()
    for item in items:
        if lines:
            lines.append("\n")
        lines.append(f"#{item.id} ", style="bold")
        lines.append_text(
            text(f"{item.unit or '（单位不明）'} {item.month or '月份不明'} 《{item.file}》")
        )
        if item.clean:
            lines.append(" 已录入且没有需要核实的问题，本不在待处理清单上，未作改动。")
        elif item.already:
            lines.append(" 此前已移出待处理清单。", style="green")
        else:
            lines.append(" 已移出待处理清单。", style="green")
    return lines


def history_table(title: str, entries: Sequence[HistoryEntry], units: bool = False) -> Table:
    """The files received, one row each; with `units`, a column naming each file's unit."""
    from qzfsg.submissions import describe_change

    columns = ["编号", "收到时间", "月份", "版本", "状态", "文件", "与上一版相比"]
    grid = table(*(["单位", *columns] if units else columns), title=title)
    for entry in entries:
        if entry.status == "withdrawn":
            state = text(f"已撤回（{entry.withdraw_reason or '未说明原因'}）", "dim")
        elif entry.status == "rejected":
            state = text(f"退回（{entry.errors} 个错误）", "red")
        elif entry.superseded:
            state = text("已被新版替换", "dim")
        else:
            state = text(
                "有效" + (f"（{entry.warnings} 个提醒）" if entry.warnings else ""), "green"
            )
        if entry.late:
            state.append(LATE_IMPORT, style="dim")
            grid.caption, grid.caption_justify = LATE_NOTE, "left"
        changes = "\n".join(describe_change(c) for c in entry.changes)
        unit = [text(entry.unit or "（单位不明）")] if units else []
        grid.add_row(
            *unit,
            f"#{entry.id}",
            f"{entry.received:%Y-%m-%d %H:%M}",
            text(entry.month or "—"),
            "—" if entry.status == "withdrawn" else str(entry.version),
            state,
            text(entry.file),
            text(changes),
        )
    return grid


def unit_return_view(item: UnitReturn) -> list[Table | Text]:
    """One unit's month: which file stands and when it came, its 11 indicators (本月数,
    累计数), and the findings still on it."""
    from qzfsg.months import Month
    from qzfsg.render.exports import number

    label = Month.parse(item.month).label
    if item.status == "missing":
        return [text(f"{item.unit} {label}：没有收到月报表。", "yellow")]
    came = f"第 {item.version} 版，{item.received:%Y-%m-%d %H:%M} 收到，《{item.file}》"
    if item.status == "rejected":
        head = text(f"{item.unit} {label}：没有已录入的报表；最近一份（{came}）被退回。", "red")
    else:
        head = text(f"{item.unit} {label} 月报表（{came}）", "bold")
    parts: list[Table | Text] = [head]
    if item.figures:
        grid = table("项目", "单位", "本月数", "累计数")
        for column in grid.columns[2:]:
            column.justify = "right"
        for row in item.figures:
            grid.add_row(text(row.label), text(row.unit), number(row.month), number(row.cumulative))
        parts.append(grid)
    if item.under_review:
        parts.append(
            text("有需要核实的问题尚未处理（见下；核实无误可用 qzfsg dismiss）。", "yellow")
        )
    elif item.dismissed:
        parts.append(text("问题已另行处理，已移出待处理清单。", "dim"))
    elif item.status == "accepted" and not item.findings:
        parts.append(text("审核通过，没有问题。", "green"))
    if item.findings:
        parts.append(findings_table(item.findings))
    if item.files > 1:
        parts.append(text(f"该月共收到 {item.files} 份文件，历次报送见 qzfsg history。", "dim"))
    return parts
