"""How a unit name written on a form is reduced to a key and matched to the registry.

Forms name units loosely ("汨罗市归义镇人民政府", "归义镇（盖章）", "公安局"). The key drops what
varies between spellings (white space, full-width forms, the city prefix, seal marks,
organisational suffixes); matching is exact on keys, never a guess.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from qzfsg.inert import inert

CITY = "汨罗市"
# Longest first: each is removed from the end as long as one matches.
SUFFIXES = sorted(
    [
        "人民政府",
        "政府",
        "安监站",
        "安全生产监督管理站",
        "安全生产办公室",
        "安全生产委员会办公室",
        "安委办",
        "安委会",
        "办公室",
        "党委",
        "党政办",
    ],
    key=len,
    reverse=True,
)
_SEAL = re.compile(r"[(（\[【]?\s*(?:盖章|公章|印章|签章)\s*[)）\]】]?")
_SPACE = re.compile(r"\s+")


def unit_key(text: str) -> str:
    """The comparable core of a unit name: 汨罗市归义镇人民政府（盖章） -> 归义镇."""
    key = unicodedata.normalize("NFKC", text)
    key = _SPACE.sub("", _SEAL.sub("", key)).strip(":：;；,，。.")
    key = key.removeprefix(CITY)
    stripped = True
    while stripped and key:
        stripped = False
        for suffix in SUFFIXES:
            if key.endswith(suffix) and len(key) > len(suffix):
                key, stripped = key[: -len(suffix)], True
                break
    return key


def lookup_keys(name: str) -> list[str]:
    """Keys under which a registered name or alias is found: with and without a leading 市."""
    key = unit_key(name)
    keys = [key]
    if key.startswith("市") and len(key) > 2:
        keys.append(key[1:])
    return keys


Status = Literal["resolved", "unknown", "ambiguous", "empty"]
SHOWN_CANDIDATES = 8  # in a message; --json lists them all


def fits(key: str, name_key: str) -> bool:
    """Whether a written key could be short for a registered one: its characters stand in
    it in order (市局 in 市公安局, 归义 in 归义镇)."""
    rest = iter(name_key)
    return all(char in rest for char in key)


@dataclass
class Resolution:
    text: str
    key: str
    status: Status
    unit: str | None = None
    candidates: list[str] = field(default_factory=list)  # ambiguous: the units; unknown: near ones

    @property
    def reason(self) -> str:
        """Why the text did not resolve, as a Chinese phrase (empty when it did)."""
        if self.status == "empty":
            return "未填写单位名称"
        if self.status == "ambiguous":
            named = "、".join(self.candidates[:SHOWN_CANDIDATES])
            if len(self.candidates) > SHOWN_CANDIDATES:
                named += f" 等 {len(self.candidates)} 个单位"
            return f"“{self.text}”可能指 {named}，无法确定是哪一个"
        if self.status == "unknown":
            near = f"；相近的单位：{'、'.join(self.candidates)}" if self.candidates else ""
            return f"“{self.text}”不是登记的填报单位{near}"
        return ""


class Resolver:
    """Matches written names against (unit name, alias…) pairs, built once per run."""

    def __init__(self, names: Iterable[tuple[str, Iterable[str]]]):
        self._index: dict[str, set[str]] = {}
        self._names: list[str] = []
        self._keys: dict[str, set[str]] = {}  # official name -> its keys and its aliases'
        for official, aliases in names:
            self._names.append(official)
            for written in (official, *aliases):
                for key in lookup_keys(written):
                    self._index.setdefault(key, set()).add(official)
                    self._keys.setdefault(official, set()).add(key)

    def resolve(self, text: str | None) -> Resolution:
        # Escaped, so that a name that only looks like a unit's because of an invisible
        # character (归义\u200b镇) is not taken for it, and the reason shows why.
        written = inert((text or "").strip())
        key = unit_key(written)
        if not key:
            return Resolution(written, key, "empty")
        found = self._index.get(key)
        if not found and key.startswith("市"):
            found = self._index.get(key[1:])
        if found and len(found) == 1:
            return Resolution(written, key, "resolved", unit=next(iter(found)))
        if found:
            ordered = [n for n in self._names if n in found]
            return Resolution(written, key, "ambiguous", candidates=ordered)
        # Not a registered name, but short for several (市局, 公安): ambiguous, never a guess.
        short_for = [n for n in self._names if any(fits(key, k) for k in self._keys[n])]
        if len(short_for) > 1:
            return Resolution(written, key, "ambiguous", candidates=short_for)
        near = short_for or [n for n in self._names if lookup_keys(n)[-1] in key]
        return Resolution(written, key, "unknown", candidates=near[:5])

    def find_in(self, text: str) -> list[str]:
        """Units whose name or alias stands inside `text` (a file name, say), most specific
        only: in "交警大队9月报表" the 交警大队 is found, not also the 公安局 it belongs to."""
        normal = unicodedata.normalize("NFKC", text).removeprefix(CITY)
        hits = [k for k in self._index if len(k) >= 2 and k in normal]
        specific = [k for k in hits if not any(k != o and k in o for o in hits)]
        units = {unit for k in specific for unit in self._index[k]}
        return [n for n in self._names if n in units]

    def owners(self, written: str) -> set[str]:
        """The registered units that a name or alias would collide with."""
        found: set[str] = set()
        for key in lookup_keys(written):
            found |= self._index.get(key, set())
        return found
