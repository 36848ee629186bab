"""`qzfsg units …` and `qzfsg resolve` through the CLI, reading the database back."""

import json
import sqlite3

import openpyxl


def units_in(db_file):
    with sqlite3.connect(db_file) as conn:
        return {
            name: (kind, inactive)
            for name, kind, inactive in conn.execute("SELECT name, kind, inactive_from FROM unit")
        }


def test_units_list_json_shape(cli):
    result = cli("units", "list", "--json", "--kind", "town")
    assert result.exit_code == 0
    units = json.loads(result.stdout)
    assert len(units) == 15
    assert set(units[0]) == {
        "name",
        "kind",
        "sort_order",
        "active",
        "active_from",
        "inactive_from",
        "aliases",
    }
    assert units[0]["name"] == "归义镇"


def test_units_list_escapes_markup(cli):
    assert cli("units", "add", "[bold]新区", "--kind", "town").exit_code == 0
    result = cli("units", "list")
    assert "[bold]新区" in result.stdout


def test_add_rename_alias_deactivate(cli, db_file):
    assert (
        cli("units", "add", "市人防办", "--kind", "department", "--alias", "人防办").exit_code == 0
    )
    assert cli("units", "rename", "人防办", "市人民防空办公室").exit_code == 0
    assert cli("units", "alias", "市人民防空办公室", "防空办").exit_code == 0
    assert cli("units", "deactivate", "防空办", "--from", "2018-10").exit_code == 0
    assert units_in(db_file)["市人民防空办公室"] == ("department", "2018-10")
    resolved = json.loads(cli("resolve", "汨罗市人防办", "--json").stdout)
    assert resolved["unit"] == "市人民防空办公室"


def test_unknown_unit_is_a_usage_error(cli):
    result = cli("units", "rename", "不存在局", "新名")
    assert result.exit_code == 2
    assert "不是登记的填报单位" in result.stderr


def test_ambiguous_alias_is_refused(cli, db_file):
    result = cli("units", "alias", "交警大队", "公安局")
    assert result.exit_code == 2
    assert "市公安局" in result.stderr
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT count(*) FROM alias WHERE alias='公安局'").fetchone() == (0,)


def test_resolve_reports_unknown_with_exit_1(cli):
    result = cli("resolve", "汨罗市恒达物流有限公司", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["status"] == "unknown"
    ok = cli("resolve", "归义镇（盖章）")
    assert ok.exit_code == 0 and "归义镇" in ok.stdout


def test_units_import_csv(tmp_path, cli, db_file):
    csv = tmp_path / "名册.csv"
    csv.write_text(
        "名称,类别,别名\n屈原管理区,镇,屈原区;屈原\n市公安局,部门,汨罗公安\n", encoding="utf-8"
    )
    result = cli("units", "import", str(csv), "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["added"] == ["屈原管理区"]
    assert units_in(db_file)["屈原管理区"] == ("town", None)


def test_units_import_xlsx(tmp_path, cli, db_file):
    path = tmp_path / "名册.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["汨罗市填报单位名册"])
    sheet.append(["名称", "类别", "别名"])
    sheet.append(["高新区", "镇", "汨罗高新区"])
    book.save(path)
    assert cli("units", "import", str(path)).exit_code == 0
    assert units_in(db_file)["高新区"] == ("town", None)


def test_units_import_with_a_bad_kind_names_the_line(tmp_path, cli, db_file):
    csv = tmp_path / "bad.csv"
    csv.write_text("名称,类别\n新单位,公司\n", encoding="utf-8")
    result = cli("units", "import", str(csv))
    assert result.exit_code == 2
    assert "第 2 行" in result.stderr
    assert "新单位" not in units_in(db_file)


def test_an_alias_that_reduces_to_nothing_is_refused(cli):
    result = cli("units", "alias", "归义镇", "汨罗市")
    assert result.exit_code == 2 and "什么也不剩" in result.stderr


def test_a_unit_added_without_from_is_expected_from_the_current_campaign_month(cli, db_file):
    result = cli("units", "add", "屈原管理区", "--kind", "town")
    assert "自 2018-12 起应报" in result.stdout  # today is after the campaign: its last month
    assert units_in(db_file)["屈原管理区"] == ("town", None)
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT active_from FROM unit WHERE name='屈原管理区'").fetchone() == (
            "2018-12",
        )


def test_output_to_a_pipe_never_wraps_a_row(cli, monkeypatch):
    """CliRunner's output is not a terminal: at 80 columns a long row still stays one line."""
    monkeypatch.setenv("COLUMNS", "80")
    name = "汨罗市高新技术产业开发区管理委员会安全生产监督管理局执法大队第一中队"
    aliases = ["高新区执法一中队", "高新区安监局执法大队一中队", "开发区执法一中队"]
    args = [arg for alias in aliases for arg in ("--alias", alias)]
    assert cli("units", "add", name, "--kind", "部门", *args, "--from", "2018-05").exit_code == 0
    out = cli("units", "list").stdout
    [row] = [line for line in out.splitlines() if name in line]
    assert all(alias in row for alias in aliases) and "部门" in row
    assert len(row) > 80
