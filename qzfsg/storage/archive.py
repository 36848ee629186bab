"""The received files, kept as they came, named by content (sha256), never by a name
taken from the file, so nothing a unit sends can choose where it lands.

Where they are kept depends on the database (`archive_for`):
- a SQLite file: in the folder beside it (`FolderArchive`, "qzfsg-archive/ab/<sha256>.xlsx"),
  each file durable on disk before the row that refers to it is committed;
- a server database: in the database itself (`DatabaseArchive`, table archived_file),
  written in the transaction of the row that refers to it, so that every clerk's machine
  reads the same files and a rollback leaves nothing behind.

Both have the same small interface (`Archive`): `put` keeps bytes and gives the reference
stored in the rows' `archive_path`; `read` gives the bytes of a reference back (checked
against its sha256); `stored` lists the references of all that is kept, `remove` takes
one file away. A reference from either archive is read by both: only the sha256 and the
suffix at its end count (`parse_reference`), so rows copied from one database to another
keep their `archive_path`.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from contextlib import suppress
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from qzfsg.errors import QzfsgError
from qzfsg.queries import archive as queries
from qzfsg.storage.db import take_write_lock
from qzfsg.storage.faults import NOTHING_WRITTEN, os_reason
from qzfsg.storage.server import ServerAddress

PARTIAL_SUFFIX = ".part"  # a temporary file left by an import that was killed


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# The end of every reference: <sha256><suffix>.
REFERENCE_END = re.compile(r"([0-9a-f]{64})(\.[0-9a-z]+)?$")
# A reference to a file kept in the database: "database:<sha256><suffix>".
IN_DATABASE = "database:"


def _clean_suffix(suffix: str) -> str:
    return suffix.lower() if suffix.lower().lstrip(".").isalnum() else ""


def archived_path(folder: Path, digest: str, suffix: str) -> Path:
    """Where the bytes with this sha256 are kept: folder/ab/<sha256><suffix>."""
    return folder / digest[:2] / f"{digest}{_clean_suffix(suffix)}"


def parse_reference(reference: str) -> tuple[str, str]:
    """(sha256, suffix) of a reference from either archive; ValueError if it has none."""
    found = REFERENCE_END.search(reference)
    if found is None:
        raise ValueError(f"not an archive reference: {reference!r}")
    return found.group(1), found.group(2) or ""


class ArchivedFileMissing(Exception):
    """The file a row refers to is not in the archive, or (`altered`) its bytes are not
    the ones received (their sha256 differs): the caller says what it cannot do without it."""

    def __init__(self, reference: str, altered: bool = False):
        super().__init__(reference)
        self.reference, self.altered = reference, altered


class Archive(ABC):
    """Where the received files of one database are kept. `connection` is the one the
    caller works in (a DB-API connection or a session): the database archive writes and
    reads in its transaction; the folder archive does not use it."""

    # Whether `put` belongs to the caller's transaction (else it is durable at once and
    # may run before the transaction, on another thread).
    in_transaction: bool
    shown: str  # where the files are, in the clerk's words (a folder; 数据库内)

    @abstractmethod
    def put(self, connection: Any, data: bytes, digest: str, suffix: str) -> str:
        """Keep `data` (whose sha256 is `digest`; `suffix` is the received file's, e.g.
        ".xlsx"), once however often it is put; the reference to store in `archive_path`."""

    @abstractmethod
    def _fetch(self, connection: Any, digest: str, suffix: str) -> bytes | None: ...

    def read(self, connection: Any, reference: str) -> bytes:
        """The bytes of the file `reference` names; ArchivedFileMissing if they are gone or
        are not those received."""
        digest, suffix = parse_reference(reference)
        data = self._fetch(connection, digest, suffix)
        if data is None:
            raise ArchivedFileMissing(reference)
        if file_sha256(data) != digest:
            raise ArchivedFileMissing(reference, altered=True)
        return data

    @abstractmethod
    def stored(self, connection: Any) -> list[str]:
        """The reference of every file kept, referred to by a row or not, sorted."""

    @abstractmethod
    def remove(self, connection: Any, reference: str) -> bool:
        """Take away a file no row refers to (`qzfsg check --fix`); whether it was."""


class FolderArchive(Archive):
    """The folder beside a SQLite database file."""

    in_transaction = False

    def __init__(self, folder: Path):
        self.folder = folder
        self.shown = str(folder)

    def put(self, connection: Any, data: bytes, digest: str, suffix: str) -> str:
        return str(archive_bytes(data, digest, suffix, self.folder))

    def path(self, digest: str, suffix: str) -> Path:
        return archived_path(self.folder, digest, suffix)

    def _fetch(self, connection: Any, digest: str, suffix: str) -> bytes | None:
        try:
            return self.path(digest, suffix).read_bytes()
        except OSError:
            return None

    def stored(self, connection: Any) -> list[str]:
        return sorted(str(f) for f in self.folder.glob("??/*") if self.is_kept(f))

    def is_kept(self, file: Path) -> bool:
        """A file of the archive (not a temporary one): folder/ab/<sha256><suffix>."""
        return (
            REFERENCE_END.fullmatch(file.name) is not None
            and file.parent.name == file.name[:2]
            and file.is_file()
        )

    def remove(self, connection: Any, reference: str) -> bool:
        file = self.path(*parse_reference(reference))
        if not self.is_kept(file):
            return False
        file.unlink(missing_ok=True)
        return True


class DatabaseArchive(Archive):
    """The table archived_file of a server database."""

    in_transaction = True

    def __init__(self, address: ServerAddress):
        self.shown = f"数据库 {address} 内"

    def put(self, connection: Any, data: bytes, digest: str, suffix: str) -> str:
        # Under the write lock until the commit, so that `check --fix` (which takes it to
        # remove files no row refers to) cannot take this one between here and the commit.
        take_write_lock(connection)
        queries.store_file(connection, digest, data)
        return f"{IN_DATABASE}{digest}{_clean_suffix(suffix)}"

    def _fetch(self, connection: Any, digest: str, suffix: str) -> bytes | None:
        return queries.file_data(connection, digest)

    def stored(self, connection: Any) -> list[str]:
        return [f"{IN_DATABASE}{digest}" for digest in queries.stored_digests(connection)]

    def remove(self, connection: Any, reference: str) -> bool:
        take_write_lock(connection)  # see put
        return queries.remove_unreferenced(connection, parse_reference(reference)[0])


def kept_as(archive: Archive, reference: str) -> str:
    """The reference as this archive keeps the file: a path recorded by an import run in
    another folder, or before the database was moved, is found by name beside it."""
    if isinstance(archive, FolderArchive) and REFERENCE_END.search(reference):
        return str(archive.path(*parse_reference(reference)))
    return reference


def archive_folder(path: Path) -> Path:
    """The archive folder of the database file at `path`: qzfsg.db → qzfsg-archive."""
    return path.parent / f"{path.stem}-archive"


def archive_for(where: Path | ServerAddress) -> Archive:
    """The archive of the database at `where` (a file, or an address on a server)."""
    if isinstance(where, ServerAddress):
        return DatabaseArchive(where)
    return FolderArchive(archive_folder(where))


def archive_bytes(data: bytes, digest: str, suffix: str, folder: Path) -> Path:
    """Write `data` as folder/ab/<sha256><suffix> (once) and return the path; durable
    before the caller commits. Several imports may write the same file at once: each
    writes its own temporary file (*.part) beside the target, flushes it to disk and
    renames it into place, so the target is always whole and every writer succeeds."""
    target = archived_path(folder, digest, suffix)
    if target.exists():
        return target
    try:
        _make_folder(target.parent)
        handle, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{digest[:16]}-", suffix=PARTIAL_SUFFIX
        )
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            with suppress(OSError):
                os.unlink(temporary)
            raise
        _sync_folder(target.parent)  # the rename itself
    except OSError as exc:
        raise QzfsgError(
            f"无法把文件存入归档文件夹 {folder}（{os_reason(exc)}）。{NOTHING_WRITTEN}"
        ) from None
    return target


@lru_cache(maxsize=1024)
def _make_folder(folder: Path) -> None:
    """Create once per process (an import run writes hundreds of files into 256 folders),
    each new folder's entry flushed to disk in its parent."""
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    for created in reversed(missing):
        _sync_folder(created.parent)


def _sync_folder(folder: Path) -> None:
    """Flush a folder's entries (a new name, a rename) to disk. POSIX only: elsewhere a
    folder cannot be opened, and the file system journals renames itself."""
    if os.name != "posix":
        return
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def file_time(path: Path) -> datetime:
    """When the file was last saved (as received from QQ or e-mail)."""
    return datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
