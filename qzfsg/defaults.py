"""The clerk-editable defaults in `data/`: unit registry, indicators, campaign calendar.

In a source checkout they are read from the top-level `data/` folder; an installed wheel
carries the same files inside the package (see pyproject.toml). Plain dataclasses, checked
here as they are read: `rank` reads the indicators at every start, which pydantic would
double (issue 13).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from qzfsg.errors import QzfsgError
from qzfsg.kinds import KIND_WORDS, UnitKind

UNIT_COLUMNS = ("名称", "类别")


def data_dir() -> Path:
    packaged = Path(__file__).parent / "data"
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / "data"
    if checkout.is_dir():
        return checkout
    raise QzfsgError("找不到 qzfsg 的默认数据文件夹 data/，安装可能不完整，请重新安装。")


@dataclass(kw_only=True, slots=True)
class IndicatorDef:
    code: str
    label: str
    short: str  # for narrow tables: 执法活动 for the long 组织（包括…）执法活动
    unit: str
    decimals: int = 0
    synonyms: list[str] = field(default_factory=list)

    @property
    def whole(self) -> bool:
        return self.decimals == 0


@dataclass(kw_only=True, slots=True)
class UnitDef:
    name: str
    kind: UnitKind
    aliases: list[str] = field(default_factory=list)


@dataclass(kw_only=True, slots=True)
class DeadlineDef:
    item: str
    who: str = "all"  # all | town | department | units
    units: list[str] = field(default_factory=list)
    due: date | None = None
    monthly_day: int | None = None  # 0: the month's last day
    from_month: int | None = None
    to_month: int | None = None


@dataclass(kw_only=True, slots=True)
class CalendarDef:
    year: int
    first_month: int
    last_month: int
    shift_to_workday: bool = False
    deadlines: list[DeadlineDef]


def read_toml(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise QzfsgError(f"无法读取配置文件 {path}：{exc}") from None


def load_indicators(path: Path | None = None) -> list[IndicatorDef]:
    path = path or data_dir() / "indicators.toml"
    return [_indicator(row, path) for row in read_toml(path)["indicator"]]


def _indicator(row: dict[str, Any], path: Path) -> IndicatorDef:
    """One [[indicator]] of the file, each key of the type it must have."""
    where = f"配置文件 {path} 中的指标 {row.get('code', '（缺 code）')}"
    for key in ("code", "label", "short", "unit"):
        if not isinstance(row.get(key), str):
            raise QzfsgError(f"{where}：{key} 应为文字。")
    decimals = row.get("decimals", 0)
    if isinstance(decimals, bool) or not isinstance(decimals, int):
        raise QzfsgError(f"{where}：decimals 应为整数。")
    synonyms = row.get("synonyms", [])
    if not (isinstance(synonyms, list) and all(isinstance(s, str) for s in synonyms)):
        raise QzfsgError(f'{where}：synonyms 应为一组文字，如 ["执法活动"]。')
    return IndicatorDef(
        code=row["code"], label=row["label"], short=row["short"], unit=row["unit"],
        decimals=decimals, synonyms=list(synonyms),
    )  # fmt: skip


@cache
def default_indicators() -> tuple[IndicatorDef, ...]:
    """The indicators of data/indicators.toml, read once per process."""
    return tuple(load_indicators())


def parse_kind(text: str, where: str) -> UnitKind:
    kind = KIND_WORDS.get(text.strip())
    if kind is None:
        raise QzfsgError(f"{where}：类别“{text}”无法识别，应为“镇”或“部门”。")
    return kind  # type: ignore[return-value]


def split_aliases(text: str | None) -> list[str]:
    if not text:
        return []
    for sep in "；;、，,|":
        text = text.replace(sep, ";")
    return [a.strip() for a in text.split(";") if a.strip()]


def unit_defs(records: Iterable[tuple[int, dict[str, str]]], source: str) -> list[UnitDef]:
    """Units from (line, {名称, 类别, 别名}) records; aliases separated by ; or 、."""
    units = []
    for line, row in records:
        name = (row.get("名称") or "").strip()
        if not name:
            continue
        kind = parse_kind(row.get("类别") or "", f"{source} 第 {line} 行")
        units.append(UnitDef(name=name, kind=kind, aliases=split_aliases(row.get("别名"))))
    return units


def load_units(path: Path | None = None) -> list[UnitDef]:
    path = path or data_dir() / "units.csv"
    from qzfsg.tables import read_records

    return unit_defs(read_records(path, UNIT_COLUMNS), str(path))


def load_calendar(year: int | None = None, path: Path | None = None) -> CalendarDef:
    """The campaign calendar, with every date moved to `year` when one is given."""
    raw = read_toml(path or data_dir() / "calendar.toml")
    campaign = raw["campaign"]
    year = year or int(campaign["year"])
    deadlines = []
    for row in raw.get("deadline", []):
        who = row.get("who", "all")
        units = list(row.get("units", []))
        deadline = DeadlineDef(
            item=row["item"],
            who="units" if units else who,
            units=units,
            due=date.fromisoformat(f"{year}-{row['due']}") if "due" in row else None,
            monthly_day=row.get("day", 0) if row.get("monthly") else None,
            from_month=row.get("from"),
            to_month=row.get("to"),
        )
        deadlines.append(deadline)
    return CalendarDef(
        year=year,
        first_month=int(campaign.get("first_month", 5)),
        last_month=int(campaign.get("last_month", 12)),
        shift_to_workday=bool(campaign.get("shift_to_workday", False)),
        deadlines=deadlines,
    )
