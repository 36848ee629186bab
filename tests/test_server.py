"""The same qzfsg on a PostgreSQL server: addresses, init, and the clerk's commands giving
exactly SQLite's output (a real server: tests/pgserver.py)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from qzfsg.storage.archive import archive_folder
from qzfsg.storage.db import ServerAddress, database_path
from qzfsg.storage.server import shown
from tests.conftest import SAMPLES, cli_runner
from tests.factories import default_values, make_return
from tests.pgserver import SKIPPED

# The clerk's month, end to end: every read command after importing the samples (`imported`).
SESSION = [
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


# The corrections of the record and what they show, refusals included (ids as the samples'
# received order gives them: #13 and #21 城管执法局 9月 and its correction, #17 交警大队's
# rejected return tied to May, #20 农业农村局 9月 current; {late} is a return of 归义镇
# for September, not among the samples).
CORRECTIONS = [
    ["withdraw", "21", "--reason", "单位说更正表发错了", "--by", "李四", "--json"],
    ["withdraw", "21", "--reason", "再撤一次"],  # refused: withdrawn already
    ["history", "--unit", "城管执法局", "--month", "2018-09"],
    ["show", "城管执法局", "--month", "2018-09", "--json"],
    ["restore", "21", "--by", "李四"],
    ["restore", "21", "--json"],  # refused: not withdrawn
    ["redate", "13", "2018-09-20T09:30", "--reason", "收到日期录错", "--json"],
    ["refile", "17", "--month", "2018-09", "--reason", "其实是 9 月的表"],
    ["refile", "17", "--month", "2018-09", "--reason", "再改一次"],  # refused: already there
    ["lock", "2018-09", "--reason", "9月通报已印发", "--by", "王五", "--json"],
    ["lock", "2018-09"],  # locked already
    ["import", "{late}", "--received", "2018-09-26", "--json"],  # refused: the month is locked
    ["withdraw", "20", "--reason", "误导入"],  # refused: locked
    ["redate", "20", "2018-09-24", "--reason", "x", "--json"],  # refused: locked
    ["import", "{late}", "--received", "2018-09-26", "--override", "--reason", "补录", "--json"],
    ["withdraw", "20", "--reason", "撤回", "--override"],  # the lock overridden
    ["withdraw", "999", "--reason", "x"],  # refused: no such return
    ["history", "--unit", "城管执法局", "--json"],
    ["history", "--unit", "归义镇"],
    ["show", "交警大队", "--month", "2018-09"],
    ["show", "归义镇", "--month", "2018-09", "--json"],
    ["rank", "--month", "2018-09", "--as-of", "2018-10-15"],
    ["report", "--month", "2018-09", "--json"],
    ["status", "--as-of", "2018-10-15", "--json"],
    ["unlock", "2018-09", "--reason", "通报需更正", "--json"],
    ["unlock", "2018-09", "--reason", "再解一次"],  # not locked
    ["import", "{late_fix}", "--received", "2018-09-27"],
    ["history", "--unit", "归义镇", "--json"],  # the changes in the form's order
    ["findings", "--json"],
    ["log", "--month", "2018-09"],
    ["log", "--unit", "城管执法局", "--json"],
    ["log", "--json"],
]


def corrected() -> dict:
    """The factory's return with three figures changed (one of them only in 累计数)."""
    values = default_values()
    for code, more in (("officers", 2), ("activities", 1)):
        values[code] = (values[code][0] + more, values[code][1] + more)
    values["arrests"] = (values["arrests"][0], values["arrests"][1] + 1)
    return values


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
        results.append((result.exit_code, _now_masked(result.stdout + result.stderr)))
    return results


def _now_masked(text: str) -> str:
    """The text with the digits of today's times (when a change was made: the audit
    trail, a lock) masked, their shape kept: the two runs are seconds apart."""
    today = re.escape(date.today().isoformat())
    return re.sub(rf"{today}[ T][0-9:.]+", lambda found: re.sub(r"\d", "#", found.group()), text)


@dataclass
class Imported:
    """The samples imported once into a SQLite file and a server database (kept as a
    template), which each test copies: importing them is the heavy part."""

    names: dict[str, str]
    sqlite_db: Path
    server_template: str
    outcome: tuple[int, str]  # `import --json` of the samples, the same on both


