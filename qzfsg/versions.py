"""Which return of a unit's month is which: versions in received order and the current one.

Files reach the clerk out of order (a forwarded e-mail, a folder sorted by name) and
several clerks may import at once, so nothing here depends on the order of the imports:
the versions 1, 2, … of a unit-month follow the received order (received_at, then id), and
its current return is the latest *received* accepted one. An older file imported after a
newer one becomes an earlier version and changes no figure.

`renumber` is the one place that decides both; it runs inside the caller's write
transaction, after any change to the unit-month's returns (an import, a correction, a migration).
"""

from __future__ import annotations

from typing import Any

from qzfsg.queries.runner import execute


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
    returns are left out, as if never imported."""
    params = {"unit": unit_id, "month": month}
    for statement in (_NEGATE, _NUMBER, _SUPERSEDE, _MAKE_CURRENT):
        execute(connection, statement, params)
