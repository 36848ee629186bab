"""The query module: statements written once for SQLite and PostgreSQL, and the read
commands that run them without importing SQLAlchemy."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from qzfsg.queries.runner import rows, to_pyformat
from qzfsg.queries.timeliness import RETURNS, ZERO_RETURNS


def test_pyformat_for_psycopg():
    sql = "SELECT a FROM t WHERE +month BETWEEN :first AND :last AND x LIKE '5%' AND y = :y"
    assert to_pyformat(sql) == (
        "SELECT a FROM t WHERE month BETWEEN %(first)s AND %(last)s AND x LIKE '5%%' AND y = %(y)s"
    )
    # binary plus and a (+column) hint in parentheses
    assert to_pyformat("SELECT a + b, (+c) FROM t") == "SELECT a + b, (c) FROM t"


def test_every_timeliness_statement_translates_without_sqlite_hints():
    for sql in (RETURNS, ZERO_RETURNS):
        translated = to_pyformat(sql)
        assert ":first" not in translated and "%(first)s" in translated
        assert "+month" not in translated and "+received_at" not in translated


def test_statements_run_on_a_plain_connection(db_file: Path):
    from qzfsg.storage.db import open_reader

    connection = open_reader(db_file)
    assert rows(connection, "SELECT count(*) FROM unit WHERE kind = :k", {"k": "town"}) == [(15,)]


@pytest.mark.parametrize(
    "command",
    [
        ["status"],
        ["overdue"],
        ["units", "list"],
        ["deadlines", "list"],
        ["rank", "--month", "2018-06"],
        ["report", "--month", "2018-06", "--json"],
    ],
)
def test_read_commands_do_not_import_sqlalchemy(db_file: Path, command: list[str]):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "qzfsg", *command, "--db", str(db_file)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    assert "qzfsg.storage.db" in imported  # the database was opened
    assert not {m for m in imported if m.startswith(("sqlalchemy", "sqlmodel"))}
