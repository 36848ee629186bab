"""The campaign's facts and its calendar of deadlines."""

from __future__ import annotations

from typing import Any

from qzfsg.queries.runner import first, rows

DEADLINE_COLUMNS = "id, item, who, due, monthly_day, from_month, to_month"


def fact(connection: Any, key: str) -> str | None:
    """A value of the meta table (schema version, campaign months…), None when absent."""
    found = first(connection, "SELECT value FROM meta WHERE key = :key", {"key": key})
    return None if found is None else found[0]


def deadlines(connection: Any, item: str | None = None) -> list[tuple]:
    """Every deadline (or those of one item) in calendar order, DEADLINE_COLUMNS."""
    where = "" if item is None else " WHERE item = :item"
    sql = f"SELECT {DEADLINE_COLUMNS} FROM deadline{where} ORDER BY id"
    return rows(connection, sql, {"item": item})


def deadline_units(connection: Any) -> list[tuple]:
    """(deadline id, unit id) of the deadlines addressed to named units."""
    return rows(connection, "SELECT deadline_id, unit_id FROM deadlineunit")