@pytest.fixture(scope="module")
def imported(tmp_path_factory, pg_server, pg_template) -> Iterator[Imported]:
    if pg_server is None:
        pytest.skip(SKIPPED)
    from qzfsg.storage.db import close_all

    folder = tmp_path_factory.mktemp("imported")
    names = {
        "inbox": str(inbox(folder / "inbox")),
        "liaisons": str(SAMPLES / "联络员信息表.xlsx"),
        "late": str(
            make_return(folder, name="归义镇9月报表.xlsx", month_field="2018年9月", filed=None)
        ),
        "late_fix": str(
            make_return(
                folder, corrected(), name="归义镇9月报表（更正）.xlsx", month_field="2018年9月"
            )
        ),
    }
    sqlite_db = folder / "sqlite" / "qzfsg.db"
    template = pg_server.new_name("qzfsg_imported")
    pg_server.admin(f"CREATE DATABASE {template} TEMPLATE {pg_template} STRATEGY FILE_COPY")
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.chdir(folder)
        cli = cli_runner(monkeypatch)
        assert cli("init", db=str(sqlite_db)).exit_code == 0
        command = [["import", "{inbox}", "--json"]]
        [outcome] = outputs(cli, str(sqlite_db), command, **names)
        assert outputs(cli, pg_server.url(template), command, **names) == [outcome]
    close_all()  # a template takes no connections while it is copied
    yield Imported(names, sqlite_db, template, outcome)
    pg_server.admin(f"DROP DATABASE IF EXISTS {template} WITH (FORCE)")  # see pg_template


@contextmanager
def copies(tmp_path: Path, pg_server, imported: Imported) -> Iterator[tuple[str, str]]:
    """A copy of the imported SQLite file (with its archive folder) and of the imported
    server database, for the block."""
    from qzfsg.storage.db import close_all

    sqlite_db = tmp_path / "qzfsg.db"
    shutil.copy(imported.sqlite_db, sqlite_db)
    shutil.copytree(archive_folder(imported.sqlite_db), archive_folder(sqlite_db))
    with pg_server.database(imported.server_template) as url:
        yield str(sqlite_db), url
        close_all()


def same_on_both(
    cli, tmp_path: Path, pg_server, imported: Imported, commands: list[list[str]]
) -> list[tuple[int, str]]:
    """Run the commands on a copy of the imported SQLite file and of the imported server
    database; assert that every output and exit code is the same; SQLite's."""
    with copies(tmp_path, pg_server, imported) as (sqlite_db, url):
        on_sqlite = outputs(cli, sqlite_db, commands, **imported.names)
        on_server = outputs(cli, url, commands, **imported.names)
    for command, (code, text), (server_code, server_text) in zip(
        commands, on_sqlite, on_server, strict=True
    ):
        assert (server_code, server_text) == (code, text), command
    return on_sqlite


def test_every_read_command_gives_sqlite_s_output_on_postgresql(
    cli, tmp_path: Path, pg_server, imported: Imported, monkeypatch
):
    monkeypatch.chdir(tmp_path)  # see conftest.pg_empty
    same_on_both(cli, tmp_path, pg_server, imported, SESSION)
    assert imported.outcome[0] == 1  # the samples include rejected files


