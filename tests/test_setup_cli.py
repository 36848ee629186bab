"""init, the database conventions (path, schema version) and the error paths."""

import json
import re
import sqlite3

import pytest
import typer
from typer.testing import CliRunner

from qzfsg.cli import app
from qzfsg.storage.db import SCHEMA_VERSION


def test_init_creates_the_registry_indicators_and_calendar(tmp_path, cli):
    db = tmp_path / "new.db"
    result = cli("init", "--json", db=db)
    assert result.exit_code == 0
    report = json.loads(result.stdout)
    assert report["created"] is True
    assert (report["units"], report["indicators"], report["deadlines"]) == (34, 11, 7)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        kinds = dict(conn.execute("SELECT kind, count(*) FROM unit GROUP BY kind").fetchall())
        assert kinds == {"town": 15, "department": 19}


def test_init_again_changes_nothing(cli, db_file):
    assert cli("units", "rename", "市林业局", "市林业分局").exit_code == 0
    result = cli("init")
    assert result.exit_code == 0
    assert "未作任何改动" in result.stdout
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT count(*) FROM unit WHERE name = '市林业分局'").fetchone() == (
            1,
        )


def test_init_with_another_year_shifts_the_calendar(tmp_path, cli):
    db = tmp_path / "2019.db"
    assert cli("init", "--year", "2019", db=db).exit_code == 0
    with sqlite3.connect(db) as conn:
        dues = dict(conn.execute("SELECT item, due FROM deadline WHERE due IS NOT NULL"))
        months = conn.execute("SELECT min(from_month) FROM deadline").fetchone()[0]
    assert dues["联络员信息表"] == "2019-06-08"
    assert months == "2019-05"
    # and an existing database keeps its year
    result = cli("init", "--year", "2020", db=db)
    assert result.exit_code == 2
    assert "2019" in result.stderr


def test_commands_without_a_database_say_to_run_init(tmp_path, cli):
    result = cli("units", "list", db=tmp_path / "missing.db")
    assert result.exit_code == 2
    assert "qzfsg init" in result.stderr
    assert "Traceback" not in result.output


def test_database_path_from_environment(tmp_path, monkeypatch):
    db = tmp_path / "env.db"
    monkeypatch.setenv("QZFSG_DB", str(db))
    runner = CliRunner()
    assert runner.invoke(app, ["init"]).exit_code == 0
    assert db.is_file()
    assert runner.invoke(app, ["units", "list", "--json"]).exit_code == 0


def test_default_database_in_current_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("QZFSG_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(app, ["init"]).exit_code == 0
    assert (tmp_path / "qzfsg.db").is_file()


def test_a_newer_schema_is_refused_untouched(cli, db_file):
    with sqlite3.connect(db_file) as conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),)
        )
    before = db_file.read_bytes()
    result = cli("units", "list")
    assert result.exit_code == 2
    assert "更新版本" in result.stderr
    assert db_file.read_bytes() == before


def test_an_older_schema_is_upgraded_after_a_backup(cli, db_file, monkeypatch):
    from qzfsg.storage import db as dbmod

    with sqlite3.connect(db_file) as conn:
        conn.execute(
            "UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION - 1),)
        )
    ran = []
    monkeypatch.setitem(dbmod.MIGRATIONS, SCHEMA_VERSION - 1, lambda conn: ran.append(True))
    assert cli("units", "list").exit_code == 0
    assert ran == [True]
    backups = list(db_file.parent.glob(f"{db_file.name}.bak-v{SCHEMA_VERSION - 1}-*"))
    assert len(backups) == 1
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone() == (
            str(SCHEMA_VERSION),
        )


def test_a_file_that_is_not_a_database_is_refused(tmp_path, cli):
    bogus = tmp_path / "bogus.db"
    bogus.write_text("hello")
    result = cli("units", "list", db=bogus)
    assert result.exit_code == 2
    assert "不是 qzfsg 数据库" in result.stderr


def test_plain_qzfsg_shows_the_help_and_exits_0():
    result = CliRunner().invoke(app, [])
    assert result.exit_code == 0 and "qzfsg init" in result.stdout


def test_help_is_chinese_and_needs_no_database():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "显示本帮助并退出" in result.stdout and "命令" in result.stdout


