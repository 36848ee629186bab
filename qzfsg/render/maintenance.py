"""Views of the maintenance commands: check and backup."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text

if TYPE_CHECKING:
    from qzfsg.storage.backup import BackupReport
    from qzfsg.storage.checkup import CheckReport

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
