"""The monthly returns received: their current figures and their versions."""

from __future__ import annotations

from typing import Any

from qzfsg.queries.runner import execute, first, rows

# The current return of a unit-month (submission AS s): its accepted, not superseded one.
CURRENT = "s.status = 'accepted' AND s.superseded = FALSE AND s.unit_id IS NOT NULL"

# Amounts are integers in units of 1/10,000 (models.Fixed4).
_CURRENT_FIGURES = f"""
SELECT s.month, s.unit_id, v.indicator_code, v.month_value, v.cumulative_value
FROM submission AS s JOIN value AS v ON v.submission_id = s.id
WHERE {CURRENT}
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


# Current returns still under 核实: accepted with a warning the clerk has not dealt with
# (not dismissed), so their figures count but may yet be corrected.
_UNDER_REVIEW = f"""
SELECT u.name, s.month FROM submission AS s JOIN unit AS u ON u.id = s.unit_id
WHERE {CURRENT} AND s.dismissed_at IS NULL AND s.month BETWEEN :first AND :last
  AND EXISTS (SELECT 1 FROM finding AS f WHERE f.submission_id = s.id AND f.severity = 'warning')
ORDER BY u.sort_order, u.id, s.month
"""


def under_review(connection: Any, first: str, last: str) -> list[tuple]:
    """(unit name, month) of the current returns of months first…last still under 核实,
    in registry order."""
    return rows(connection, _UNDER_REVIEW, {"first": first, "last": last})


def first_versions(connection: Any, month: str) -> list[tuple]:
    """(unit id, status) of each unit's first return of `month`."""
    sql = (
        "SELECT unit_id, status FROM submission"
        " WHERE month = :month AND version = 1 AND status <> 'withdrawn'"
    )
    return rows(connection, sql, {"month": month})


SUBMISSION_COLUMNS = (
    "id, unit_id, unit_text, month, received_at, source_name, sha256, status, version,"
    " superseded, dismissed_at, imported_at, withdraw_reason"
)


def _filters(unit_id: int | None, month: str | None, table: str = "s") -> str:
    where = [f"{table}.unit_id = :unit"] if unit_id is not None else []
    where += [f"{table}.month = :month"] if month is not None else []
    return f" WHERE {' AND '.join(where)}" if where else ""


def submissions(connection: Any, unit_id: int | None = None, month: str | None = None) -> list:
    """Every received file (of one unit, one month), oldest first: SUBMISSION_COLUMNS."""
    sql = f"SELECT {SUBMISSION_COLUMNS} FROM submission AS s{_filters(unit_id, month)}"
    return rows(connection, sql + " ORDER BY received_at, id", {"unit": unit_id, "month": month})


def findings(connection: Any, unit_id: int | None = None, month: str | None = None) -> list:
    """(submission id, code, severity, message, indicator, cell, expected) of the files
    `submissions` lists, in the order they were found."""
    sql = (
        "SELECT f.submission_id, f.code, f.severity, f.message, f.indicator_code, f.cell,"
        " f.expected FROM finding AS f JOIN submission AS s ON s.id = f.submission_id"
    )
    sql += _filters(unit_id, month) + " ORDER BY f.id"
    return rows(connection, sql, {"unit": unit_id, "month": month})


def values(connection: Any, unit_id: int | None, month: str | None = None) -> list:
    """(submission id, code, 本月数, 累计数) of every file of the unit (or of every unit)
    and month (or every month), each file's in the order they were written (the form's):
    the order `history` lists what changed in (without ORDER BY, SQLite gave them by code
    through its index, PostgreSQL as stored)."""
    sql = (
        "SELECT v.submission_id, v.indicator_code, v.month_value, v.cumulative_value"
        " FROM value AS v JOIN submission AS s ON s.id = v.submission_id"
    )
    sql += _filters(unit_id, month) + " ORDER BY v.id"
    return rows(connection, sql, {"unit": unit_id, "month": month})


def accepted_hashes(connection: Any) -> set[str]:
    sql = "SELECT sha256 FROM submission WHERE status = 'accepted'"
    return {row[0] for row in rows(connection, sql)}


def indicator_labels(connection: Any) -> dict[str, str]:
    return dict(rows(connection, "SELECT code, label FROM indicator"))


def accepted_copy(connection: Any, sha256: str) -> tuple | None:
    """(id, unit id, month, version, file, received) of the accepted return with these
    bytes, if any."""
    sql = (
        "SELECT id, unit_id, month, version, source_name, received_at FROM submission"
        " WHERE sha256 = :sha256 AND status = 'accepted'"
    )
    return first(connection, sql, {"sha256": sha256})


def archive_path(connection: Any, submission_id: int) -> str:
    sql = "SELECT archive_path FROM submission WHERE id = :id"
    return rows(connection, sql, {"id": submission_id})[0][0]


