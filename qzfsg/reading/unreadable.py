"""The refusal of a file that cannot be read as a return, with its finding code."""

from __future__ import annotations

from qzfsg.errors import DataError


class UnreadableReturn(DataError):
    """The file cannot be read as a return; `code` is its finding code (unreadable,
    encrypted, no_form_sheet, too_big, several_forms…), the message names the file."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
