"""Who sent what by when: arrivals of the monthly return and of the documents.

A few aggregate queries over covering indexes, never one query per unit, so that
thousands of units answer at once; written so that SQLite picks those indexes without
statistics (`+column` keeps a term from choosing the wrong one).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from qzfsg.queries.runner import rows, stream

ZERO_FINDING = "all_zero"  # the import rule's finding: every 本月数 of the return is 0
ITEMS_PER_QUERY = 100  # due items per compound query (SQLite allows 500 terms)

# One row per unit and month that received anything by the cut-off: (unit id, month,
# first accepted arrival, whether a rejected one came, latest accepted version), unit by
# unit in registry order (of one kind if given), so that the rows can be merged with the
# unit list without holding them all. The inner query scans the covering index
# ix_submission_unit_month_status in (unit, month) order.
RETURNS = """
SELECT r.unit_id, r.month, r.received, r.rejected, r.latest
FROM (SELECT unit_id, month,
             MIN(CASE WHEN status = 'accepted' THEN received_at END) AS received,
             MAX(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END) AS rejected,
             MAX(CASE WHEN status = 'accepted' THEN version END) AS latest
      FROM submission
      WHERE unit_id IS NOT NULL AND +month BETWEEN :first AND :last
        AND +received_at < :cutoff AND status <> 'withdrawn'
      GROUP BY unit_id, month) AS r
JOIN unit AS u ON u.id = r.unit_id{kind}
ORDER BY u.sort_order, u.id
"""

# The accepted versions the import marked as zero returns: (unit id, month, version).
ZERO_RETURNS = f"""
SELECT s.unit_id, s.month, s.version
FROM finding AS f JOIN submission AS s ON s.id = f.submission_id
WHERE f.code = '{ZERO_FINDING}' AND s.status = 'accepted' AND s.unit_id IS NOT NULL
  AND s.month BETWEEN :first AND :last AND s.received_at < :cutoff
"""


def arrival_queries(
    first: str, last: str, cutoff: str, kind: str | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """The two statements behind the board, with their parameters: zero returns, then
    arrivals per unit and month."""
    params = {"first": first, "last": last, "cutoff": cutoff, "kind": kind}
    returns = RETURNS.format(kind="" if kind is None else " WHERE u.kind = :kind")
    return [(ZERO_RETURNS, params), (returns, params)]


def return_arrivals(
    connection: Any, first: str, last: str, cutoff: str, kind: str | None = None
) -> tuple[list[tuple], Iterator[tuple]]:
    """(the zero returns, the arrivals per unit and month, streamed) of the months
    first…last."""
    (zero_sql, params), (returns_sql, _) = arrival_queries(first, last, cutoff, kind)
    return rows(connection, zero_sql, params), stream(connection, returns_sql, params)


# Per due item: the expected units without an arrival by the end of the due day (NOT IN
# over ix_*_month), with their first arrival after it, if any (ix_*_unit_*).
_LATE_RETURNS = """
SELECT {seq}, u.id, u.name, u.kind, u.sort_order,
       (SELECT MIN(s.received_at) FROM submission AS s
        WHERE s.unit_id = u.id AND s.month = :m{seq} AND s.status = 'accepted'
          AND s.received_at < :cutoff),
       EXISTS (SELECT 1 FROM submission AS s
        WHERE s.unit_id = u.id AND s.month = :m{seq} AND s.status = 'rejected'
          AND s.received_at < :cutoff)
FROM unit AS u
WHERE {who} AND (u.active_from IS NULL OR u.active_from <= :a{seq})
  AND (u.inactive_from IS NULL OR :a{seq} < u.inactive_from)
  AND u.id NOT IN (SELECT s.unit_id FROM submission AS s
        WHERE s.month = :m{seq} AND s.status = 'accepted' AND s.received_at < :t{seq}
          AND s.unit_id IS NOT NULL)"""

_LATE_DOCUMENTS = """
SELECT {seq}, u.id, u.name, u.kind, u.sort_order,
       (SELECT MIN(r.received_at) FROM receipt AS r
        WHERE r.unit_id = u.id AND r.item = :i{seq} AND r.month {month}
          AND r.received_at < :cutoff),
       0 = 1
FROM unit AS u
WHERE {who} AND (u.active_from IS NULL OR u.active_from <= :a{seq})
  AND (u.inactive_from IS NULL OR :a{seq} < u.inactive_from)
  AND u.id NOT IN (SELECT r.unit_id FROM receipt AS r
        WHERE r.item = :i{seq} AND r.month {month} AND r.received_at < :t{seq})"""


@dataclass(frozen=True, slots=True)
class DueQuery:
    """What the overdue query needs of one due item."""

    is_return: bool
    item: str
    who: str  # all | town | department | units
    deadline_id: int
    month: str | None  # the reporting month of a monthly item
    active_month: str  # expected from the units active in this month
    due_cutoff: str  # the end of the due day, as stored text compares


def overdue_query(
    items: Sequence[DueQuery], cutoff: str, kind: str | None = None, first_seq: int = 0
) -> tuple[str, dict[str, Any]]:
    """One compound query finding every missing or late (unit, item) of `items`: each row
    is (item index, unit id, name, kind, sort order, first arrival, rejected return)."""
    params: dict[str, Any] = {"cutoff": cutoff, "kind": kind}
    parts = []
    for offset, item in enumerate(items):
        seq = first_seq + offset
        if item.who == "units":
            who = f"u.id IN (SELECT unit_id FROM deadlineunit WHERE deadline_id = :d{seq})"
        elif item.who in ("town", "department"):
            who = f"u.kind = :w{seq}"
        else:
            who = "1 = 1"
        if kind:
            who += " AND u.kind = :kind"
        template = _LATE_RETURNS if item.is_return else _LATE_DOCUMENTS
        month = f"= :m{seq}" if item.month else "IS NULL"
        parts.append(template.format(seq=seq, who=who, month=month))
        params |= {
            f"m{seq}": item.month,
            f"a{seq}": item.active_month,
            f"t{seq}": item.due_cutoff,
            f"i{seq}": item.item,
            f"w{seq}": item.who,
            f"d{seq}": item.deadline_id,
        }
    return "\nUNION ALL".join(parts), params


def overdue_rows(
    connection: Any, items: Sequence[DueQuery], cutoff: str, kind: str | None = None
) -> list[tuple]:
    found: list[tuple] = []
    for start in range(0, len(items), ITEMS_PER_QUERY):
        sql, params = overdue_query(items[start : start + ITEMS_PER_QUERY], cutoff, kind, start)
        found.extend(rows(connection, sql, params))
    return found


def liaison_contacts(connection: Any) -> list[tuple]:
    """(unit id, name, mobile) of every liaison row, oldest received first (the last row
    of a unit is its liaison)."""
    return rows(connection, "SELECT unit_id, name, mobile FROM liaison ORDER BY received_at, id")
