"""The statements of `qzfsg copy` (qzfsg.storage.copying): a whole table read a batch at a
time, written in bulk, tallied for the check after copying; the tables a database holds;
PostgreSQL's id sequences set after rows were written with their ids.

Tables and columns come from the schema (qzfsg.models), never from the clerk: they are
quoted as they are. Writing is where the two databases differ most: PostgreSQL takes the
rows through COPY (text, parsed by the server into each column's type, so SQLite's stored
values, 0/1 booleans and times as text, go in as they are), SQLite through executemany.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from qzfsg.queries.runner import dbapi, first, on_postgresql, rows, stream

# The name of every table in the database, qzfsg's or not.
_TABLES = {
    "sqlite": "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    "postgresql": "SELECT table_name FROM information_schema.tables"
    " WHERE table_schema = current_schema()",
}


def _names(names: Sequence[str]) -> str:
    return ", ".join(f'"{name}"' for name in names)


def table_names(connection: Any) -> list[str]:
    """Every table of the database (its current schema, on PostgreSQL), sorted."""
    sql = _TABLES["postgresql" if on_postgresql(dbapi(connection)) else "sqlite"]
    return sorted(row[0] for row in rows(connection, sql))


def table_rows(
    connection: Any, table: str, columns: Sequence[str], key: Sequence[str]
) -> Iterator[tuple]:
    """Every row of `table` in key order, a batch at a time (on PostgreSQL from a cursor on
    the server: `connection` is inside a transaction)."""
    sql = f'SELECT {_names(columns)} FROM "{table}" ORDER BY {_names(key)}'
    return stream(connection, sql, batch=5_000)


def write_rows(
    connection: Any, table: str, columns: Sequence[str], values: Iterable[tuple]
) -> None:
    """Write the rows (tuples in `columns` order, as SQLite stores them) into `table`."""
    connection = dbapi(connection)
    if on_postgresql(connection):
        with connection.cursor().copy(f'COPY "{table}" ({_names(columns)}) FROM STDIN') as copy:
            for row in values:
                copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    connection.executemany(f'INSERT INTO "{table}" ({_names(columns)}) VALUES ({marks})', values)


def tally(connection: Any, table: str, summed: Sequence[str]) -> list[int]:
    """The number of rows of `table`, then the sum of each of the `summed` columns (0 for
    no rows): what is compared after copying."""
    terms = ["count(*)", *(f'coalesce(sum("{column}"), 0)' for column in summed)]
    found = first(connection, f'SELECT {", ".join(terms)} FROM "{table}"')
    return [int(value) for value in found or ()]


def continue_ids(connection: Any, table: str, column: str) -> None:
    """After rows were written with their ids: the next id PostgreSQL gives `table` follows
    the largest one (SQLite takes the largest rowid plus one by itself)."""
    if on_postgresql(dbapi(connection)):
        first(
            connection,
            f"SELECT setval(pg_get_serial_sequence('{table}', '{column}'),"
            f' coalesce(max("{column}"), 0) + 1, false) FROM "{table}"',
        )
