"""`qzfsg import`, `validate`, `findings`, `history` through the CLI."""

import json
import os
import sqlite3
from datetime import datetime
from decimal import Decimal

from typer.testing import CliRunner

from qzfsg.cli import app
from tests.conftest import SAMPLES
from tests.factories import CODES, default_values, make_return

IMPORT_KEYS = {
    "file",
    "status",
    "unit",
    "month",
    "version",
    "received",
    "values",
    "findings",
    "duplicate_of",
    "replaces_version",
    "late",
    "current",
}


def stamp(path, when):
    ts = when.timestamp()
    os.utime(path, (ts, ts))
    return path


def query(db_file, sql):
    with sqlite3.connect(db_file) as conn:
        return conn.execute(sql).fetchall()


def submissions(db_file):
    return query(db_file, "SELECT source_name, status, version FROM submission ORDER BY id")


def test_import_json_shape_and_exit_code(tmp_path, cli, db_file):
    good = stamp(make_return(tmp_path, name="good.xlsx"), datetime(2018, 6, 28, 9))
    bad = stamp(
        make_return(tmp_path, raw={("cases", "m"): -1}, name="bad.xlsx", unit="新市镇"),
        datetime(2018, 6, 27, 9),
    )
    result = cli("import", str(good), str(bad), "--json")
    assert result.exit_code == 1
    files = json.loads(result.stdout)
    assert [f["file"].rsplit("/", 1)[-1] for f in files] == [
        "bad.xlsx",
        "good.xlsx",
    ]  # received order
    assert set(files[1]) == IMPORT_KEYS
    assert files[1]["values"]["fines"] == {"month": 0.35, "cumulative": 0.6}
    assert files[1]["received"] == "2018-06-28T09:00:00"
    finding = next(f for f in files[0]["findings"] if f["severity"] == "error")
    assert (finding["code"], finding["cell"], finding["indicator"]) == ("negative", "C7", "cases")
    assert set(finding) == {
        "code",
        "severity",
        "message",
        "indicator",
        "cell",
        "cells",
        "expected",
    }
    assert finding["cells"] == ["C7"]
    assert submissions(db_file) == [("bad.xlsx", "rejected", 1), ("good.xlsx", "accepted", 1)]


def test_expected_figures_are_numbers_in_json(tmp_path, cli):
    """May is the first month: each 累计数 must equal 本月数, and says so as a number."""
    path = make_return(tmp_path, filed="2018年5月28日")
    files = json.loads(cli("import", str(path), "--month", "2018-05", "--json").stdout)
    expected = {
        f["indicator"]: f["expected"] for f in files[0]["findings"] if f["code"] == "cum_mismatch"
    }
    assert expected["activities"] == 5 and expected["fines"] == 0.35
    words = [f["expected"] for f in files[0]["findings"] if f["code"] != "cum_mismatch"]
    assert all(isinstance(w, str | None) for w in words)


def test_a_finding_on_eleven_cells_names_all_of_them_in_json(tmp_path, cli):
    formulas = {(code, "c"): "=1+1" for code in CODES}
    path = make_return(tmp_path, formulas=formulas)
    imported = json.loads(cli("import", str(path), "--received", "2018-06-28", "--json").stdout)
    [problem] = [f for f in imported[0]["findings"] if f["severity"] == "error"]
    cells = [f"D{row}" for row in range(4, 15)]
    assert problem["code"] == "formula_no_value"
    assert (problem["cell"], problem["cells"]) == ("D4", cells)
    [listed] = json.loads(cli("findings", "--json").stdout)  # read back from the database
    [stored] = [f for f in listed["findings"] if f["code"] == "formula_no_value"]
    assert (stored["cell"], stored["cells"]) == ("D4", cells)


def test_import_all_good_exits_0_and_shows_a_table(tmp_path, cli):
    result = cli("import", str(make_return(tmp_path)), "--received", "2018-06-28")
    assert result.exit_code == 0
    assert "已录入" in result.stdout and "归义镇" in result.stdout


def test_import_folder_recursively_with_dry_run(tmp_path, cli, db_file):
    (tmp_path / "sub").mkdir()
    make_return(tmp_path / "sub", name="a.xlsx")
    make_return(tmp_path / "sub", name="b.xls", fmt="xls", unit="新市镇")
    (tmp_path / "sub" / "说明.docx").write_text("not a return")
    result = cli("import", str(tmp_path), "--dry-run", "--json")
    assert result.exit_code == 0
    assert [f["status"] for f in json.loads(result.stdout)] == ["checked", "checked"]
    assert submissions(db_file) == []


