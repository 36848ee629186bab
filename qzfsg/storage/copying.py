"""`qzfsg copy SOURCE DEST`: a whole database with its archive, into a new file or an empty
server database, either way (a SQLite file to PostgreSQL and back, or file to file,
server to server), verified before it is kept.

The source is read in one read-only transaction (others may go on working; the copy is
the database as it was at its start). Every table of the schema goes over in the order
of its foreign keys, ids kept, a batch of rows at a time; the archive goes file by file
through the archive interface (qzfsg.storage.archive), so that it changes kind on the
way: the folder beside a file becomes the table archived_file of a server database and
back. The rows keep their `archive_path`: either archive reads the other's references.

All of it is written in one transaction on DEST (a new file is built under a hidden name
beside it), checked in that transaction against the source (rows and sums per table,
every archived file read back by its sha256), and only then committed and given its
name: a failure, a mismatch or Ctrl-C leaves DEST as it was.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from qzfsg.errors import DataError, QzfsgError
from qzfsg.queries import copying as queries
from qzfsg.queries.archive import references_by_file
from qzfsg.storage.archive import (
    Archive,
    ArchivedFileMissing,
    FolderArchive,
    archive_folder,
    archive_for,
    kept_as,
    parse_reference,
)
from qzfsg.storage.db import Where, new_database, open_snapshot, take_write_lock
from qzfsg.storage.faults import os_reason
from qzfsg.storage.server import ServerAddress, connect

if TYPE_CHECKING:
    from sqlalchemy import Table


class CopyReport(BaseModel):
    """The `--json` shape of `qzfsg copy`."""

    source: str
    dest: str
    archive: str  # where DEST keeps the files: a folder, or 数据库 … 内
    tables: dict[str, int]  # rows copied per table, in the order written
    archived_files: int  # files copied, each read back from DEST and checked by its sha256
    missing: list[str] = []  # files the source refers to but lacks or has altered


# The table of the server's archive: its rows travel as archive files, not as rows.
ARCHIVE_TABLE = "archived_file"


@lru_cache(maxsize=1)
def copied_tables() -> list[Table]:
    """The tables a copy writes, parents before the tables that refer to them."""
    from sqlmodel import SQLModel

    from qzfsg import models  # noqa: F401  (the tables are defined there)

    return [t for t in SQLModel.metadata.sorted_tables if t.name != ARCHIVE_TABLE]


def _summed(table: Table) -> list[str]:
    """The columns summed in the check after copying: the whole numbers (ids, amounts)."""
    from sqlalchemy import Integer

    from qzfsg.models import Fixed4

    return [c.name for c in table.columns if isinstance(c.type, Integer | Fixed4)]


def copy_database(source: Where, dest: Where) -> CopyReport:
    """Copy the database at `source` with its archive into `dest` (a new file, or an empty
    server database); the report. Refused (QzfsgError, nothing written) when DEST holds
    anything or SOURCE is not at this program's schema version; DataError when DEST did
    not match the source after copying (DEST left as it was). Files missing from the
    source's archive are listed in the report's `missing`: the rest is copied."""
    snapshot = open_snapshot(source)
    try:
        _refuse_filled(dest)
        return _copy(snapshot, source, dest)
    finally:
        snapshot.close()  # a read-only transaction: nothing to keep


def _refuse_filled(dest: Where) -> None:
    """DEST must be new (a file, its archive folder) or an empty server database."""
    if isinstance(dest, ServerAddress):
        connection = connect(dest)
        try:
            found = queries.table_names(connection)
        finally:
            connection.close()
        if found:
            shown = "、".join(found[:3]) + ("等" if len(found) > 3 else "")
            raise QzfsgError(
                f"目标数据库 {dest} 中已有 {len(found)} 个数据表（{shown}），未作改动。"
                "只能复制到空的数据库：请管理员新建一个空库（createdb）后再复制。"
            )
        return
    folder = archive_folder(dest)
    if dest.exists() or (folder.is_dir() and any(folder.iterdir())):
        taken = dest if dest.exists() else folder
        raise QzfsgError(f"目标 {taken} 已存在，未作改动。只能复制到新文件：请另选一个文件名。")


def _copy(snapshot: Any, source: Where, dest: Where) -> CopyReport:
    with _dest_archive(dest) as archive, new_database(dest, None) as connection:
        writing = connection.connection.driver_connection
        take_write_lock(writing)
        tables = {}
        for table in copied_tables():
            columns = [c.name for c in table.columns]
            key = [c.name for c in table.primary_key.columns]
            rows = queries.table_rows(snapshot, table.name, columns, key)
            queries.write_rows(writing, table.name, columns, rows)
            if table.autoincrement_column is not None:
                queries.continue_ids(writing, table.name, table.autoincrement_column.name)
        for table in copied_tables():
            expected = queries.tally(snapshot, table.name, _summed(table))
            if queries.tally(writing, table.name, _summed(table)) != expected:
                raise _mismatch(dest, f"表 {table.name} 的行数或合计")
            tables[table.name] = expected[0]
        copied, missing = _copy_files(snapshot, archive_for(source), writing, archive)
        if _files_read_back(writing, archive) != copied:
            raise _mismatch(dest, "归档文件")
        report = CopyReport(
            source=str(source), dest=str(dest), archive=archive_for(dest).shown, tables=tables,
            archived_files=copied, missing=missing,
        )  # fmt: skip
    return report


def _mismatch(dest: Where, what: str) -> DataError:
    return DataError(
        f"复制后核对不符：{dest} 中{what}与源数据库不同。复制已撤销，目标未作改动；请再试一次，"
        "仍不符请运行 qzfsg check 检查源数据库。"
    )


@contextmanager
def _dest_archive(dest: Where) -> Iterator[Archive]:
    """DEST's archive for the block. A file's folder is filled under a hidden name and
    given its name when the block (the database file put in place) ends without error;
    otherwise it is removed, and so is the database file if the folder cannot be placed."""
    if isinstance(dest, ServerAddress):
        yield archive_for(dest)
        return
    folder = archive_folder(dest)
    staging = folder.with_name(f".{folder.name}.copy-{os.getpid()}-{next(_STAGINGS)}")
    try:
        yield FolderArchive(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    try:
        staging.mkdir(exist_ok=True)
        if folder.is_dir():
            folder.rmdir()  # empty (_refuse_filled); one filled meanwhile is not replaced
        os.rename(staging, folder)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        dest.unlink(missing_ok=True)
        raise QzfsgError(
            f"无法建立归档文件夹 {folder}（{os_reason(exc)}），复制已撤销，目标未作改动。"
        ) from None


_STAGINGS = itertools.count(1)  # each copy stages its files in a folder of its own


def _unique_files(connection: Any) -> Iterator[tuple[str, str]]:
    """(sha256, reference) of each archived file the database refers to, once per sha256
    and suffix (rows may refer to the same file by different paths)."""
    last: tuple[str, str] | None = None
    for digest, reference in references_by_file(connection):
        try:
            kept = (digest, parse_reference(reference)[1])
        except ValueError:  # not a reference at all: looked for, and reported missing
            kept = (digest, reference)
        if kept != last:
            last = kept
            yield digest, reference


def _read(archive: Archive, connection: Any, reference: str) -> bytes | None:
    """The file's bytes, None when it is missing, altered or not a reference at all."""
    try:
        return archive.read(connection, reference)
    except (ArchivedFileMissing, ValueError):
        return None


def _copy_files(
    snapshot: Any, source: Archive, writing: Any, dest: Archive
) -> tuple[int, list[str]]:
    """Copy each archived file the source refers to, one at a time: the number copied and
    the files missing or altered in the source's archive (as they are kept there)."""
    copied, missing = 0, []
    for digest, reference in _unique_files(snapshot):
        data = _read(source, snapshot, reference)
        if data is None:
            missing.append(kept_as(source, reference))
            continue
        dest.put(writing, data, digest, parse_reference(reference)[1])
        copied += 1
    return copied, missing


def _files_read_back(writing: Any, archive: Archive) -> int:
    """How many of the files DEST's rows refer to read back whole from DEST's archive."""
    return sum(
        _read(archive, writing, reference) is not None for _, reference in _unique_files(writing)
    )
