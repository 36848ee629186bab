"""The refusal of a file that cannot be read as a return, with its finding code."""

from __future__ import annotations

from pathlib import Path

from qzfsg.errors import DataError
from qzfsg.inert import shown_name


class UnreadableReturn(DataError):
    """The file cannot be read as a return; `code` is its finding code (unreadable,
    encrypted, no_form_sheet, too_big, several_forms…), the message names the file."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def damaged(name: str) -> UnreadableReturn:
    return UnreadableReturn(
        "unreadable",
        f"文件“{name}”已损坏或格式无法识别，无法打开（可能没有传输完整），"
        "请用 Excel 或 WPS 重新另存为 .xlsx 后再发送。",
    )


def crashed(path: Path) -> UnreadableReturn:
    """A file whose reading killed the process reading it, twice (qzfsg.reading.workers)."""
    return UnreadableReturn(
        "unreadable",
        f"文件“{shown_name(path)}”在读取时使读表程序异常退出，无法读取（文件可能已损坏，"
        "或含有异常内容），未录入；请用 Excel 或 WPS 打开后另存为 .xlsx 再发送。",
    )