def test_import_glob_and_unit_month_options(tmp_path, cli, db_file):
    make_return(tmp_path, unit="", filed=None, name="x1.xlsx")
    result = cli(
        "import", str(tmp_path / "x*.xlsx"), "--unit", "新市", "--month", "2018-06", "--json"
    )
    assert result.exit_code == 2  # 新市 is not a unit: a usage error, nothing imported
    result = cli(
        "import", str(tmp_path / "x*.xlsx"), "--unit", "新市镇", "--month", "2018-06", "--json"
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["unit"] == "新市镇"


def test_import_unknown_path_is_a_usage_error(tmp_path, cli):
    result = cli("import", str(tmp_path / "nope.xlsx"))
    assert result.exit_code == 2
    assert "找不到文件" in result.stderr


def test_import_bad_month_option_is_a_usage_error(tmp_path, cli):
    result = cli("import", str(make_return(tmp_path)), "--month", "June")
    assert result.exit_code == 2
    assert "YYYY-MM" in result.stderr


def test_findings_gives_a_message_per_unit(tmp_path, cli):
    cli(
        "import",
        str(make_return(tmp_path, raw={("cases", "c"): 1}, name="bad.xlsx")),
        "--received",
        "2018-06-28",
    )
    result = cli("findings", "--json")
    assert result.exit_code == 0
    [item] = json.loads(result.stdout)
    assert (item["unit"], item["month"], item["status"]) == ("归义镇", "2018-06", "rejected")
    assert "退回意见" in item["message"] and "D7" in item["message"]
    # a corrected file closes it
    cli("import", str(make_return(tmp_path, name="good.xlsx")), "--received", "2018-06-29")
    assert json.loads(cli("findings", "--json").stdout) == []
    assert "没有待处理的问题" in cli("findings").stdout


def test_findings_filters(tmp_path, cli):
    cli(
        "import",
        str(make_return(tmp_path, raw={("cases", "c"): 1}, name="a.xlsx")),
        "--received",
        "2018-06-28",
    )
    assert json.loads(cli("findings", "--month", "2018-07", "--json").stdout) == []
    assert len(json.loads(cli("findings", "--unit", "归义镇", "--json").stdout)) == 1
    assert cli("findings", "--unit", "不存在").exit_code == 2


def test_history_shows_versions_and_changes(tmp_path, cli):
    cli("import", str(make_return(tmp_path, name="v1.xlsx")), "--received", "2018-06-28")
    changed = default_values()
    changed["closures"] = (changed["closures"][0] + 1, changed["closures"][1] + 1)
    cli("import", str(make_return(tmp_path, changed, name="v2.xlsx")), "--received", "2018-06-29")
    result = cli("history", "--unit", "归义镇", "--json")
    entries = json.loads(result.stdout)
    assert [(e["file"], e["version"], e["superseded"]) for e in entries] == [
        ("v1.xlsx", 1, True),
        ("v2.xlsx", 2, False),
    ]
    assert [(c["indicator"], c["before"], c["after"]) for c in entries[1]["changes"]] == [
        ("closures", 0, 1),
        ("closures", 1, 2),
    ]
    assert "取缔关闭" in cli("history", "--unit", "归义镇").stdout


def test_history_of_a_month_lists_every_unit_in_received_order(tmp_path, cli):
    arrivals = [("新市镇", "a.xlsx", "2018-06-29"), ("归义镇", "b.xlsx", "2018-06-27"),
                ("新市镇", "c.xlsx", "2018-06-30"), ("归义镇", "d.xlsx", "2018-07-20")]  # fmt: skip
    for n, (unit, name, day) in enumerate(arrivals):
        values = default_values()
        values["closures"] = (Decimal(n), Decimal(9))  # no file repeats another
        path = make_return(tmp_path, values, unit=unit, name=name)
        cli("import", str(path), "--month", "2018-06", "--received", day)
    entries = json.loads(cli("history", "--month", "2018-06", "--json").stdout)
    assert [(e["unit"], e["file"], e["version"]) for e in entries] == [
        ("归义镇", "b.xlsx", 1),
        ("新市镇", "a.xlsx", 1),
        ("新市镇", "c.xlsx", 2),
        ("归义镇", "d.xlsx", 2),
    ]
    out = cli("history", "--month", "2018-06").stdout
    assert "2018年6月收到的月报表（4 份" in out and "新市镇" in out and "归义镇" in out
    assert cli("history", "--month", "2018-07", "--json").stdout.strip() == "[]"
    result = cli("history")
    assert result.exit_code == 2 and "--month" in result.stderr


def test_validate_without_a_database(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QZFSG_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    ok = runner.invoke(app, ["validate", str(make_return(tmp_path)), "--json"])
    assert ok.exit_code == 0 and json.loads(ok.stdout)[0]["status"] == "checked"
    bad = runner.invoke(app, ["validate", str(SAMPLES / "files" / "工信局8月报表.xlsx")])
    assert bad.exit_code == 1 and "D6" in bad.stdout
    assert not (tmp_path / "qzfsg.db").exists()


def test_validate_with_a_database_checks_the_previous_month(tmp_path, cli, db_file):
    may = {code: (c - m, c - m) for code, (m, c) in default_values().items()}
    cli(
        "import",
        str(make_return(tmp_path, may, name="may.xlsx", filed="2018年5月30日")),
        "--received",
        "2018-05-30",
    )
    wrong = default_values()
    wrong["cases"] = (wrong["cases"][0], wrong["cases"][1] + 5)
    result = cli("validate", str(make_return(tmp_path, wrong, name="june.xlsx")), "--json")
    assert result.exit_code == 1
    assert "cum_mismatch" in {f["code"] for f in json.loads(result.stdout)[0]["findings"]}
    assert [s[0] for s in submissions(db_file)] == ["may.xlsx"]


def test_spreadsheet_text_is_escaped(tmp_path, cli):
    path = make_return(tmp_path, raw={("cases", "m"): "[red]x[/red]"}, name="[b]r.xlsx")
    result = cli("import", str(path), "--received", "2018-06-28")
    assert "[red]x[/red]" in result.stdout and "[b]r.xlsx" in result.stdout


def test_dismiss_takes_a_file_off_the_findings_list(tmp_path, cli, db_file):
    cli(
        "import",
        str(make_return(tmp_path, unit="汨罗市恒达物流有限公司")),
        "--received",
        "2018-06-28",
    )
    [item] = json.loads(cli("findings", "--json").stdout)
    assert item["unit"] is None and item["status"] == "rejected"
    result = cli("dismiss", str(item["id"]), "--note", "非本市填报单位，已告知")
    assert result.exit_code == 0 and "已移出" in result.stdout
    assert json.loads(cli("findings", "--json").stdout) == []
    assert submissions(db_file) == [("r.xlsx", "rejected", 1)]  # the file itself stays
    assert cli("dismiss", "999").exit_code == 2


def test_validate_checks_a_file_already_received(tmp_path, cli):
    path = make_return(tmp_path)
    assert cli("import", str(path), "--received", "2018-06-28").exit_code == 0
    result = cli("validate", str(path), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["status"] == "checked"


def test_an_unplaced_file_leaves_findings_once_its_bytes_are_accepted(tmp_path, cli):
    path = make_return(tmp_path, unit="")
    cli("import", str(path), "--received", "2018-06-28")
    assert len(json.loads(cli("findings", "--json").stdout)) == 1
    assert cli("import", str(path), "--unit", "白水镇", "--received", "2018-06-28").exit_code == 0
    assert json.loads(cli("findings", "--json").stdout) == []


def test_dismissing_a_clean_return_changes_nothing(tmp_path, cli, db_file):
    assert cli("import", str(make_return(tmp_path)), "--received", "2018-06-28").exit_code == 0
    [(submission_id,)] = query(db_file, "SELECT id FROM submission")
    result = cli("dismiss", str(submission_id))
    assert result.exit_code == 0
    assert "本不在待处理清单上" in result.stdout and "已移出" not in result.stdout
    [done] = json.loads(cli("dismiss", str(submission_id), "--json").stdout)
    assert (done["clean"], done["already"]) == (True, False)
    assert query(db_file, "SELECT dismissed_at FROM submission") == [(None,)]


def test_dismissing_twice_says_so(tmp_path, cli):
    cli("import", str(make_return(tmp_path, unit="汨罗市某公司")), "--received", "2018-06-28")
    [item] = json.loads(cli("findings", "--json").stdout)
    cli("dismiss", str(item["id"]), "--note", "first")
    again = json.loads(cli("dismiss", str(item["id"]), "--json").stdout)
    assert again[0]["already"] is True and again[0]["note"] == "first"


def test_the_note_sent_to_a_unit_carries_no_commands_and_speaks_to_it(tmp_path, cli):
    """The clerk sees how to place a file (--month); the unit is only asked what it can do."""
    undated = make_return(tmp_path, filed=None, name="没写日期.xlsx")
    imported = cli("import", str(undated), "--received", "2018-06-28")
    assert imported.exit_code == 1
    assert "--month" in imported.stdout  # the clerk's hint, beside the finding
    [item] = json.loads(cli("findings", "--json").stdout)
    assert [f["code"] for f in item["findings"]] == ["month_unknown"]
    note = item["message"]
    assert note.startswith("【退回意见】归义镇：你单位2018年6月28日报送的《没写日期.xlsx》")
    assert "请你单位" in note
    for clerk_only in ("--", "qzfsg", "该单位", "导入"):
        assert clerk_only not in note
    assert "--month" in cli("findings").stdout  # the hint stays in the clerk's table


def test_a_warning_note_asks_the_unit_to_check(tmp_path, cli):
    zero = {code: (0, 0) for code in default_values()}
    cli("import", str(make_return(tmp_path, zero)), "--received", "2018-06-28")
    [item] = json.loads(cli("findings", "--json").stdout)
    assert item["message"].startswith("【核实提醒】归义镇：你单位")
    assert "请你单位更正后重新报送" in item["message"]
    assert "该单位" not in item["message"]


def test_show_a_units_month(tmp_path, cli):
    few_officers = {"officers": ("5", "24")}  # accepted, with a warning to check
    cli("import", str(make_return(tmp_path, name="v1.xlsx")), "--received", "2018-06-28")
    path = make_return(tmp_path, few_officers, name="v2.xlsx")
    cli("import", str(path), "--received", "2018-06-29")
    item = json.loads(cli("show", "归义镇", "--month", "2018-06", "--json").stdout)
    assert set(item) == {"unit", "month", "status", "files", "version", "file", "received",
                         "figures", "findings", "under_review", "dismissed"}  # fmt: skip
    assert (item["unit"], item["status"], item["version"], item["files"]) == (
        "归义镇", "accepted", 2, 2)  # fmt: skip
    assert (item["file"], item["received"]) == ("v2.xlsx", "2018-06-29T12:00:00")
    assert [f["code"] for f in item["figures"]] == CODES
    officers = next(f for f in item["figures"] if f["code"] == "officers")
    assert (officers["label"], officers["month"], officers["cumulative"]) == ("出动执法人员", 5, 24)
    fines = next(f for f in item["figures"] if f["code"] == "fines")
    assert (fines["unit"], fines["month"], fines["cumulative"]) == ("万元", 0.35, 0.6)
    assert item["under_review"] is True and "few_officers" in {f["code"] for f in item["findings"]}
    out = cli("show", "归义镇", "--month", "2018-06").stdout
    assert "第 2 版" in out and "出动执法人员" in out and "尚未处理" in out

    missing = json.loads(cli("show", "新市镇", "--month", "2018-06", "--json").stdout)
    assert (missing["status"], missing["files"], missing["figures"]) == ("missing", 0, [])
    cli("import", str(make_return(tmp_path, raw={("cases", "m"): -1}, unit="新市镇",
                                  name="bad.xlsx")), "--received", "2018-06-28")  # fmt: skip
    rejected = json.loads(cli("show", "新市镇", "--month", "2018-06", "--json").stdout)
    assert (rejected["status"], rejected["file"], rejected["figures"]) == (
        "rejected",
        "bad.xlsx",
        [],
    )
    assert "negative" in {f["code"] for f in rejected["findings"]}
    assert "被退回" in cli("show", "新市镇", "--month", "2018-06").stdout
    assert cli("show", "不存在", "--month", "2018-06").exit_code == 2
    assert cli("show", "归义镇").exit_code == 2  # --month is required
