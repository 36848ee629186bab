"""Received times that do not depend on file times: the manifest of a batch, and a warning
when the file times given by the disk are evidently not the times the files came in.

A batch saved from e-mail or QQ gets the time it was saved as every file's modification
time; the clerk writes the real ones in a manifest (csv or xlsx): 文件, 收到时间, and
optionally 单位 and 月份 for each file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from qzfsg.campaign import Campaign
from qzfsg.errors import DataError, QzfsgError
from qzfsg.months import Month
from qzfsg.reading.form import column_letters
from qzfsg.tables import find_records, read_rows
from qzfsg.timestamps import parse_received

MANIFEST_COLUMNS = ("文件", "收到时间")
SAME_MOMENT = timedelta(seconds=5)  # several files "received" within seconds: copied at once
SAME_MOMENT_FILES = 3
LONG_AFTER = timedelta(days=90)  # after the campaign's last month: not a received time


@dataclass(frozen=True, slots=True)
class ManifestRow:
    path: Path
    received: datetime
    unit: str | None  # as written; the importer resolves it
    month: Month | None


def read_manifest(manifest: Path) -> list[ManifestRow]:
    """The files of a manifest with their received times (and units, months), files named
    relative to the manifest's folder. Every problem is named by row and column, all at
    once, and nothing is imported."""
    header, records = find_records(read_rows(manifest), MANIFEST_COLUMNS, str(manifest))
    letters = {name: column_letters(i) for i, name in enumerate(header) if name}
    found, problems = [], []
    for line, row in records:

        def where(column: str, line: int = line) -> str:
            return f"第 {line} 行“{column}”（{letters[column]}{line}）"

        name = row.get("文件", "")
        path = manifest.parent / name if name else None
        if path is None:
            problems.append(f"{where('文件')}没有填文件名")
        elif not path.is_file():
            problems.append(f"{where('文件')}：找不到文件“{name}”（相对清单所在的文件夹）")
        received = _parsed(row.get("收到时间", ""), parse_received, where("收到时间"), problems)
        month = None
        if row.get("月份"):
            month = _parsed(row["月份"], Month.parse, where("月份"), problems)
        if path is not None and received is not None:
            found.append(ManifestRow(path, received, row.get("单位") or None, month))
    if problems:
        raise DataError(
            f"清单 {manifest} 有 {len(problems)} 处问题，未导入任何文件："
            + "；".join(problems)
            + "。"
        )
    if not found:
        raise DataError(f"清单 {manifest} 中没有要导入的文件。")
    return sorted(found, key=lambda r: r.received)


def _parsed(text: str, parse, where: str, problems: list[str]):
    if not text:
        problems.append(f"{where}没有填")
        return None
    try:
        return parse(text)
    except QzfsgError as exc:
        problems.append(f"{where}：{exc}".rstrip("。"))
        return None


def doubtful_times(times: list[datetime], campaign: Campaign, now: datetime) -> str | None:
    """Why the files' modification times are evidently not when they were received (None:
    they may well be): several within seconds of each other, later than now, or long after
    the campaign's last month."""
    if not times:
        return None
    if len(times) >= SAME_MOMENT_FILES and max(times) - min(times) <= SAME_MOMENT:
        return (
            f"{len(times)} 个文件的修改时间相差不到 {SAME_MOMENT.seconds} 秒，像是一次复制或保存的"
        )
    if max(times) > now:
        return f"有文件的修改时间（{max(times):%Y-%m-%d %H:%M}）晚于现在"
    end = datetime.combine(campaign.last.last_day, datetime.max.time())
    if min(times) > end + LONG_AFTER:
        return f"修改时间都在行动结束（{campaign.last.label}）{LONG_AFTER.days} 天以后"
    return None
