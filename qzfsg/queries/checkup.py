"""`qzfsg check`: what the database says of its own state."""

from __future__ import annotations

from typing import Any

from qzfsg.queries.runner import first, rows


def integrity_problems(connection: Any) -> list[str]:
    """SQLite's integrity check (a database file only): ["ok"], or what is wrong."""
    return [row[0] for row in rows(connection, "PRAGMA integrity_check(20)")]


def dangling_rows(
    connection: Any, table: str, column: str, parent: str, key: str
) -> tuple[int, Any]:
    """How many rows of `table` have a `column` that names no row of `parent` (by its
    `key`), and one such value. Names come from the schema (qzfsg.models), never from input."""
    where = (
        f"FROM {table} AS t WHERE t.{column} IS NOT NULL"
        f" AND NOT EXISTS (SELECT 1 FROM {parent} AS p WHERE p.{key} = t.{column})"
    )
    count = first(connection, f"SELECT count(*) {where}")
    if not count or not count[0]:
        return 0, None
    example = first(connection, f"SELECT min(t.{column}) {where}")
    return int(count[0]), example[0] if example else None
