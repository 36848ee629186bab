"""`qzfsg backup FILE`: a consistent copy of the database while others work, with its
archive, verified before it is given its name.

The copy is SQLite's online backup of one read snapshot (other commands may go on
writing meanwhile; the copy is the database as it was when the backup began). The
archive files that snapshot refers to are copied, each checked against its sha256, into
the folder where qzfsg looks for the copy's archive (FILE without its suffix, plus
"-archive"), so that the copy is used as it is: `qzfsg status --db FILE`.
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
from qzfsg.storage.db import (
    copy_is_whole,
    copy_snapshot,
    explain,
    open_reader,
    table_rows,
)


class BackupReport(BaseModel):
    """The `--json` shape of `qzfsg backup`."""

    database: str
    backup: str
    archive: str
    rows: dict[str, int]
    archived_files: int
    missing: list[str] = []


def back_up(source: Path, target: Path) -> BackupReport:
    """Copy the database at `source` and its archive to `target` (replacing what is
    there: the CLI asks for --force first). Raises DataError, after making the copy,
    when archive files the database refers to are missing or altered at the source."""
    if target.resolve() == source.resolve():
        raise QzfsgError(f"备份文件 {target} 就是数据库本身；请另选一个文件名。")
    connection = open_reader(source)
    building = target.with_name(f".{target.name}.backup-{os.getpid()}")
    archive = archive_folder(target)
    staging = archive.with_name(f".{archive.name}.backup-{os.getpid()}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            rows, referenced = copy_snapshot(connection, building, _contents)
            whole = copy_is_whole(building, rows)
        except sqlite3.Error as exc:  # the copy's disk (full, read-only…), not the database's
            raise explain(exc, target) or exc from None
        if not whole:
            raise QzfsgError(
                "备份副本未通过核对（完整性检查或行数不符），已删除；数据库未作改动，请再试一次。"
            )
        missing = _copy_archive(referenced, archive_folder(source), staging)
        _replace(staging, archive)
        os.replace(building, target)
    finally:
        building.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
    report = BackupReport(
        database=str(source), backup=str(target), archive=str(archive), rows=rows,
        archived_files=len(referenced) - len(missing), missing=missing,
    )  # fmt: skip
    if missing:
        raise DataError(
            f"已备份到 {target}，但有 {len(missing)} 个归档文件缺失或内容已变，未能备份："
            f"{'、'.join(missing[:3])}{'等' if len(missing) > 3 else ''}。请运行 qzfsg check 查看。"
        )
    return report


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
