"""The city's consolidated return (`qzfsg report`): sums per indicator and the 累计 check,
aggregated by the database, so that a month of 50,000 units never becomes 50,000 objects.

"Current" figures are those of each unit-month's accepted, not superseded return
(`returns.CURRENT`). Amounts are integers in units of 1/10,000.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from qzfsg.queries.returns import CURRENT
from qzfsg.queries.runner import rows, stream

INDICATORS = "SELECT code, label, unit, decimals FROM indicator ORDER BY sort_order, code"

# Sums per unit kind and indicator of one month: (kind, code, Σ本月数, Σ累计数).
KIND_TOTALS = f"""
SELECT u.kind, v.indicator_code, SUM(v.month_value), SUM(v.cumulative_value)
FROM submission AS s JOIN value AS v ON v.submission_id = s.id JOIN unit AS u ON u.id = s.unit_id
WHERE {CURRENT} AND s.month = :month
GROUP BY u.kind, v.indicator_code
"""

# Per unit (registry order) and indicator, over the months first…month: (unit id, name,
# code, Σ本月数, 累计数 of `month`): what the unit adds to the city's Σ本月数, and its share of
# the difference between the city's 累计数 and that sum.
UNIT_SUMS = f"""
SELECT u.id, u.name, g.code, g.month_sum, g.cumulative
FROM (SELECT s.unit_id, v.indicator_code AS code, SUM(v.month_value) AS month_sum,
             SUM(CASE WHEN s.month = :month THEN v.cumulative_value ELSE 0 END) AS cumulative
      FROM submission AS s JOIN value AS v ON v.submission_id = s.id
      WHERE {CURRENT} AND s.month BETWEEN :first AND :month
      GROUP BY s.unit_id, v.indicator_code) AS g
JOIN unit AS u ON u.id = g.unit_id
ORDER BY u.sort_order, u.id
"""

# Of every unit with current figures in the months first…month: (unit id, then one 0/1
# column per month, in order: whether that month's figures are on file).
_MONTHS_ON_FILE = """
SELECT s.unit_id, {columns}
FROM submission AS s
WHERE {current} AND s.month BETWEEN :first AND :month
  AND EXISTS (SELECT 1 FROM value AS v WHERE v.submission_id = s.id)
GROUP BY s.unit_id
"""


def months_on_file_query(months: Sequence[str]) -> tuple[str, dict[str, Any]]:
    """The statement of `months_on_file`, with its parameters."""
    columns = ", ".join(
        f"MAX(CASE WHEN s.month = :m{k} THEN 1 ELSE 0 END)" for k in range(len(months))
    )
    params: dict[str, Any] = {"first": months[0], "month": months[-1]}
    params |= {f"m{k}": month for k, month in enumerate(months)}
    return _MONTHS_ON_FILE.format(columns=columns, current=CURRENT), params


def kind_totals(connection: Any, month: str) -> list[tuple]:
    return rows(connection, KIND_TOTALS, {"month": month})


def months_on_file(connection: Any, months: Sequence[str]) -> list[tuple]:
    return rows(connection, *months_on_file_query(months))


def unit_sums(connection: Any, first: str, month: str) -> Iterator[tuple]:
    return stream(connection, UNIT_SUMS, {"first": first, "month": month})


def indicators(connection: Any) -> list[tuple]:
    """(code, label, unit, decimals) of every indicator, in the form's order."""
    return rows(connection, INDICATORS)
