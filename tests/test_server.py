"""The same qzfsg on a PostgreSQL server: addresses, init, and the clerk's commands giving
exactly SQLite's output (a real server: tests/pgserver.py)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qzfsg.db import ServerAddress, database_path
from qzfsg.server import shown
from tests.conftest import SAMPLES
from tests.pgserver import SKIPPED

# The clerk's month, end to end: every read command after importing the samples.
SESSION = [
    ["import", "{inbox}", "--json"],
    ["findings", "--month", "2018-09"],
    ["findings", "--json"],
    ["history", "--unit", "城管执法局", "--month", "2018-09"],
    ["history", "--unit", "城管执法局", "--json"],
    ["status", "--from", "2018-08", "--to", "2018-09", "--as-of", "2018-10-15"],
    ["status", "--as-of", "2018-10-15", "--json"],
    ["overdue", "--month", "2018-08", "--as-of", "2018-10-15", "--message"],
    ["overdue", "--as-of", "2018-10-15", "--json"],
    ["rank", "--month", "2018-09", "--as-of", "2018-10-15"],
    ["rank", "--month", "2018-09", "--as-of", "2018-10-15", "--json", "--explain"],
    ["report", "--month", "2018-09", "--json"],
    ["report", "--month", "2018-08"],
    ["units", "list", "--json"],
    ["deadlines", "list"],
]


def inbox(folder: Path) -> Path:
    """The sample returns with their received times, as the demo lays them out."""
    shutil.copytree(SAMPLES / "files", folder)
    stamp = SAMPLES.parent.parent / "data" / "samples" / "stamp_received.py"
    subprocess.run([sys.executable, str(stamp), str(folder)], check=True)
    return folder


def outputs(cli, db: str, files: Path) -> list[tuple[int, str]]:
    results = []
    for command in SESSION:
        result = cli(*[part.format(inbox=files) for part in command], db=db)
        results.append((result.exit_code, result.stdout))
    return results


def test_every_read_command_gives_sqlite_s_output_on_postgresql(
    cli, tmp_path: Path, pg_template: str | None, pg_server, monkeypatch
):
    if pg_server is None:
        pytest.skip(SKIPPED)
    monkeypatch.chdir(tmp_path)  # see conftest.pg_empty
    files = inbox(tmp_path / "inbox")
    sqlite_db = tmp_path / "qzfsg.db"
    assert cli("init", db=str(sqlite_db)).exit_code == 0
    on_sqlite = outputs(cli, str(sqlite_db), files)
    with pg_server.database(pg_template) as url:
        on_server = outputs(cli, url, files)
    assert on_sqlite[0][0] == 1  # the samples include rejected files
    for command, (code, text), (server_code, server_text) in zip(
        SESSION, on_sqlite, on_server, strict=True
    ):
        assert (server_code, server_text) == (code, text), command


def test_init_creates_the_schema_in_an_empty_server_database(cli, pg_empty: str):
    result = cli("init", "--json", db=pg_empty)
    assert result.exit_code == 0, result.stderr
    assert '"units": 34' in result.stdout
    again = cli("init", db=pg_empty)
    assert again.exit_code == 0 and "已存在" in again.stdout


def test_a_server_database_without_tables_is_named_and_refused(cli, pg_empty: str):
    result = cli("status", db=pg_empty)
    assert result.exit_code == 2
    assert "qzfsg init" in result.stderr and str(ServerAddress(pg_empty)) in result.stderr


def test_addresses_come_from_the_option_or_the_environment(monkeypatch):
    monkeypatch.setenv("QZFSG_DB", "postgresql://clerk@server/qzfsg")
    assert database_path(None) == ServerAddress("postgresql://clerk@server/qzfsg")
    assert database_path("2019.db") == Path("2019.db")
    monkeypatch.delenv("QZFSG_DB")
    assert database_path(None) == Path("qzfsg.db")


def test_a_password_is_never_shown():
    url = "postgresql://clerk:s3cret@db.example:5433/qzfsg?sslmode=require&password=x"
    assert shown(url) == "postgresql://clerk@db.example:5433/qzfsg"
    assert str(ServerAddress(url)) == shown(url)


def test_an_unreachable_server_is_a_chinese_message_without_the_password(cli, tmp_path):
    url = f"postgresql://clerk:s3cret@/qzfsg?host={tmp_path}&connect_timeout=2"
    result = cli("status", db=url)
    assert result.exit_code == 2
    assert "无法连接数据库 postgresql://clerk@/qzfsg" in result.stderr
    assert "s3cret" not in result.stderr + result.stdout


def test_a_read_command_on_a_server_does_not_import_sqlalchemy(db_address: str, backend: str):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "qzfsg", "status", "--db", db_address],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
        check=True,
    )
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    assert "sqlalchemy" not in imported
    assert ("psycopg" in imported) == (backend == "postgresql")
