"""How a statement is run: the only code that knows which database it talks to.

SQLite (the stdlib sqlite3) takes the statements as written. PostgreSQL through psycopg
takes them through `to_pyformat`: `:name` parameters become `%(name)s`, a literal `%`
is doubled, and `+column` (SQLite's way of keeping a term from choosing an index, for a
database without statistics) loses its `+`. Rows from psycopg look like SQLite's (see
`_sqlite_like`): times and dates as ISO text, booleans as 0/1, whole numerics as int.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext, suppress
from functools import lru_cache
from typing import Any

Params = Mapping[str, Any]
_PARAMETER = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
# A unary plus stands right before its column, after a space or "(" (binary plus is
# written with spaces on both sides).
_NO_INDEX = re.compile(r"(?<=[\s(])\+(?=[A-Za-z_])")
_STREAMS = itertools.count(1)  # names of the server-side cursors open at once


@lru_cache(maxsize=256)
def to_pyformat(sql: str) -> str:
    """The statement for psycopg: `%(name)s` parameters, `%%`, no `+column` hints."""
    sql = sql.replace("%", "%%")
    sql = _NO_INDEX.sub("", sql)
    return _PARAMETER.sub(r"%(\1)s", sql)


def on_postgresql(connection: Any) -> bool:
    """Whether the DB-API connection is psycopg's (else the stdlib sqlite3's)."""
    return type(connection).__module__.startswith("psycopg")


def _cursor(connection: Any, sql: str, on_server: bool = False) -> tuple[Any, str]:
    """A cursor and the statement in its driver's style; `on_server`: psycopg's cursor
    that fetches from the server as it goes (inside a transaction)."""
    if on_postgresql(connection):
        cursor = connection.cursor(f"qzfsg_stream_{next(_STREAMS)}" if on_server else "")
        _sqlite_like(cursor.adapters)
        return cursor, to_pyformat(sql)
    return connection, sql


def _sqlite_like(adapters: Any) -> None:
    """Load PostgreSQL's values as SQLite gives them, so that every row is alike from
    both databases: timestamps and dates as their text (as stored in SQLite by the ORM),
    booleans as 0/1, numerics (a sum of integers) as int when whole. Per cursor: the ORM
    on the same connection still gets its own types."""
    for name, loader in _loaders().items():
        adapters.register_loader(name, loader)


@lru_cache(maxsize=1)
def _loaders() -> dict[str, type]:
    from decimal import Decimal

    from psycopg.adapt import Loader

    class Text(Loader):
        def load(self, data: Any) -> str:
            return bytes(data).decode()

    class Timestamp(Loader):
        def load(self, data: Any) -> str:
            text = bytes(data).decode()  # as SQLAlchemy writes it in SQLite:
            return text.ljust(26, "0") if "." in text else text  # .ffffff only when not 0

    class Boolean(Loader):
        def load(self, data: Any) -> int:
            return 1 if bytes(data) == b"t" else 0

    class Numeric(Loader):
        def load(self, data: Any) -> Any:
            text = bytes(data)
            with suppress(ValueError):  # digits only: a sum of integers, a million a report
                return int(text)
            number = Decimal(text.decode())
            return int(number) if number == number.to_integral_value() else float(number)

    return {"date": Text, "timestamp": Timestamp, "bool": Boolean, "numeric": Numeric}


def dbapi(source: Any) -> Any:
    """The DB-API connection to run on: `source` itself, or, for an ORM session (a command
    that also writes), the connection under it, inside the session's transaction."""
    if hasattr(source, "get_bind"):
        return source.connection().connection.driver_connection
    return source


def execute(source: Any, sql: str, params: Params | None = None) -> Any:
    """Run one statement on a DB-API connection or a session's; the cursor."""
    cursor, statement = _cursor(dbapi(source), sql)
    return cursor.execute(statement, params or {})


def execute_many(source: Any, sql: str, params: list[Params]) -> None:
    """Run one statement once for each set of parameters."""
    if params:
        cursor, statement = _cursor(dbapi(source), sql)
        cursor.executemany(statement, params)


def rows(connection: Any, sql: str, params: Params | None = None) -> list[tuple]:
    """Every row, as plain tuples straight from the driver."""
    return execute(connection, sql, params).fetchall()


def first(connection: Any, sql: str, params: Params | None = None) -> tuple | None:
    return execute(connection, sql, params).fetchone()


def stream(
    connection: Any, sql: str, params: Params | None = None, batch: int = 2_000
) -> Iterator[tuple]:
    """The rows a batch at a time, for results too large to hold at once. On PostgreSQL
    from a cursor on the server, which keeps the result and sends it a batch at a time
    instead of whole (report's 550,000 per-unit sums at 50,000 units: 70 MiB less on the
    client; `qzfsg copy`'s millions of rows), inside the connection's transaction, or one
    of its own while the rows are read (a read command's connection is in autocommit)."""
    connection = dbapi(connection)
    cursor, statement = _cursor(connection, sql, on_server=True)
    with _transaction(connection):
        result = cursor.execute(statement, params or {})
        try:
            while chunk := result.fetchmany(batch):
                yield from chunk
        finally:
            result.close()


def _transaction(connection: Any) -> AbstractContextManager[Any]:
    """The transaction a cursor on the server lives in: the connection's own, or, for a
    psycopg connection in autocommit, a new one for the block."""
    if on_postgresql(connection) and connection.autocommit:
        return connection.transaction()
    return nullcontext()
