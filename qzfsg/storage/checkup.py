"""`qzfsg check`: is the database whole, and is every received file in the archive as it
was received? Lists what is wrong; with `fix`, removes what nothing refers to.

The same checks on both databases where they apply:
- every file a row refers to is in the archive, with its sha256 (`missing`, `altered`);
- no row refers to a row that is not there (`foreign_key`);
- files kept that no row refers to (`orphan`; `fix` removes them).
SQLite's own integrity check and the temporary files of interrupted work beside the file
are a database file's: on a server they are reported as not applicable
(`NOT_ON_SERVER`), PostgreSQL keeps its own storage whole.

Nothing here writes to the database but `fix` on a server (removing files kept in it).
In a folder, files written in the last GRACE are left alone: an import under way writes
its archive copy before its row is committed. A server database needs no grace: a file
and the row that refers to it are committed together, so a file no row refers to is
never one an import is still writing; the removal takes the write lock and removes it
only if still no row refers to it (see `DatabaseArchive.remove`).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from qzfsg.errors import DamagedError
from qzfsg.queries import checkup as queries
from qzfsg.queries.archive import references
from qzfsg.storage.archive import (
    Archive,
    ArchivedFileMissing,
    FolderArchive,
    archive_for,
    kept_as,
    parse_reference,
)
from qzfsg.storage.db import Where, open_database, open_reader, session_for

GRACE = timedelta(minutes=10)
Kind = Literal["damaged", "foreign_key", "missing", "altered", "orphan", "leftover"]
# The checks of a database file that a server database has no counterpart of.
NOT_ON_SERVER = ["integrity_check", "leftover"]


class Problem(BaseModel):
    """One thing wrong; `file` is an archive file (or a leftover beside the database), or
    the reference of a file kept in a server database ("database:<sha256>…")."""

    kind: Kind
    message: str
    file: str | None = None
    fixed: bool = False


class CheckReport(BaseModel):
    """The `--json` shape of `qzfsg check`."""

    database: str
    archive: str
    archive_in_database: bool = False
    database_ok: bool
    archived_files: int
    not_applicable: list[str] = []
    problems: list[Problem] = []

    @property
    def ok(self) -> bool:
        return all(p.fixed for p in self.problems)


def check_database(where: Where, fix: bool = False) -> CheckReport:
    archive = archive_for(where)
    in_folder = isinstance(archive, FolderArchive)
    report = CheckReport(
        database=str(where), archive=archive.shown, archive_in_database=not in_folder,
        database_ok=True, archived_files=0, not_applicable=[] if in_folder else NOT_ON_SERVER,
    )  # fmt: skip
    connection = None
    expected: dict[str, str] = {}
    try:
        connection = open_reader(where)
        report.problems.extend(_structure_problems(connection, in_folder))
        expected = {reference: digest for digest, reference in references(connection)}
    except DamagedError as exc:
        report.problems.append(Problem(kind="damaged", message=str(exc)))
    except sqlite3.DatabaseError:
        report.problems.append(
            Problem(
                kind="damaged",
                message="数据库已损坏：读到损坏的数据，检查无法完成。请用最近的备份恢复。",
            )
        )
    report.database_ok = not report.problems
    expected = {kept_as(archive, ref): digest for ref, digest in expected.items()}
    report.archived_files = len(expected)
    report.problems.extend(_archive_problems(archive, connection, expected))
    stored = archive.stored(connection) if connection is not None or in_folder else []
    report.problems.extend(_unreferenced(archive, stored, set(expected.values())))
    if isinstance(archive, FolderArchive) and isinstance(where, Path):
        report.problems.extend(_leftovers(archive, where))
    if fix:
        _remove_strays(archive, where, report.problems)
    return report


def _structure_problems(connection: Any, is_file: bool) -> Iterable[Problem]:
    if is_file:
        found = queries.integrity_problems(connection)
        if found != ["ok"]:
            yield Problem(
                kind="damaged",
                message=f"数据库内部结构有 {len(found)} 处错误（SQLite 完整性检查未通过）："
                + "；".join(found[:3]),
            )
    for table, column, parent, key in _foreign_keys():
        count, example = queries.dangling_rows(connection, table, column, parent, key)
        if count:
            yield Problem(
                kind="foreign_key",
                message=f"表 {table} 有 {count} 行的 {column} 引用的 {parent} 记录不存在"
                f"（如 {column} = {example}）。",
            )


def _foreign_keys() -> list[tuple[str, str, str, str]]:
    """(table, column, parent table, its key) of every foreign key of the schema: checked
    by the same statements on both databases (a SQLite file may have been written with
    its foreign keys off; a server's are checked in case its constraints were not)."""
    from qzfsg.models import SQLModel

    return [
        (table.name, fk.parent.name, fk.column.table.name, fk.column.name)
        for table in SQLModel.metadata.sorted_tables
        for fk in sorted(table.foreign_keys, key=lambda fk: fk.parent.name)
    ]


def _archive_problems(
    archive: Archive, connection: Any, expected: dict[str, str]
) -> Iterable[Problem]:
    in_folder = isinstance(archive, FolderArchive)
    remedy = "请从备份中找回同名文件放回原处" if in_folder else "请用数据库的备份恢复"
    where = "" if in_folder else "数据库中的"
    for reference in sorted(expected):
        try:
            archive.read(connection, reference)
        except ArchivedFileMissing as exc:
            if exc.altered:
                yield Problem(
                    kind="altered", file=reference,
                    message=f"{where}归档文件 {reference} 的内容与收到时不同（被改动或损坏）：{remedy}替换。",
                )  # fmt: skip
            else:
                yield Problem(
                    kind="missing", file=reference,
                    message=f"{where}归档文件 {reference} 不见了：{remedy}。",
                )  # fmt: skip


def _unreferenced(archive: Archive, stored: list[str], referred: set[str]) -> Iterable[Problem]:
    """Files kept that no row refers to (by sha256). In a folder, only those settled: an
    import under way writes its copy before its row is committed."""
    settled = time.time() - GRACE.total_seconds()
    for reference in stored:
        if parse_reference(reference)[0] in referred:
            continue
        if isinstance(archive, FolderArchive) and Path(reference).stat().st_mtime > settled:
            continue
        place = "" if isinstance(archive, FolderArchive) else "数据库中的"
        yield Problem(
            kind="orphan",
            file=reference,
            message=f"{place}归档文件 {reference} 没有任何记录引用（多为中断的导入留下的）。",
        )


def _leftovers(archive: FolderArchive, db: Path) -> Iterable[Problem]:
    """Leftovers of interrupted work: temporary archive copies, a database half built by
    an interrupted init."""
    settled = time.time() - GRACE.total_seconds()
    candidates = [
        *sorted(archive.folder.rglob("*")),
        *sorted(db.parent.glob(f".{db.name}.init-*")),
    ]
    for file in candidates:
        if file.is_file() and not archive.is_kept(file) and file.stat().st_mtime <= settled:
            yield Problem(
                kind="leftover", file=str(file), message=f"{file} 是中断的操作留下的临时文件。"
            )


def _remove_strays(archive: Archive, where: Where, problems: list[Problem]) -> None:
    """Remove the orphans (through the archive) and the leftovers (files beside it)."""
    orphans = [p for p in problems if p.kind == "orphan" and p.file]
    for problem in problems:
        if problem.kind == "leftover" and problem.file:
            Path(problem.file).unlink(missing_ok=True)
            problem.fixed = True
    if not orphans:
        return
    if isinstance(archive, FolderArchive):
        for problem in orphans:
            problem.fixed = archive.remove(None, problem.file or "")
        return
    with session_for(open_database(where)) as session:
        for problem in orphans:
            problem.fixed = archive.remove(session, problem.file or "")
        session.commit()
