"""How a statement is run: the only code that knows which database it talks to.

SQLite (the stdlib sqlite3) takes the statements as written. PostgreSQL through psycopg
takes them through `to_pyformat`: `:name` parameters become `%(name)s`, a literal `%`
is doubled, and `+column` (SQLite's way of keeping a term from choosing an index, for a
database without statistics) loses its `+`. A psycopg connection should also load
timestamps and dates as ISO text, so that rows look alike from both databases.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import Any

Params = Mapping[str, Any]
_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
# A unary plus stands right before its column, after a space or "(" (binary plus is
# written with spaces on both sides).
_NO_INDEX = re.compile(r"(?<=[\s(])\+(?=[A-Za-z_])")


@lru_cache(maxsize=256)
def to_pyformat(sql: str) -> str:
    """The statement for psycopg: `%(name)s` parameters, `%%`, no `+column` hints."""
    sql = sql.replace("%", "%%")
    sql = _NO_INDEX.sub("", sql)
    return _PARAMETER.sub(r"%(\1)s", sql)


def _prepared(connection: Any, sql: str) -> str:
    if type(connection).__module__.startswith("psycopg"):
        return to_pyformat(sql)
    return sql


def dbapi(source: Any) -> Any:
    """The DB-API connection to run on: `source` itself, or, for an ORM session (a command
    that also writes), the connection under it, inside the session's transaction."""
    if hasattr(source, "get_bind"):
        return source.connection().connection.driver_connection
    return source


def execute(source: Any, sql: str, params: Params | None = None) -> Any:
    """Run one statement on a DB-API connection or a session's; the cursor."""
    connection = dbapi(source)
    return connection.execute(_prepared(connection, sql), params or {})


def rows(connection: Any, sql: str, params: Params | None = None) -> list[tuple]:
    """Every row, as plain tuples straight from the driver."""
    return execute(connection, sql, params).fetchall()


def first(connection: Any, sql: str, params: Params | None = None) -> tuple | None:
    return execute(connection, sql, params).fetchone()


def stream(
    connection: Any, sql: str, params: Params | None = None, batch: int = 2_000
) -> Iterator[tuple]:
    """The rows a batch at a time, for results too large to hold at once."""
    cursor = execute(connection, sql, params)
    while chunk := cursor.fetchmany(batch):
        yield from chunk
