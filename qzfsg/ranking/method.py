"""The ranking method as data: weights, component shares and the lateness deduction, read
from `data/ranking.toml` (or another file given with `rank --weights`) and checked key by
key, so that a typo in the clerk's copy is a message naming the file and the key, never a
silently different league table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from qzfsg.defaults import data_dir, default_indicators, read_toml
from qzfsg.errors import QzfsgError

INDICATOR_CODES = tuple(i.code for i in default_indicators())
INDICATOR_LABELS = {i.code: i.short for i in default_indicators()}
SHARE_KEYS = ("quantity", "increase", "quality")
QUALITY_KEYS = (
    "cases_per_inspected",
    "fines_per_case",
    "sanctions_per_inspected",
    "officers_per_activity",
    "on_time",
    "first_attempt",
)
RULE_KEYS = (
    "hard_sanctions",
    "officers_required",
    "late_deduction_per_day",
    "late_deduction_cap",
)
TIE_BREAK = "总分相同时依次比较比质量、比数量、比增量（均取一位小数），仍相同按名册顺序。"
AGGREGATION = "季度、年度得分为本期各月得分的平均，应报而未报的月份按 0 分计，未到期的月份不计。"


@dataclass(frozen=True)
class RankingMethod:
    name: str
    source: str
    shares: dict[str, Fraction]  # points out of 100, by component
    weights: dict[str, Fraction]  # by indicator code, for 比数量 and 比增量
    quality: dict[str, Fraction]  # by quality item
    hard_sanctions: tuple[str, ...]
    officers_required: Fraction
    late_deduction_per_day: Fraction
    late_deduction_cap: Fraction

    @property
    def builtin(self) -> bool:
        """The method shipped with qzfsg: its file lies where qzfsg is installed, which
        means nothing to the clerk."""
        return self.source == str(default_method_path())

    def late_deduction(self, days_late: int | None) -> Fraction:
        if not days_late or days_late <= 0:
            return Fraction(0)
        return min(self.late_deduction_cap, self.late_deduction_per_day * days_late)

    def summary(self) -> dict[str, Any]:
        """The method as plain data, for `--json` and for the table's caption."""
        return {
            "name": self.name,
            "file": None if self.builtin else self.source,
            "shares": _decimals(self.shares),
            "weights": _decimals(self.weights),
            "quality": _decimals(self.quality),
            "hard_sanctions": list(self.hard_sanctions),
            "officers_required": as_decimal(self.officers_required),
            "late_deduction_per_day": as_decimal(self.late_deduction_per_day),
            "late_deduction_cap": as_decimal(self.late_deduction_cap),
            "tie_break": TIE_BREAK,
            "aggregation": AGGREGATION,
        }


def as_decimal(value: Fraction) -> Decimal:
    """A configured number back as the Decimal the clerk wrote (they are all finite)."""
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.normalize() if exact != exact.to_integral() else exact.quantize(Decimal(1))


def _decimals(values: dict[str, Fraction]) -> dict[str, Decimal]:
    return {key: as_decimal(value) for key, value in values.items()}


def default_method_path() -> Path:
    return data_dir() / "ranking.toml"


class _Reader:
    """Reads one method file; every complaint names the file and the dotted key."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, text: str) -> QzfsgError:
        return QzfsgError(f"排名方法文件 {self.path}：{text}")

    def table(self, raw: dict, key: str, expected: tuple[str, ...]) -> dict[str, Any]:
        found = raw.get(key)
        if found is None:
            raise self.fail(
                f"缺少 [{key}] 一节。请对照默认方法（qzfsg rank --write-weights 另存一份）补上。"
            )
        if not isinstance(found, dict):
            raise self.fail(f"{key} 应为一节（[{key}]），不是单个值。")
        for name in expected:
            if name not in found:
                raise self.fail(
                    f"缺少键 {key}.{name}。请对照默认方法（qzfsg rank --write-weights 另存一份）补上。"
                )
        unknown = sorted(set(found) - set(expected))
        if unknown:
            raise self.fail(
                f"键 {key}.{unknown[0]} 无法识别；{key} 下可用的键：{'、'.join(expected)}。"
            )
        return found

    def number(self, value: Any, key: str, positive: bool = False) -> Fraction:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(f"键 {key} 应为数字，现为“{value}”。")
        exact = Decimal(str(value))
        if not exact.is_finite() or exact < 0 or (positive and exact == 0):
            need = "大于 0 的数" if positive else "不小于 0 的数"
            raise self.fail(f"键 {key} 应为{need}，现为 {value}。")
        return Fraction(exact)

    def group(self, raw: dict, key: str, expected: tuple[str, ...]) -> dict[str, Fraction]:
        found = self.table(raw, key, expected)
        numbers = {name: self.number(found[name], f"{key}.{name}") for name in expected}
        if not any(numbers.values()):
            raise self.fail(f"{key} 下的权重不能全为 0。")
        return numbers


def load_method(path: Path | None = None) -> RankingMethod:
    """The method in `path` (default: data/ranking.toml), checked key by key."""
    path = path or default_method_path()
    if not path.is_file():
        raise QzfsgError(f"找不到排名方法文件 {path}。")
    raw = read_toml(path)
    reader = _Reader(path)
    allowed = ("name", "shares", "weights", "quality", "rules")
    unknown = sorted(set(raw) - set(allowed))
    if unknown:
        raise reader.fail(f"键 {unknown[0]} 无法识别；可用的键：{'、'.join(allowed)}。")
    name = raw.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise reader.fail("键 name 应为方法的名称（文字）。")
    shares = reader.group(raw, "shares", SHARE_KEYS)
    if sum(shares.values()) != 100:
        total = as_decimal(sum(shares.values(), Fraction(0)))
        raise reader.fail(f"shares 下三项（比数量、比增量、比质量）之和应为 100，现为 {total}。")
    rules = reader.table(raw, "rules", RULE_KEYS)
    hard = rules["hard_sanctions"]
    if not isinstance(hard, list) or not all(isinstance(c, str) for c in hard):
        raise reader.fail('键 rules.hard_sanctions 应为指标代码的列表，如 ["suspensions"]。')
    bad = [c for c in hard if c not in INDICATOR_CODES]
    if bad:
        raise reader.fail(
            f"键 rules.hard_sanctions 中的“{bad[0]}”不是指标代码；可用：{'、'.join(INDICATOR_CODES)}。"
        )
    return RankingMethod(
        name=name.strip(),
        source=str(path),
        shares=shares,
        weights=reader.group(raw, "weights", INDICATOR_CODES),
        quality=reader.group(raw, "quality", QUALITY_KEYS),
        hard_sanctions=tuple(dict.fromkeys(hard)),
        officers_required=reader.number(
            rules["officers_required"], "rules.officers_required", positive=True
        ),
        late_deduction_per_day=reader.number(
            rules["late_deduction_per_day"], "rules.late_deduction_per_day"
        ),
        late_deduction_cap=reader.number(rules["late_deduction_cap"], "rules.late_deduction_cap"),
    )
