"""`qzfsg check`: is the database whole, and is every received file in the archive as it
was received? Lists what is wrong; with `fix`, removes what nothing refers to.

Nothing here writes to the database. Files written in the last GRACE are left alone:
an import under way writes its archive copy before its row is committed.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from qzfsg.errors import DamagedError
from qzfsg.storage.archive import archived_path, file_sha256
from qzfsg.storage.db import archive_dir, open_reader

GRACE = timedelta(minutes=10)
ARCHIVED_NAME = re.compile(r"^([0-9a-f]{64})(\.[0-9a-z]+)?$")
REFERENCES = (
    "SELECT sha256, archive_path FROM submission"
    " UNION SELECT sha256, archive_path FROM receipt"
    " WHERE sha256 IS NOT NULL AND archive_path IS NOT NULL"
)
Kind = Literal["damaged", "foreign_key", "missing", "altered", "orphan", "leftover"]


class Problem(BaseModel):
    """One thing wrong; `file` is an archive file (or a leftover beside the database)."""

    kind: Kind
    message: str
    file: str | None = None
    fixed: bool = False


class CheckReport(BaseModel):
    """The `--json` shape of `qzfsg check`."""

    database: str
    archive: str
    database_ok: bool
    archived_files: int
    problems: list[Problem] = []

    @property
    def ok(self) -> bool:
        return all(p.fixed for p in self.problems)


def check_database(path: Path, fix: bool = False) -> CheckReport:
    folder = archive_dir(path)
    report = CheckReport(
        database=str(path), archive=str(folder), database_ok=True, archived_files=0
    )
    try:
        connection = open_reader(path)
        report.problems.extend(_structure_problems(connection))
        expected = archived_files(connection, folder)
    except DamagedError as exc:
        report.problems.append(Problem(kind="damaged", message=str(exc)))
        expected = {}
    except sqlite3.DatabaseError:
        report.problems.append(
            Problem(
                kind="damaged",
                message="数据库已损坏：读到损坏的数据，检查无法完成。请用最近的备份恢复。",
            )
        )
        expected = {}
    report.database_ok = not report.problems
    report.archived_files = len(expected)
    report.problems.extend(_archive_problems(expected))
    report.problems.extend(_stray_files(folder, set(expected), path))
    if fix:
        for problem in report.problems:
            if problem.kind in ("orphan", "leftover") and problem.file:
                Path(problem.file).unlink(missing_ok=True)
                problem.fixed = True
    return report


def _structure_problems(connection: sqlite3.Connection) -> Iterable[Problem]:
    found = [row[0] for row in connection.execute("PRAGMA integrity_check(20)")]
    if found != ["ok"]:
        yield Problem(
            kind="damaged",
            message=f"数据库内部结构有 {len(found)} 处错误（SQLite 完整性检查未通过）："
            + "；".join(found[:3]),
        )
    for table, rowid, parent, _ in connection.execute("PRAGMA foreign_key_check"):
        yield Problem(
            kind="foreign_key",
            message=f"表 {table} 第 {rowid} 行引用的 {parent} 记录不存在。",
        )


def archived_files(connection: sqlite3.Connection, folder: Path) -> dict[Path, str]:
    """Each archive file the database refers to, with the sha256 of its content. Found
    by name in the archive beside the database: the path as recorded may be relative to
    the folder the import ran in, or from before the database was moved."""
    return {
        archived_path(folder, digest, Path(stored).suffix): digest
        for digest, stored in connection.execute(REFERENCES)
        if digest and stored
    }


def _archive_problems(expected: dict[Path, str]) -> Iterable[Problem]:
    for file, digest in sorted(expected.items()):
        if not file.is_file():
            yield Problem(
                kind="missing",
                file=str(file),
                message=f"归档文件 {file} 不见了：请从备份中找回同名文件放回原处。",
            )
        elif file_sha256(file.read_bytes()) != digest:
            yield Problem(
                kind="altered",
                file=str(file),
                message=f"归档文件 {file} 的内容与收到时不同（被改动或损坏）：请从备份中找回同名文件替换。",
            )


def _stray_files(folder: Path, expected: set[Path], db: Path) -> Iterable[Problem]:
    """Archive files no record refers to, and leftovers of interrupted work (temporary
    archive copies, a database half built by an interrupted init)."""
    settled = time.time() - GRACE.total_seconds()
    candidates = [*sorted(folder.rglob("*")), *sorted(db.parent.glob(f".{db.name}.init-*"))]
    for file in candidates:
        if not file.is_file() or file in expected or file.stat().st_mtime > settled:
            continue
        if ARCHIVED_NAME.match(file.name) and file.parent.name == file.name[:2]:
            yield Problem(
                kind="orphan",
                file=str(file),
                message=f"归档文件 {file} 没有任何记录引用（多为中断的导入留下的）。",
            )
        else:
            yield Problem(
                kind="leftover",
                file=str(file),
                message=f"{file} 是中断的操作留下的临时文件。",
            )
