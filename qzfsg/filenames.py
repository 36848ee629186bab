"""File names made from unit names, for everything written into a folder the clerk named
(templates, 退回意见, 催报): safe on Windows and Linux, and never outside that folder."""

from __future__ import annotations

import unicodedata
from pathlib import Path

from qzfsg.errors import QzfsgError

_NOT_IN_FILE_NAMES = set('<>:"/\\|?*')
_RESERVED_NAMES = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(10)
}
MAX_NAME = 80


def safe_filename(text: str, fallback: str = "未命名") -> str:
    """A file name from a unit name that stays in its folder on Windows and Linux: path
    separators and reserved characters become _, control characters go, leading and
    trailing dots and spaces go (no "..", no hidden file), and CON, NUL, COM1… get a
    leading _."""
    name = "".join(
        "_" if ch in _NOT_IN_FILE_NAMES else ch
        for ch in unicodedata.normalize("NFC", text)
        if not unicodedata.category(ch).startswith("C")  # control, format, unassigned
    )
    name = name.strip(" .\u3000")[:MAX_NAME].strip(" .\u3000") or fallback
    if name.split(".")[0].upper() in _RESERVED_NAMES:
        name = f"_{name}"
    return name


def inside(folder: Path, name: str) -> Path:
    """`folder / name`, refusing anything that would land elsewhere."""
    target = folder / name
    if target.resolve().parent != folder.resolve():
        raise QzfsgError(f"文件名“{name}”不安全（会写到文件夹 {folder} 之外），已停止。")
    return target