def copies(connection: Any, sha256: str, unit_id: int | None, month: str | None) -> list[tuple]:
    """(id, unit id, month, version, file) of every return with these bytes stored for the
    unit and month (both may be unknown), oldest first."""
    sql = (
        "SELECT id, unit_id, month, version, source_name FROM submission"
        " WHERE sha256 = :sha256 AND coalesce(unit_id, 0) = :unit"
        " AND coalesce(month, '') = :month ORDER BY id"
    )
    return rows(connection, sql, {"sha256": sha256, "unit": unit_id or 0, "month": month or ""})


def problems(connection: Any, submission_id: int) -> set[tuple[str, str | None]]:
    """(code, cell) of the return's stored findings other than notes."""
    sql = "SELECT code, cell FROM finding WHERE submission_id = :id AND severity <> 'info'"
    return set(rows(connection, sql, {"id": submission_id}))


def last_version(connection: Any, unit_id: int | None, month: str | None) -> int:
    """The highest version number among the unit-month's returns (0: none)."""
    sql = "SELECT max(version) FROM submission WHERE unit_id = :unit AND month = :month"
    found = first(connection, sql, {"unit": unit_id, "month": month})
    return (found and found[0]) or 0


def current_version(connection: Any, unit_id: int, month: str) -> int | None:
    """The version number of the unit-month's current return, if it has one."""
    sql = f"SELECT s.version FROM submission AS s WHERE unit_id = :unit AND month = :month AND {CURRENT}"
    found = first(connection, sql, {"unit": unit_id, "month": month})
    return found[0] if found else None


def placing(connection: Any, submission_id: int) -> tuple[int, bool, bool]:
    """(version, whether current, whether a return of its unit-month came after it) of one
    stored return."""
    sql = (
        "SELECT s.version, NOT s.superseded, EXISTS (SELECT 1 FROM submission AS o"
        " WHERE o.unit_id = s.unit_id AND o.month = s.month AND o.received_at > s.received_at)"
        " FROM submission AS s WHERE s.id = :id"
    )
    version, current, later = first(connection, sql, {"id": submission_id})  # type: ignore[misc]
    return version, bool(current), bool(later)


# ---------------------------------------------------------------- versions (qzfsg.versions)
def _received(order: str) -> str:
    """The rows `o` of the same unit-month received before ("<") or after (">") the row
    being updated."""
    return f"""o.unit_id = submission.unit_id AND o.month = submission.month
    AND o.status <> 'withdrawn'
    AND (o.received_at {order} submission.received_at
         OR (o.received_at = submission.received_at AND o.id {order} submission.id))"""


# Two steps, so that no row ever holds a version another row still has (the unique index
# ux_submission_version is checked row by row, on SQLite and on PostgreSQL).
# A withdrawn return keeps the number it had (ux_submission_version leaves it out).
_NUMBERED = "unit_id = :unit AND month = :month AND status <> 'withdrawn'"
_NEGATE = f"UPDATE submission SET version = -version WHERE {_NUMBERED}"
_NUMBER = f"""
UPDATE submission SET version = 1 + (SELECT count(*) FROM submission AS o WHERE {_received("<")})
WHERE {_NUMBERED}"""
# Also in two steps, so that there is never a second current row (ux_submission_current):
# first every accepted row received before another accepted one is superseded, then the
# latest received accepted one is made current.
_LATER_ACCEPTED = f"SELECT 1 FROM submission AS o WHERE o.status = 'accepted' AND {_received('>')}"
_SUPERSEDE = f"""
UPDATE submission SET superseded = TRUE
WHERE unit_id = :unit AND month = :month AND status = 'accepted' AND NOT superseded
  AND EXISTS ({_LATER_ACCEPTED})"""
_MAKE_CURRENT = f"""
UPDATE submission SET superseded = FALSE
WHERE unit_id = :unit AND month = :month AND superseded
  AND (status <> 'accepted' OR NOT EXISTS ({_LATER_ACCEPTED}))"""


def renumber(connection: Any, unit_id: int, month: str) -> None:
    """Number the unit-month's returns 1…n in received order and make its latest received
    accepted return the current one (every other accepted one superseded); withdrawn
    returns are left out, as if never imported (what decides: qzfsg.versions)."""
    params = {"unit": unit_id, "month": month}
    for statement in (_NEGATE, _NUMBER, _SUPERSEDE, _MAKE_CURRENT):
        execute(connection, statement, params)


def drop_checks(
    connection: Any, submission_id: int, values: bool = True, findings: bool = True
) -> None:
    """Delete the return's stored values and/or findings (to be written again)."""
    for table, chosen in (("value", values), ("finding", findings)):
        if chosen:
            execute(
                connection, f"DELETE FROM {table} WHERE submission_id = :id", {"id": submission_id}
            )


def set_status(connection: Any, submission_id: int, status: str) -> None:
    """Accept or reject a stored return again (accepted: superseded until renumbered)."""
    sql = "UPDATE submission SET status = :status, superseded = :accepted WHERE id = :id"
    execute(
        connection, sql, {"status": status, "accepted": status == "accepted", "id": submission_id}
    )