def test_every_edit_gives_sqlite_s_result_on_postgresql(
    cli, tmp_path: Path, pg_server, imported: Imported, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    on_sqlite = same_on_both(cli, tmp_path, pg_server, imported, EDITS)
    codes = [code for code, _ in on_sqlite]
    assert codes[0:4] == [0, 0, 0, 0] and codes[4] == 2  # the alias taken is refused
    assert json.loads(on_sqlite[13][1])["unit"] == "市人民防空办公室"
    assert "防汛检查" in on_sqlite[14][1]


def test_every_correction_gives_sqlite_s_result_on_postgresql(
    cli, tmp_path: Path, pg_server, imported: Imported, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    on_sqlite = same_on_both(cli, tmp_path, pg_server, imported, CORRECTIONS)
    done = {" ".join(c): result for c, result in zip(CORRECTIONS, on_sqlite, strict=True)}
    refused = [" ".join(c) for c, (code, _) in zip(CORRECTIONS, on_sqlite, strict=True) if code]
    assert refused == [
        "withdraw 21 --reason 再撤一次", "restore 21 --json", "refile 17 --month 2018-09 --reason 再改一次",
        "import {late} --received 2018-09-26 --json", "withdraw 20 --reason 误导入",
        "redate 20 2018-09-24 --reason x --json", "withdraw 999 --reason x",
    ]  # fmt: skip
    assert "已锁定" in done["withdraw 20 --reason 误导入"][1]
    assert "已撤回（单位说更正表发错了）" in done["history --unit 城管执法局 --month 2018-09"][1]
    # A return checked again is named as the clerk's file, not as its copy in the archive.
    refiled = done["show 交警大队 --month 2018-09"][1]
    assert "文件“交警大队9月报表.xlsx”是空文件" in refiled and "e3b0c442" not in refiled
    assert "#24" in done["history --unit 归义镇"][1]  # the refused import took no id
    [*_, fix] = json.loads(done["history --unit 归义镇 --json"][1])
    assert [(c["indicator"], c["column"]) for c in fix["changes"]] == [
        ("activities", "month"), ("activities", "cumulative"), ("officers", "month"),
        ("officers", "cumulative"), ("arrests", "cumulative"),
    ]  # fmt: skip
    log = json.loads(done["log --json"][1])
    assert [e["action"] for e in log if e["action"] != "import"] == [
        "withdraw", "restore", "redate", "refile", "refile", "lock", "override", "override",
        "withdraw", "unlock",
    ]  # fmt: skip


def test_check_finds_the_same_on_both_and_fix_removes_the_same(
    cli, tmp_path: Path, pg_server, imported: Imported, monkeypatch
):
    """`check` on a server reads the files kept in the database as it reads the archive
    folder: the same counts, and the same files named gone, altered and unreferenced
    (by sha256: a folder names paths, a server database "database:<sha256>…")."""
    import psycopg

    from qzfsg.storage.archive import parse_reference

    monkeypatch.chdir(tmp_path)

    def found(db: str) -> tuple[int, int, list[tuple[str, str, bool]]]:
        result = cli("check", "--json", db=db)
        report = json.loads(result.stdout)
        problems = [
            (p["kind"], parse_reference(p["file"])[0], p["fixed"]) for p in report["problems"]
        ]
        return result.exit_code, report["archived_files"], sorted(problems)

    with copies(tmp_path, pg_server, imported) as (sqlite_db, url):
        assert found(url) == found(sqlite_db) == (0, 23, [])
        folder = archive_folder(Path(sqlite_db))
        gone, altered = sorted(folder.glob("??/*"))[:2]
        orphan = "ab" * 32
        gone.unlink()
        altered.write_bytes(altered.read_bytes() + b"x")
        (folder / "ab").mkdir(exist_ok=True)
        (folder / "ab" / f"{orphan}.xlsx").write_bytes(b"x")
        os.utime(folder / "ab" / f"{orphan}.xlsx", (0, 0))  # not an import under way
        with psycopg.connect(url) as connection:
            connection.execute("DELETE FROM archived_file WHERE sha256 = %s", (gone.stem,))
            connection.execute(
                "UPDATE archived_file SET data = data || 'x'::bytea WHERE sha256 = %s",
                (altered.stem,),
            )
            connection.execute("INSERT INTO archived_file VALUES (%s, 'x')", (orphan,))
        damaged = found(sqlite_db)
        assert damaged == (1, 23, [("altered", altered.stem, False), ("missing", gone.stem, False),
                                   ("orphan", orphan, False)])  # fmt: skip
        assert found(url) == damaged
        fixed = [cli("check", "--fix", "--json", db=db) for db in (sqlite_db, url)]
        assert [f.exit_code for f in fixed] == [1, 1]
        assert found(url) == found(sqlite_db) == (1, 23, damaged[2][:2])


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


def test_sessions_run_without_jit_and_keep_the_address_s_own_options(pg_empty: str):
    from qzfsg.storage.server import connect

    own = f"{pg_empty}&options=-c%20work_mem%3D7MB"
    with connect(ServerAddress(own)) as session:
        shown_settings = [
            session.execute(f"SHOW {name}").fetchone()[0] for name in ("jit", "work_mem")
        ]
    assert shown_settings == ["off", "7MB"]


def test_a_server_database_locked_beyond_the_timeout_is_refused_as_a_file_is(
    cli, db_address: str, backend: str, monkeypatch
):
    """Another writer's lock is waited for QZFSG_BUSY_TIMEOUT seconds on both databases
    (a server's would otherwise be waited for without end), then the same refusal."""
    from qzfsg.queries.runner import rows
    from qzfsg.storage import server
    from qzfsg.storage.db import connect, take_write_lock

    monkeypatch.setenv("QZFSG_BUSY_TIMEOUT", "0.2")
    where = database_path(db_address)
    other = server.connect(where, autocommit=False) if backend == "postgresql" else connect(where)
    try:
        take_write_lock(other)  # held until ROLLBACK, as by another clerk's import
        result = cli("import", str(SAMPLES / "files" / "弼时镇8月报表.xlsx"), db=db_address)
        other.rollback()
        assert result.exit_code == 2
        assert "占用" in result.stderr and "0.2 秒" in result.stderr and "未写入" in result.stderr
        assert rows(other, "SELECT count(*) FROM submission") == [(0,)]
    finally:
        other.close()
