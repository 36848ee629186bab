"""Received files kept beside the database, named by content (sha256), never by a name
taken from the file, so nothing a unit sends can choose where it lands."""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import suppress
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from qzfsg.errors import QzfsgError
from qzfsg.storage.faults import NOTHING_WRITTEN, os_reason

PARTIAL_SUFFIX = ".part"  # a temporary file left by an import that was killed


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archived_path(folder: Path, digest: str, suffix: str) -> Path:
    """Where the bytes with this sha256 are kept: folder/ab/<sha256><suffix>."""
    suffix = suffix.lower() if suffix.lower().lstrip(".").isalnum() else ""
    return folder / digest[:2] / f"{digest}{suffix}"


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
