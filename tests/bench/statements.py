"""The statements a command runs, as a yardstick's input: the command is run once in this
process with `qzfsg.queries.runner` watched, and every statement that reached the driver is
kept with its parameters, in order, then written out for the sqlite3 shell or for psql.

So a yardstick runs exactly what the command ran on that database, read off the command
itself rather than listed by hand beside it (a list that drifts as the command changes).
What is not recorded: the few statements `storage.db` runs on opening a database outside
the runner (SQLite's pragmas and schema-version probe), a millisecond of each side.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from typing import Any
from unittest import mock

from qzfsg.queries import runner

Statement = tuple[str, dict[str, Any]]  # as written in qzfsg.queries, `:name` parameters


class _Watched:
    """A cursor that notes each statement before running it."""

    def __init__(self, cursor: Any, sql: str, log: list[Statement]):
        self._cursor, self._sql, self._log = cursor, sql, log

    def execute(self, statement: str, params: Mapping[str, Any]) -> Any:
        self._log.append((self._sql, dict(params)))
        return self._cursor.execute(statement, params)

    def executemany(self, statement: str, params: Sequence[Mapping[str, Any]]) -> Any:
        self._log.extend((self._sql, dict(p)) for p in params)
        return self._cursor.executemany(statement, params)


@contextlib.contextmanager
def watching() -> Iterator[list[Statement]]:
    """Every statement run through qzfsg.queries.runner inside the block, in order."""
    log: list[Statement] = []
    cursor_for = runner._cursor

    def watched(connection: Any, sql: str, *args: Any, **kwargs: Any) -> tuple[Any, str]:
        cursor, statement = cursor_for(connection, sql, *args, **kwargs)
        return _Watched(cursor, sql, log), statement

    with mock.patch.object(runner, "_cursor", watched):
        yield log


def recorded(arguments: Sequence[str]) -> list[Statement]:
    """The statements `qzfsg ARGUMENTS` runs (with --db among them), from one run of the
    command in this process (its output discarded)."""
    from qzfsg.cli import app
    from qzfsg.storage.db import close_all

    with watching() as log, contextlib.redirect_stdout(io.StringIO()):
        try:
            app([*arguments], prog_name="qzfsg")
        except SystemExit as stop:
            if stop.code not in (0, 1, None):
                raise RuntimeError(f"qzfsg {' '.join(arguments)} exited {stop.code}") from None
        finally:
            close_all()
    if not log:
        raise RuntimeError(f"qzfsg {' '.join(arguments)} ran no statement through the runner")
    return log


def _literal(value: object, postgresql: bool) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE") if postgresql else str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, date):  # and datetime: as the drivers send them
        value = value.isoformat(" ") if hasattr(value, "hour") else value.isoformat()
    return "'" + str(value).replace("'", "''") + "'"


def _inline(statement: Statement, postgresql: bool) -> str:
    """The statement as its database receives it from the runner, parameters written in:
    on PostgreSQL as `runner.to_pyformat` makes it; on SQLite as written, each parameter
    found by the runner's own pattern (not a `::` cast nor the colon of a time)."""
    sql, params = statement
    literals = {name: _literal(value, postgresql) for name, value in params.items()}
    if postgresql:
        return runner.to_pyformat(sql) % literals + ";\n"
    return runner._PARAMETER.sub(lambda m: literals[m.group(1)], sql) + ";\n"


def sqlite_script(statements: Sequence[Statement]) -> str:
    """The statements as sqlite3 shell input."""
    return "".join(_inline(s, postgresql=False) for s in statements)


def psql_script(statements: Sequence[Statement]) -> str:
    """The statements as psql input."""
    return "".join(_inline(s, postgresql=True) for s in statements)
