"""A notice to one unit (退回意见, 核实提醒, 催报) as an office document: title, 主送 unit,
the body with its numbered points, the office's name and the date."""

from __future__ import annotations

from pathlib import Path

from qzfsg.documents.layout import addressee, body, new_document, save, signature, title
from qzfsg.notices import OFFICE_FULL, Notice


def write_notice(notice: Notice, path: Path) -> Path:
    document = new_document(notice.title)
    title(document, notice.title)
    if notice.unit:
        addressee(document, notice.unit)
    body(document, notice.opening)
    for n, item in enumerate(notice.items, start=1):
        body(document, f"{n}. {item}")
    for line in notice.closing:
        body(document, line)
    signature(document, OFFICE_FULL, notice.day)
    return save(document, path)
