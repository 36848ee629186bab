"""Views of the maintenance commands: check, backup and copy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text

if TYPE_CHECKING:
    from qzfsg.storage.backup import BackupReport
    from qzfsg.storage.checkup import CheckReport
    from qzfsg.storage.copying import CopyReport

KIND_LABELS = {
    "damaged": "数据库损坏",
    "foreign_key": "记录不一致",
    "missing": "归档文件缺失",
    "altered": "归档文件被改动",
    "orphan": "多余的归档文件",
    "leftover": "临时文件",
}


NOT_APPLICABLE_LABELS = {
    "integrity_check": "SQLite 完整性检查",
    "leftover": "临时文件检查",
}


def _archive_label(report: CheckReport) -> str:
    if report.archive_in_database:
        return f"归档文件保存在{report.archive}"
    return f"归档文件夹 {report.archive}"


def check_report(report: CheckReport) -> Group:
    state = ("完好", "green") if report.database_ok else ("有问题", "bold red")
    lines = [
        Text.assemble("数据库 ", report.database, "：", state),
        Text(f"{_archive_label(report)}：记录引用的文件 {report.archived_files} 个。"),
    ]
    if report.not_applicable:
        skipped = "、".join(NOT_APPLICABLE_LABELS[name] for name in report.not_applicable)
        lines.append(Text(f"服务器上的数据库不适用：{skipped}（由 PostgreSQL 自己保证）。", "dim"))
    for problem in report.problems:
        done = ("（已删除）", "green") if problem.fixed else ""
        lines.append(
            Text.assemble(
                ("✖ ", "red"), (KIND_LABELS[problem.kind], "bold"), "：", problem.message, done
            )
        )
    open_problems = [p for p in report.problems if not p.fixed]
    if not open_problems:
        lines.append(Text("检查完毕，没有发现问题。", "green"))
    else:
        removable = any(p.kind in ("orphan", "leftover") for p in open_problems)
        hint = "多余的归档文件和临时文件可以用 qzfsg check --fix 删除。" if removable else ""
        lines.append(Text(f"发现 {len(open_problems)} 个问题。{hint}", "yellow"))
    return Group(*lines)


def backup_report(report: BackupReport) -> Text:
    returns = report.rows.get("submission", 0)
    return Text.assemble(
        ("已备份", "green"),
        f"：{report.database} → {report.backup}（已核对：完整性检查通过，各表行数一致；",
        f"收到的报表 {returns} 份），归档文件 {report.archived_files} 个 → {report.archive}。\n",
        f"恢复时把 {report.backup} 当作数据库使用即可：qzfsg status --db {report.backup}",
    )


def some(names: list[str]) -> str:
    """The first few names of a long list, for one line."""
    return "、".join(names[:3]) + (f"等 {len(names)} 个" if len(names) > 3 else "")


def copy_report(report: CopyReport) -> Text:
    rows = sum(report.tables.values())
    returns = report.tables.get("submission", 0)
    text = Text.assemble(
        ("已复制", "green"),
        f"：{report.source} → {report.dest}。{len(report.tables)} 个表共 {rows} 行"
        f"（收到的报表 {returns} 份），归档文件 {report.archived_files} 个 → {report.archive}。\n",
        "已核对：各表行数和数值合计与源数据库一致，每个归档文件都从目标读回并按 sha256 核对无误。",
    )
    if report.missing:
        text.append(
            f"\n源数据库缺少 {len(report.missing)} 个归档文件（或内容已变），未能复制："
            f"{some(report.missing)}。请对源数据库运行 qzfsg check 查看。",
            "bold red",
        )
    return text