def test_the_installed_command_exits_with_the_codes_and_flushes(tmp_path):
    """`qzfsg` as a process (main ends with os._exit): codes, stdout and stderr intact."""
    import subprocess
    import sys

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "qzfsg", *args], capture_output=True, text=True, cwd=tmp_path
        )

    missing = run("units", "list", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 2 and "qzfsg init" in missing.stderr
    assert run("init", "--db", str(tmp_path / "q.db")).returncode == 0
    listed = run("units", "list", "--json", "--db", str(tmp_path / "q.db"))
    assert listed.returncode == 0 and json.loads(listed.stdout)[-1]["name"] == "市地方海事处"
    assert run("no-such-command").returncode == 2
    # the database file alone is the whole database: the write-ahead log was folded back
    alone = tmp_path / "copy"
    alone.mkdir()
    (alone / "q.db").write_bytes((tmp_path / "q.db").read_bytes())
    assert run("units", "list", "--json", "--db", str(alone / "q.db")).returncode == 0


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["import"], "缺少参数 文件…。运行 qzfsg import --help"),
        (["units", "add", "新单位"], "缺少选项 --kind。运行 qzfsg units add --help"),
        (["units", "list", "--bogus"], "没有选项 --bogus"),
        (["init", "--year", "abc"], "--year 的值无效：应为整数"),
        (
            ["units", "list", "--kind", "city"],
            "--kind 的值无效：“city”不是可选的值，可选：镇（town）、部门（department）",
        ),
        (["units", "list", "extra"], "多余的参数：extra"),
        (["unitz"], "没有命令“unitz”。是不是 'units'"),
        (["--bogus"], "没有选项 --bogus"),
        (["rank", "--quarter"], "选项 --quarter 后面缺少值。运行 qzfsg rank --help"),
        (
            ["units", "add", "新单位", "--kind"],
            "选项 --kind 后面缺少值。运行 qzfsg units add --help",
        ),
        (["status", "--json=1"], "选项 --json 不带值。运行 qzfsg status --help"),
        (["rank", "--quater", "2018Q3"], "没有选项 --quater。是不是 --quarter？运行 qzfsg rank"),
        (["dismiss", "abc"], "编号… 的值无效：应为整数。运行 qzfsg dismiss --help"),
        (["deadlines", "add", "台账", "--who", "村"], "--who 的值无效：“村”不是可选的值"),
        (["deadlines", "shift", "maybe"], "on|off 的值无效：“maybe”不是可选的值，可选：on、off"),
    ],
)
def test_usage_errors_are_chinese_with_exit_2(cli, args, said):
    result = cli(*args, db=None)
    assert result.exit_code == 2
    assert said in result.stderr and "--help 查看用法" in result.stderr
    assert not re.search(r"[A-Z][a-z]+ [a-z]+", result.output)  # no English sentence
    assert "Traceback" not in result.output and "Error" not in result.output


def commands(group=None, prefix=()):
    group = group or typer.main.get_command(app)
    for name, command in group.commands.items():
        yield (*prefix, name)
        if hasattr(command, "commands"):
            yield from commands(command, (*prefix, name))


@pytest.mark.parametrize("path", [(), *commands()], ids=lambda p: " ".join(p) or "qzfsg")
def test_help_is_natural_chinese(cli, path):
    """用法：, Chinese or date-shaped metavars, no type tags, no {ARG}, no cut summaries."""
    out = cli(*path, "--help", db=None).stdout
    assert out.startswith(f"用法：qzfsg {' '.join(path)}".replace("  ", " "))
    assert "Usage" not in out and "[OPTIONS]" not in out
    assert not re.search(r"<[a-z\[\]|]+>|\{\w+|\.\.\.$", out, re.MULTILINE), out


def test_command_summaries_are_whole():
    out = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "80"}).stdout
    summary = "".join(out.split("命令:")[1].split())
    assert "A4排版，可直接打印或发布。" in summary and "..." not in summary
    # lines fit 80 columns (a Chinese character takes two), broken between characters
    from qzfsg.cli.i18n import display_width

    assert max(display_width(line) for line in out.splitlines()) <= 80
    # a paragraph's lines are joined without a space between two Chinese characters
    out = CliRunner().invoke(app, ["import", "--help"]).stdout
    assert "前一版留在历史中；内容完全相同" in "".join(out.split())


@pytest.mark.parametrize("kind", ["镇", "town"])
def test_kind_in_chinese_or_english(cli, kind):
    for args in (("units", "list"), ("status",), ("overdue",), ("rank", "--month", "2018-06")):
        result = cli(*args, "--kind", kind, "--json")
        assert result.exit_code == 0, result.output
    units = json.loads(cli("units", "list", "--kind", kind, "--json").stdout)
    assert {u["kind"] for u in units} == {"town"} and len(units) == 15
    assert cli("units", "add", "新区", "--kind", kind, "--from", "2018-05").exit_code == 0


def test_db_before_the_command(cli, db_file, tmp_path):
    result = CliRunner().invoke(app, ["--db", str(db_file), "units", "list", "--json"])
    assert result.exit_code == 0 and len(json.loads(result.stdout)) == 34
    # given twice, the one after the command wins
    other = tmp_path / "none.db"
    result = CliRunner().invoke(app, ["--db", str(other), "units", "list", "--db", str(db_file)])
    assert result.exit_code == 0
    result = CliRunner().invoke(app, ["--db", str(db_file), "units", "list", "--db", str(other)])
    assert result.exit_code == 2 and "none.db" in result.stderr


@pytest.mark.parametrize(
    ("args", "name"),
    [
        (["--db", "x.db", "status", "--as-of", "2018-10-15"], "status"),
        (["units", "list"], "units"),
        (["--help"], None),
        (["--db", "status"], None),
        ([], None),
    ],
)
def test_the_called_command_is_found_in_the_arguments(args, name):
    """main keeps only this command for typer to build (start-up, issue 13)."""
    from qzfsg.cli import called_name

    assert called_name(args) == name


def test_an_indicator_of_the_wrong_type_is_named(tmp_path):
    from qzfsg.defaults import load_indicators
    from qzfsg.errors import QzfsgError

    path = tmp_path / "indicators.toml"
    row = 'code = "fines"\nlabel = "经济处罚"\nshort = "罚款"\nunit = "万元"\n'
    path.write_text(f"[[indicator]]\n{row}decimals = 4\n", encoding="utf-8")
    assert load_indicators(path)[0].decimals == 4
    path.write_text(f'[[indicator]]\n{row}decimals = "4"\n', encoding="utf-8")
    with pytest.raises(QzfsgError, match="fines：decimals 应为整数"):
        load_indicators(path)
