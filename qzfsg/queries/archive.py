"""The received files: which ones the record refers to, and those kept in the database
(table archived_file, server mode; see qzfsg.storage.archive)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from qzfsg.queries.runner import execute, first, rows, stream

# Every (sha256, archive_path) a row refers to: the returns and the other documents.
REFERENCES = (
    "SELECT sha256, archive_path FROM submission"
    " WHERE sha256 IS NOT NULL AND archive_path IS NOT NULL"
    " UNION SELECT sha256, archive_path FROM receipt"
    " WHERE sha256 IS NOT NULL AND archive_path IS NOT NULL"
)
_REFERENCED = (
    "EXISTS (SELECT 1 FROM submission AS s WHERE s.sha256 = a.sha256"
    " AND s.archive_path IS NOT NULL)"
    " OR EXISTS (SELECT 1 FROM receipt AS r WHERE r.sha256 = a.sha256"
    " AND r.archive_path IS NOT NULL)"
)


def references(connection: Any) -> list[tuple[str, str]]:
    """(sha256, archive_path) of every archived file the record refers to."""
    return rows(connection, REFERENCES)


def references_by_file(connection: Any) -> Iterator[tuple[str, str]]:
    """The same, ordered by sha256 and streamed (on PostgreSQL from a cursor on the server:
    `connection` is inside a transaction), so that each file comes once in a row."""
    sql = f"SELECT sha256, archive_path FROM ({REFERENCES}) AS r ORDER BY sha256, archive_path"
    return stream(connection, sql)


def store_file(connection: Any, digest: str, data: bytes) -> None:
    """Keep the bytes once: a second writer of the same sha256 (even at the same moment)
    leaves the first copy (SQLite 3.24+ and PostgreSQL both take ON CONFLICT)."""
    execute(
        connection,
        "INSERT INTO archived_file (sha256, data) VALUES (:digest, :data)"
        " ON CONFLICT (sha256) DO NOTHING",
        {"digest": digest, "data": data},
    )


def file_data(connection: Any, digest: str) -> bytes | None:
    found = first(connection, "SELECT data FROM archived_file WHERE sha256 = :d", {"d": digest})
    return None if found is None else bytes(found[0])


def stored_digests(connection: Any) -> list[str]:
    return [row[0] for row in rows(connection, "SELECT sha256 FROM archived_file ORDER BY sha256")]


def unreferenced_files(connection: Any) -> list[str]:
    """The sha256 of the files kept in the database that no row refers to."""
    sql = f"SELECT a.sha256 FROM archived_file AS a WHERE NOT ({_REFERENCED}) ORDER BY a.sha256"
    return [row[0] for row in rows(connection, sql)]


def remove_unreferenced(connection: Any, digest: str) -> bool:
    """Delete the file if still no row refers to it; whether it was deleted."""
    sql = f"DELETE FROM archived_file AS a WHERE a.sha256 = :d AND NOT ({_REFERENCED})"
    return execute(connection, sql, {"d": digest}).rowcount > 0


def database_name(connection: Any) -> str:
    """The name of the server database (PostgreSQL only)."""
    return str(first(connection, "SELECT current_database()")[0])  # type: ignore[index]
