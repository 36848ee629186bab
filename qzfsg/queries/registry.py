"""The unit registry: units and their aliases."""

from __future__ import annotations

from typing import Any

from qzfsg.queries.runner import rows

UNIT_COLUMNS = "id, name, kind, sort_order, active_from, inactive_from"


def units(connection: Any, kind: str | None = None) -> list[tuple]:
    """Every unit (or one kind's) in registry order, UNIT_COLUMNS."""
    where = "" if kind is None else " WHERE kind = :kind"
    sql = f"SELECT {UNIT_COLUMNS} FROM unit{where} ORDER BY sort_order, id"
    return rows(connection, sql, {"kind": kind})


def aliases(connection: Any) -> list[tuple]:
    """(unit id, alias) in the order they were added."""
    return rows(connection, "SELECT unit_id, alias FROM alias ORDER BY id")
