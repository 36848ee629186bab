"""The upgrades of an existing database, one per schema version (`db.MIGRATIONS`).

Each runs inside the one transaction `db.upgrade` opens (after backing the file up), on
the SQLAlchemy connection, and leaves the database as `models` would create it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qzfsg.queries.returns import renumber
from qzfsg.queries.runner import execute, rows

if TYPE_CHECKING:
    from sqlalchemy import Connection

# Version 1 let two imports at once store the same file twice; the first received copy
# (then the first stored) stays, with its values and findings.
_LATER_COPIES = [
    """DELETE FROM submission WHERE status = 'accepted' AND EXISTS (
        SELECT 1 FROM submission AS o WHERE o.sha256 = submission.sha256
        AND o.status = 'accepted'
        AND (o.received_at < submission.received_at
             OR (o.received_at = submission.received_at AND o.id < submission.id)))""",
    """DELETE FROM submission WHERE EXISTS (
        SELECT 1 FROM submission AS o WHERE o.sha256 = submission.sha256
        AND coalesce(o.unit_id, 0) = coalesce(submission.unit_id, 0)
        AND coalesce(o.month, '') = coalesce(submission.month, '')
        AND o.received_at = submission.received_at AND o.id < submission.id)""",
    "DELETE FROM value WHERE submission_id NOT IN (SELECT id FROM submission)",
    "DELETE FROM finding WHERE submission_id NOT IN (SELECT id FROM submission)",
]


def received_order(conn: Connection) -> None:
    """1 → 2: versions follow the received order and the current return of a unit-month is
    its latest received accepted one (version 1 followed the import order); unique indexes
    keep it so when several imports run at once (see models.Submission)."""
    from sqlalchemy.schema import CreateIndex

    from qzfsg.models import Submission

    connection = conn.connection.driver_connection
    for statement in _LATER_COPIES:
        execute(connection, statement)
    placed = "SELECT DISTINCT unit_id, month FROM submission WHERE unit_id IS NOT NULL"
    for unit_id, month in rows(connection, placed + " AND month IS NOT NULL"):
        renumber(connection, unit_id, month)
    execute(connection, "DROP INDEX IF EXISTS ix_submission_unit_month")  # ux_submission_version
    for index in Submission.__table__.indexes:  # type: ignore[attr-defined]
        conn.execute(CreateIndex(index, if_not_exists=True))


# Version 2 had no way to take a return back: the columns and tables of the corrections.
_CORRECTION_COLUMNS = [
    "ALTER TABLE submission ADD COLUMN withdrawn_status VARCHAR",
    "ALTER TABLE submission ADD COLUMN withdraw_reason VARCHAR",
]
_KEPT_INDEXES = ("ux_submission_version", "ux_submission_copy")


def corrections(conn: Connection) -> None:
    """2 → 3: withdrawn returns (kept, out of the versions and copies: the two unique
    indexes leave them out), locked months and the append-only audit trail."""
    from sqlalchemy.schema import CreateIndex

    from qzfsg.models import AuditEntry, MonthLock, Submission

    connection = conn.connection.driver_connection
    for statement in _CORRECTION_COLUMNS:
        execute(connection, statement)
    for index in Submission.__table__.indexes:  # type: ignore[attr-defined]
        if index.name in _KEPT_INDEXES:
            execute(connection, f"DROP INDEX {index.name}")
            conn.execute(CreateIndex(index))
    for table in (MonthLock.__table__, AuditEntry.__table__):  # type: ignore[attr-defined]
        table.create(conn)


def archived_files(conn: Connection) -> None:
    """3 → 4: the table that keeps a server database's received files in the database
    (empty in a SQLite file: its files stay in the folder beside it). A server database
    kept them in "<database name>-archive" in the folder the commands ran in: those found
    there (and whole) are taken into the table, so that nothing the rows refer to is lost.
    Its audit trail also refuses TRUNCATE from now on, as a new one does."""
    from qzfsg.models import NO_TRUNCATE, ArchivedFile
    from qzfsg.queries.archive import database_name, references, store_file
    from qzfsg.storage.archive import archived_path, file_sha256, parse_reference

    ArchivedFile.__table__.create(conn)  # type: ignore[attr-defined]
    if conn.dialect.name != "postgresql":
        return
    connection = conn.connection.driver_connection
    execute(connection, "DROP TRIGGER IF EXISTS auditentry_no_truncate ON auditentry")
    execute(connection, NO_TRUNCATE)  # (made with the table when upgraded from 2 or older)
    folder = Path(f"{database_name(connection)}-archive")
    for digest, reference in references(connection):
        path = archived_path(folder, digest, parse_reference(reference)[1])
        data = path.read_bytes() if path.is_file() else b""
        if file_sha256(data) == digest:
            store_file(connection, digest, data)
