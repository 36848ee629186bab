"""The two kinds of unit as the clerk writes them (镇, 部门…) and as the code does (town,
department). No imports: the command line reads it at start-up (`--kind 镇`)."""

from typing import Literal

UnitKind = Literal["town", "department"]
KIND_LABELS: dict[str, str] = {"town": "镇", "department": "部门"}

KIND_WORDS = {
    "镇": "town",
    "乡镇": "town",
    "town": "town",
    "园区": "town",
    "部门": "department",
    "department": "department",
}
