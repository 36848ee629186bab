"""The monthly returns received: their current figures and their versions."""

from __future__ import annotations

from typing import Any

from qzfsg.queries.runner import rows

# Amounts are integers in units of 1/10,000 (models.Fixed4).
_CURRENT_FIGURES = """
SELECT s.month, s.unit_id, v.indicator_code, v.month_value, v.cumulative_value
FROM submission AS s JOIN value AS v ON v.submission_id = s.id
WHERE s.status = 'accepted' AND s.superseded = FALSE AND s.unit_id IS NOT NULL
"""


def current_figures(
    connection: Any, first: str | None = None, last: str | None = None, unit_id: int | None = None
) -> list[tuple]:
    """(month, unit id, code, 本月数, 累计数) of the current returns (each unit-month's
    accepted, not superseded version), of the months first…last and one unit if given;
    amounts in units of 1/10,000."""
    sql = _CURRENT_FIGURES
    if first is not None:
        sql += " AND s.month BETWEEN :first AND :last"
    if unit_id is not None:
        sql += " AND s.unit_id = :unit"
    return rows(connection, sql, {"first": first, "last": last, "unit": unit_id})


def first_versions(connection: Any, month: str) -> list[tuple]:
    """(unit id, status) of each unit's first return of `month`."""
    sql = "SELECT unit_id, status FROM submission WHERE month = :month AND version = 1"
    return rows(connection, sql, {"month": month})
