"""The refusal of a file that cannot be read as a return, with its finding code."""

from __future__ import annotations

from qzfsg.errors import DataError


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
