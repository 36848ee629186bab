"""`qzfsg copy SOURCE DEST`: a whole database with its archive, from a SQLite file to a
PostgreSQL server and back (a real server: tests/pgserver.py), verified, all or nothing."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from contextlib import closing
from datetime import datetime
from pathlib import Path

import pytest

from qzfsg.queries import copying as queries
from qzfsg.storage.archive import archive_folder
from qzfsg.storage.copying import copied_tables
from qzfsg.storage.db import close_all
from qzfsg.storage.server import ServerAddress, connect

# The read commands whose --json must not change by a round trip.
READS = [
    ["findings", "--json"],
    ["history", "--unit", "城管执法局", "--json"],
    ["status", "--as-of", "2018-10-15", "--json"],
    ["overdue", "--as-of", "2018-10-15", "--json"],
    ["rank", "--month", "2018-09", "--as-of", "2018-10-15", "--json", "--explain"],
    ["report", "--month", "2018-09", "--json"],
    ["units", "list", "--json"],
    ["deadlines", "list", "--json"],
    ["log", "--json"],
]


def reads(cli, db: str) -> list[tuple[int, str]]:
    results = [cli(*command, db=db) for command in READS]
    close_all()
    return [(result.exit_code, result.stdout) for result in results]


# A time as SQLite keeps it: the ORM writes .000000, the DB-API writer leaves it out
# (PostgreSQL keeps the time itself, so a copy back writes the one form).
TIME = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{1,6})?")


def contents(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table of a database file, in key order, times as times."""
    with closing(sqlite3.connect(db)) as connection:
        return {
            table.name: [
                tuple(
                    datetime.fromisoformat(v) if isinstance(v, str) and TIME.fullmatch(v) else v
                    for v in row
                )
                for row in connection.execute(
                    f'SELECT * FROM "{table.name}" ORDER BY '
                    + ", ".join(c.name for c in table.primary_key.columns)
                )
            ]
            for table in copied_tables()
        }


def archive_files(db: Path) -> dict[str, bytes]:
    folder = archive_folder(db)
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.*"))}


def server_tables(url: str) -> list[str]:
    connection = connect(ServerAddress(url))
    try:
        return queries.table_names(connection)
    finally:
        connection.close()


@pytest.fixture
def samples_copy(samples_db: Path, tmp_path: Path) -> Path:
    """A copy of the samples database with its archive (a test may change it)."""
    db = tmp_path / "源" / "qzfsg.db"
    db.parent.mkdir()
    with closing(sqlite3.connect(samples_db)) as origin, closing(sqlite3.connect(db)) as copy:
        origin.backup(copy)  # with what is still in the write-ahead log
    shutil.copytree(archive_folder(samples_db), archive_folder(db))
    return db


def test_a_round_trip_through_the_server_changes_nothing(cli, samples_copy, pg_empty, tmp_path):
    to_server = cli("copy", str(samples_copy), pg_empty, "--json", db=None)
    assert to_server.exit_code == 0, to_server.output
    report = json.loads(to_server.stdout)
    assert report["missing"] == []
    assert report["archived_files"] == len(archive_files(samples_copy)) > 0
    assert report["tables"]["submission"] == len(contents(samples_copy)["submission"])
    home = tmp_path / "带回" / "qzfsg.db"
    back = cli("copy", pg_empty, str(home), "--json", db=None)
    assert back.exit_code == 0, back.output
    assert json.loads(back.stdout)["tables"] == report["tables"]
    assert contents(home) == contents(samples_copy)
    assert archive_files(home) == archive_files(samples_copy)
    assert reads(cli, str(home)) == reads(cli, str(samples_copy)) == reads(cli, pg_empty)
    assert cli("check", db=pg_empty).exit_code == 0
    assert cli("check", db=str(home)).exit_code == 0
    # the server's copy goes on: a new row takes the next id
    added = cli("units", "add", "市人防办", "--kind", "department", db=pg_empty)
    assert added.exit_code == 0, added.output


