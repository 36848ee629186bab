"""`qzfsg backup FILE`: a consistent copy of the database while others work, with its
archive, verified before it is given its name.

A database file is copied by SQLite's online backup of one read snapshot (other commands
may go on writing meanwhile; the copy is the database as it was when the backup began).
The archive files that snapshot refers to are copied, each checked against its sha256,
into the folder where qzfsg looks for the copy's archive (FILE without its suffix, plus
"-archive"), so that the copy is used as it is: `qzfsg status --db FILE`.

A server database is copied into FILE by `qzfsg copy` (qzfsg.storage.copying: one read
transaction, every file read back by its sha256), under a hidden name first; the copy
then gets the same check as a file's backup (SQLite's integrity check, the rows of each
table) before it takes FILE's place.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from pydantic import BaseModel

from qzfsg.errors import DataError, QzfsgError
from qzfsg.queries.archive import references
from qzfsg.storage.archive import archive_folder, archived_path, file_sha256, parse_reference
from qzfsg.storage.copying import ARCHIVE_TABLE, copy_database
from qzfsg.storage.db import (
    Where,
    copy_is_whole,
    copy_snapshot,
    explain,
    one_file,
    open_reader,
    table_rows,
)
from qzfsg.storage.server import ServerAddress


class BackupReport(BaseModel):
    """The `--json` shape of `qzfsg backup`."""

    database: str
    backup: str
    archive: str
    rows: dict[str, int]
    archived_files: int
    missing: list[str] = []


def back_up(source: Where, target: Path) -> BackupReport:
    """Copy the database at `source` (a file, or a server database) and its archive to
    `target` (replacing what is there: the CLI asks for --force first). Raises DataError,
    after making the copy, when archive files the database refers to are missing or
    altered at the source."""
    if isinstance(source, Path) and target.resolve() == source.resolve():
        raise QzfsgError(f"备份文件 {target} 就是数据库本身；请另选一个文件名。")
    building = target.with_name(f".{target.stem}.backup-{os.getpid()}{target.suffix}")
    archive = archive_folder(target)
    staging = archive.with_name(f".{archive.name}.backup-{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            if isinstance(source, ServerAddress):
                rows, copied, missing = _copy_server(source, building, staging)
            else:
                rows, copied, missing = _copy_file(source, building, staging)
            whole = copy_is_whole(building, rows)
        except sqlite3.Error as exc:  # the copy's disk (full, read-only…), not the database's
            raise explain(exc, target) or exc from None
        if not whole:
            raise QzfsgError(
                "备份副本未通过核对（完整性检查或行数不符），已删除；数据库未作改动，请再试一次。"
            )
        _replace(staging, archive)
        os.replace(building, target)
    finally:
        building.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
    report = BackupReport(
        database=str(source), backup=str(target), archive=str(archive), rows=rows,
        archived_files=copied, missing=missing,
    )  # fmt: skip
    if missing:
        raise DataError(
            f"已备份到 {target}，但有 {len(missing)} 个归档文件缺失或内容已变，未能备份："
            f"{'、'.join(missing[:3])}{'等' if len(missing) > 3 else ''}。请运行 qzfsg check 查看。"
        )
    return report


def _copy_file(
    source: Path, building: Path, staging: Path
) -> tuple[dict[str, int], int, list[str]]:
    """SQLite's online backup into `building`, the archive into `staging`: the rows of
    each table, the files copied, those missing."""
    rows, referenced = copy_snapshot(open_reader(source), building, _contents)
    missing = _copy_archive(referenced, archive_folder(source), staging)
    return rows, len(referenced) - len(missing), missing


def _copy_server(
    source: ServerAddress, building: Path, staging: Path
) -> tuple[dict[str, int], int, list[str]]:
    """`qzfsg copy` of the server database into `building` (its archive into the folder
    beside it, then moved to `staging`): the same."""
    report = copy_database(source, building)
    one_file(building)
    archive_folder(building).rename(staging)
    # the file's own archive table is empty: its files are in the folder
    return {**report.tables, ARCHIVE_TABLE: 0}, report.archived_files, report.missing


def _contents(connection: sqlite3.Connection) -> tuple[dict[str, int], dict[str, str]]:
    """What the snapshot holds: the rows of each table, and the archive files it refers
    to (folder/name: sha256)."""
    referenced = {
        str(archived_path(Path(), digest, parse_reference(reference)[1])): digest
        for digest, reference in references(connection)
    }
    return table_rows(connection), referenced


def _copy_archive(referenced: dict[str, str], source: Path, staging: Path) -> list[str]:
    """Copy each archive file, checked against its sha256; the names missing or altered."""
    missing = []
    for name, digest in sorted(referenced.items()):
        origin = source / name
        data = origin.read_bytes() if origin.is_file() else None
        if data is None or file_sha256(data) != digest:
            missing.append(str(origin))
            continue
        copy = staging / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        with copy.open("wb") as file:
            file.write(data)
            os.fsync(file.fileno())
    return missing


def _replace(staging: Path, archive: Path) -> None:
    """Put the new archive copy in place of the old one (if any)."""
    staging.mkdir(parents=True, exist_ok=True)
    if archive.exists():
        old = archive.with_name(f".{archive.name}.old-{os.getpid()}")
        archive.rename(old)
        staging.rename(archive)
        shutil.rmtree(old, ignore_errors=True)
    else:
        staging.rename(archive)
