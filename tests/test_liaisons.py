"""附件2: the liaison form, with per-unit files and a consolidated list."""

import json
import sqlite3

import openpyxl


def liaison_form(path, rows, unit_line="填报单位（盖章）：汨罗市归义镇人民政府", unit_column=False):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["安全监管“强执法防事故”行动信息统计和报送联络员信息表"])
    sheet.append([unit_line])
    sheet.append((["单位"] if unit_column else []) + ["姓名", "职务", "手机号码", "QQ号码", "备注"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_import_per_unit_form_and_list(tmp_path, cli, db_file):
    form = liaison_form(tmp_path / "附件2.xlsx", [["李四", "站长", "13874078691", "306941848", ""]])
    result = cli("liaisons", "import", str(form), "--received", "2018-06-07")
    assert result.exit_code == 0, result.output
    listed = json.loads(cli("liaisons", "list", "--json").stdout)
    assert listed["liaisons"][0] == {
        "unit": "归义镇",
        "kind": "town",
        "name": "李四",
        "title": "站长",
        "mobile": "13874078691",
        "qq": "306941848",
        "note": None,
        "received": "2018-06-07T12:00:00",
    }
    assert "归义镇" not in listed["missing"] and len(listed["missing"]) == 33
    with sqlite3.connect(db_file) as conn:
        receipts = conn.execute("SELECT item FROM receipt").fetchall()
    assert receipts == [("联络员信息表",)]


def test_bad_mobile_and_qq_are_findings_not_stored(tmp_path, cli, db_file):
    rows = [
        ["归义镇", "张三", "站长", "1387407869", "306941848", ""],
        ["新市镇", "王五", "干事", "138 7407 8691", "12", ""],
        ["公安局", "赵六", "科员", "13974078691", "", ""],
    ]
    form = liaison_form(tmp_path / "list.xlsx", rows, unit_line="", unit_column=True)
    result = cli("liaisons", "import", str(form), "--json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)["findings"]
    assert [(f["code"], f["cell"]) for f in findings] == [("bad_mobile", "D4"), ("bad_qq", "E5")]
    with sqlite3.connect(db_file) as conn:
        stored = conn.execute("SELECT name, mobile FROM liaison").fetchall()
    assert stored == [("赵六", "13974078691")]


def test_unknown_unit_row_is_a_finding(tmp_path, cli):
    form = liaison_form(
        tmp_path / "x.xlsx",
        [["恒达物流", "甲", "", "13874078691", "", ""]],
        unit_line="",
        unit_column=True,
    )
    result = cli("liaisons", "import", str(form), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["findings"][0]["code"] == "unknown_unit"


def test_the_latest_form_wins(tmp_path, cli):
    first = liaison_form(tmp_path / "a.xlsx", [["李四", "站长", "13874078691", "", ""]])
    second = liaison_form(tmp_path / "b.xlsx", [["王五", "副站长", "13900000000", "", ""]])
    cli("liaisons", "import", str(second), "--received", "2018-07-01")
    cli("liaisons", "import", str(first), "--received", "2018-06-01")
    listed = json.loads(cli("liaisons", "list", "--json").stdout)["liaisons"]
    assert [(x["unit"], x["name"]) for x in listed] == [("归义镇", "王五")]


def test_missing_file_is_a_usage_error(tmp_path, cli):
    result = cli("liaisons", "import", str(tmp_path / "none.xlsx"))
    assert result.exit_code == 2
    assert "找不到文件" in result.stderr
