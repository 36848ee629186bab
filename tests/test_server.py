"""The same qzfsg on a PostgreSQL server: addresses, init, and the clerk's commands giving
exactly SQLite's output (a real server: tests/pgserver.py)."""

from __future__ import annotations

import json
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


# The clerk's edits, then what they show: every write command but import (dismiss takes the
# first rejected file, the same id on both databases).
EDITS = [
    ["import", "{inbox}"],
    ["units", "add", "市人防办", "--kind", "department", "--alias", "人防办"],
    ["units", "rename", "人防办", "市人民防空办公室"],
    ["units", "alias", "市人民防空办公室", "防空办"],
    ["units", "deactivate", "防空办", "--from", "2018-10"],
    ["units", "alias", "市人民防空办公室", "交通局"],  # refused: another unit's
    ["deadlines", "add", "汛期检查", "--due", "2018-07-01"],
    ["deadlines", "set", "汛期检查", "--item", "防汛检查"],
    ["receive", "实施方案", "--unit", "归义镇", "--on", "2018-06-20"],
    ["receive", "典型案例", "--unit", "公安局", "--on", "2018-09-03"],
    ["liaisons", "import", "{liaisons}", "--received", "2018-06-07", "--json"],
    ["dismiss", "{first_rejected}", "--note", "已电话核实"],
    ["dismiss", "{first_rejected}", "--json"],
    ["units", "list", "--json"],
    ["resolve", "汨罗市人防办", "--json"],
    ["deadlines", "list", "--json"],
    ["findings", "--json"],
    ["liaisons", "list", "--json"],
    ["overdue", "--as-of", "2018-10-15", "--json"],
    ["status", "--as-of", "2018-10-15", "--json"],
]


def inbox(folder: Path) -> Path:
    """The sample returns with their received times, as the demo lays them out."""
    shutil.copytree(SAMPLES / "files", folder)
    stamp = SAMPLES.parent.parent / "data" / "samples" / "stamp_received.py"
    subprocess.run([sys.executable, str(stamp), str(folder)], check=True)
    return folder


def outputs(cli, db: str, commands: list[list[str]], **names: str) -> list[tuple[int, str]]:
    results = []
    for command in commands:
        if "{first_rejected}" in command and "first_rejected" not in names:
            findings = json.loads(cli("findings", "--json", db=db).stdout)
            names["first_rejected"] = str(
                next(f["id"] for f in findings if f["status"] == "rejected")
            )
        result = cli(*[part.format(**names) for part in command], db=db)
        results.append((result.exit_code, result.stdout))
    return results


def same_on_both(
    cli, tmp_path: Path, pg_server, pg_template, commands: list[list[str]]
) -> list[tuple[int, str]]:
    """Run the commands on a new SQLite file and a new server database; assert that every
    output and exit code is the same; SQLite's."""
    if pg_server is None:
        pytest.skip(SKIPPED)
    names = {
        "inbox": str(inbox(tmp_path / "inbox")),
        "liaisons": str(SAMPLES / "联络员信息表.xlsx"),
    }
    sqlite_db = tmp_path / "qzfsg.db"
    assert cli("init", db=str(sqlite_db)).exit_code == 0
    on_sqlite = outputs(cli, str(sqlite_db), commands, **names)
    with pg_server.database(pg_template) as url:
        on_server = outputs(cli, url, commands, **names)
    for command, (code, text), (server_code, server_text) in zip(
        commands, on_sqlite, on_server, strict=True
    ):
        assert (server_code, server_text) == (code, text), command
    return on_sqlite


def test_every_read_command_gives_sqlite_s_output_on_postgresql(
    cli, tmp_path: Path, pg_template: str | None, pg_server, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # see conftest.pg_empty
    on_sqlite = same_on_both(cli, tmp_path, pg_server, pg_template, SESSION)
    assert on_sqlite[0][0] == 1  # the samples include rejected files


def test_every_edit_gives_sqlite_s_result_on_postgresql(
    cli, tmp_path: Path, pg_template: str | None, pg_server, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    on_sqlite = same_on_both(cli, tmp_path, pg_server, pg_template, EDITS)
    codes = [code for code, _ in on_sqlite]
    assert codes[1:5] == [0, 0, 0, 0] and codes[5] == 2  # the alias taken is refused
    assert json.loads(on_sqlite[14][1])["unit"] == "市人民防空办公室"
    assert "防汛检查" in on_sqlite[15][1]


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