def test_a_filled_destination_is_refused_and_left_alone(cli, samples_copy, db_file, pg_server):
    before = db_file.read_bytes()
    refused = cli("copy", str(samples_copy), str(db_file), db=None)
    assert refused.exit_code == 2 and "已存在" in refused.stderr
    assert db_file.read_bytes() == before
    if pg_server is None:
        return
    with pg_server.database() as url:
        with connect(ServerAddress(url)) as connection:
            connection.execute("CREATE TABLE notes (line text)")
        refused = cli("copy", str(samples_copy), url, db=None)
        assert refused.exit_code == 2 and "notes" in refused.stderr
        assert server_tables(url) == ["notes"]


def test_a_file_missing_from_the_source_archive_is_reported_and_the_rest_copied(
    cli, samples_copy, tmp_path
):
    files = sorted(archive_folder(samples_copy).rglob("*.*"))
    files[0].unlink()
    dest = tmp_path / "copy.db"
    result = cli("copy", str(samples_copy), str(dest), "--json", db=None)
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["missing"] == [str(files[0])]
    assert report["archived_files"] == len(files) - 1
    assert archive_files(dest) == archive_files(samples_copy)


@pytest.mark.parametrize("to_server", [False, True])
def test_a_copy_failing_midway_leaves_the_destination_as_it_was(
    cli, samples_copy, tmp_path, request, monkeypatch, to_server
):
    dest = request.getfixturevalue("pg_empty") if to_server else str(tmp_path / "新" / "copy.db")
    write_rows = queries.write_rows

    def failing(connection, table, columns, values):
        if table == "value":
            raise RuntimeError("injected")  # a fault after the units and returns are written
        write_rows(connection, table, columns, values)

    monkeypatch.setattr(queries, "write_rows", failing)
    failed = cli("copy", str(samples_copy), dest, db=None)
    assert failed.exit_code == 2 and "injected" in failed.stderr
    if to_server:
        assert server_tables(dest) == []
    else:
        assert not (tmp_path / "新").exists()
    monkeypatch.setattr(queries, "write_rows", write_rows)
    assert cli("copy", str(samples_copy), dest, db=None).exit_code == 0


def test_a_copy_that_does_not_match_its_source_is_undone(cli, samples_copy, tmp_path, monkeypatch):
    write_rows = queries.write_rows

    def losing_one(connection, table, columns, values):
        rows = list(values)
        write_rows(connection, table, columns, rows[1:] if table == "finding" else rows)

    monkeypatch.setattr(queries, "write_rows", losing_one)
    result = cli("copy", str(samples_copy), str(tmp_path / "新" / "copy.db"), db=None)
    assert result.exit_code == 1 and "finding" in result.stderr
    assert not (tmp_path / "新").exists()


def test_an_older_source_is_refused_until_upgraded(cli, samples_copy, tmp_path):
    with closing(sqlite3.connect(samples_copy)) as connection, connection:
        connection.execute("UPDATE meta SET value = '3' WHERE key = 'schema_version'")
    result = cli("copy", str(samples_copy), str(tmp_path / "copy.db"), db=None)
    assert result.exit_code == 2 and "qzfsg init --db" in result.stderr
    assert not (tmp_path / "copy.db").exists()


def test_a_server_database_is_backed_up_into_a_file_with_its_archive(
    cli, samples_copy, pg_empty, tmp_path
):
    assert cli("copy", str(samples_copy), pg_empty, db=None).exit_code == 0
    backup = tmp_path / "备份" / "2018-10-08.db"
    result = cli("backup", str(backup), "--json", db=pg_empty)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows"]["value"] == len(contents(samples_copy)["value"])
    assert report["archived_files"] == len(archive_files(samples_copy))
    assert contents(backup) == contents(samples_copy)
    assert archive_files(backup) == archive_files(samples_copy)
    assert sorted(p.name for p in backup.parent.iterdir()) == ["2018-10-08-archive", backup.name]
    refused = cli("backup", str(backup), db=pg_empty)
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert cli("backup", str(backup), "--force", db=pg_empty).exit_code == 0
    assert cli("check", db=str(backup)).exit_code == 0
