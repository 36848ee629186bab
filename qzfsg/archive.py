"""Received files kept beside the database, named by content (sha256), never by a name
taken from the file, so nothing a unit sends can choose where it lands."""

from __future__ import annotations

import hashlib
import os
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from qzfsg.errors import QzfsgError


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive_bytes(data: bytes, digest: str, suffix: str, folder: Path) -> Path:
    """Write `data` as folder/ab/<sha256><suffix> (once); return the path."""
    suffix = suffix.lower() if suffix.lower().lstrip(".").isalnum() else ""
    target = folder / digest[:2] / f"{digest}{suffix}"
    if target.exists():
        return target
    try:
        _make_folder(target.parent)
        partial = target.with_name(target.name + ".part")
        partial.write_bytes(data)
        os.replace(partial, target)
    except OSError as exc:
        raise QzfsgError(f"无法把文件存入归档文件夹 {folder}：{exc}") from None
    return target


@lru_cache(maxsize=1024)
def _make_folder(folder: Path) -> None:
    """Create once per process: an import run writes hundreds of files into 256 folders."""
    folder.mkdir(parents=True, exist_ok=True)


def file_time(path: Path) -> datetime:
    """When the file was last saved (as received from QQ or e-mail)."""
    return datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0)
