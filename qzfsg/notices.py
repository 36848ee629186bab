"""The texts the office sends out (退回意见, 核实提醒, 催报, the group messages) as data.

Each notice is built once and has two forms: `text`, the plain message that pastes into QQ
(what `findings` and `overdue --message` print), and its parts (title, 主送 unit, opening,
numbered items, closing, date), which `qzfsg.documents` lays out as an office notice. The
files written into the clerk's folder are planned here, checked, then written."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from qzfsg.filenames import inside, safe_filename

OFFICE = "汨罗市安委办"  # as the office signs a QQ message
OFFICE_FULL = "汨罗市安全生产委员会办公室"  # as it signs a notice on paper


@dataclass(kw_only=True, slots=True)
class Notice:
    kind: str  # 退回意见 | 核实提醒 | 催报 | 逾期提醒 | 催报通报 | 审核情况
    unit: str | None  # the unit it is addressed to (主送); None: the work group
    title: str  # the notice's title on paper
    subject: str  # what it is about, for the file name: 2018年9月, 2018年10月15日
    opening: str
    items: list[str] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)
    day: date  # the date it is signed

    @property
    def text(self) -> str:
        """The message to paste into QQ: never wrapped, signed with the office's short name."""
        head = (
            f"【{self.kind}】{self.unit}：{self.opening}"
            if self.unit
            else f"【{self.kind}】{self.opening}"
        )
        numbered = [f"{n}. {item}" for n, item in enumerate(self.items, start=1)]
        return "\n".join([head, *numbered, *self.closing, f"——{OFFICE}"])

    @property
    def file_stem(self) -> str:
        to = self.unit if self.unit is not None else "群消息"
        return safe_filename(f"{to}-{self.subject}{self.kind}")


def notice_files(notices: list[Notice], folder: Path, docx: bool) -> list[tuple[Notice, Path]]:
    """Where each notice goes in `folder`: `<unit>-<subject><kind>.txt` (and `.docx` for a
    unit's notice when asked; a group message is only pasted, never printed). Two notices
    that would share a name (two unplaced files, say) are numbered."""
    planned: list[tuple[Notice, Path]] = []
    taken: set[str] = set()
    for notice in notices:
        stem, n = notice.file_stem, 1
        while stem in taken:
            n += 1
            stem = f"{notice.file_stem}（{n}）"
        taken.add(stem)
        planned.append((notice, inside(folder, f"{stem}.txt")))
        if docx and notice.unit is not None:
            planned.append((notice, inside(folder, f"{stem}.docx")))
    return planned


def write_notice_files(planned: list[tuple[Notice, Path]]) -> list[Path]:
    """Write what `notice_files` planned. Text in UTF-8 with a byte-order mark and Windows
    line ends, so that Notepad on the office's Windows opens it as written."""
    written = []
    for notice, path in planned:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".docx":
            from qzfsg.documents import write_notice

            write_notice(notice, path)
        else:
            path.write_text(notice.text + "\n", encoding="utf-8-sig", newline="\r\n")
        written.append(path)
    return written
