"""`qzfsg rank` through the CLI: the sample returns of 2018-08 and 2018-09, the JSON
shape, usage errors, and method files given with --weights."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qzfsg.cli import app
from qzfsg.ranking.method import default_method_path
from tests.conftest import EXPECTED

ROW_KEYS = {
    "rank",
    "unit",
    "score",
    "components",
    "change",
    "status",
    "days_late",
    "months_missing",
    "deduction",
}


@pytest.fixture
def rank(samples_db, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, ["rank", *args, "--db", str(samples_db)], catch_exceptions=False)

    return invoke


def ranked(document: dict, kind: str) -> list[str]:
    return [row["unit"] for row in document["leagues"][kind] if row["rank"] is not None]


def test_september_on_the_samples(rank):
    result = rank("--month", "2018-09", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert set(doc) == {"period", "as_of", "previous_period", "method", "leagues", "published"}
    assert (doc["period"], doc["previous_period"]) == ("2018-09", "2018-08")
    assert set(doc["leagues"]) == {"town", "department"}
    september = EXPECTED["months"]["2018-09"]["accepted_units"]
    for kind, size in (("town", 15), ("department", 19)):
        rows = doc["leagues"][kind]
        assert len(rows) == size
        assert all(set(row) == ROW_KEYS for row in rows)
        assert set(ranked(doc, kind)) <= set(september)
        assert [row["rank"] for row in rows if row["rank"]] == list(
            range(1, len(ranked(doc, kind)) + 1)
        )
        scores = [row["score"] for row in rows if row["rank"]]
        assert scores == sorted(scores, reverse=True)
        assert all(0 <= s <= 100 for s in scores)
        assert all(row["status"] == "missing" for row in rows if row["rank"] is None)
    assert set(ranked(doc, "town")) | set(ranked(doc, "department")) == set(september)
    # The four towns that reported both months; every one of them is ranked both times.
    assert ranked(doc, "town") == ["屈子祠镇", "弼时镇", "川山坪镇", "三江镇"]
    assert ranked(doc, "department") == [
        "市生态环境局",
        "市城市管理和综合执法局",
        "市消防救援大队",
        "市农业农村局",
    ]
    row = doc["leagues"]["town"][0]
    assert set(row["components"]) == {"quantity", "increase", "quality"}
    assert row["status"] == "on_time" and isinstance(row["score"], float)


def test_movement_against_august(rank):
    september = json.loads(rank("--month", "2018-09", "--json").stdout)
    august = json.loads(rank("--month", "2018-08", "--json").stdout)
    for kind in ("town", "department"):
        before = {r["unit"]: r["rank"] for r in august["leagues"][kind] if r["rank"]}
        for row in september["leagues"][kind]:
            if row["rank"] is None:
                assert row["change"] is None
            elif row["unit"] in before:
                assert row["change"] == before[row["unit"]] - row["rank"]
            else:
                assert row["change"] == "new"
    changes = {r["unit"]: r["change"] for r in september["leagues"]["town"] if r["rank"]}
    assert changes == {"屈子祠镇": 1, "弼时镇": 2, "川山坪镇": 0, "三江镇": -3}
    # August: 弼时镇 was 3 days late, 3 points off; 海事处 reported nothing but zeros and is
    # last among the departments; 2018-08 is compared with July, when nobody reported.
    bishi = next(r for r in august["leagues"]["town"] if r["unit"] == "弼时镇")
    assert (bishi["status"], bishi["days_late"], bishi["deduction"]) == ("late", 3, 3)
    assert ranked(august, "department")[-1] == "市地方海事处"
    assert all(r["change"] == "new" for r in august["leagues"]["town"] if r["rank"])
    agriculture = next(r for r in september["leagues"]["department"] if r["unit"] == "市农业农村局")
    assert agriculture["components"]["quality"] < 100  # its first September return was rejected


def test_table_and_explain(rank):
    result = rank("--month", "2018-09")
    assert result.exit_code == 0
    out = result.stdout
    assert "全市安全监管执法质量排行榜 · 2018年9月 · 镇" in out
    assert "2018年9月 · 部门" in out
    assert "↑2" in out and "↓3" in out and "未报" in out
    assert "升降与2018年8月相比" in out
    assert re.search(r"1\s+│ 屈子祠镇", out)
    result = rank("--month", "2018-09", "--explain", "--kind", "town")
    assert result.exit_code == 0
    assert "部门" not in result.stdout.split("全市安全监管执法质量排行榜")[1][:20]
    assert result.stdout.count("比数量：各项本月数") == 4
    assert "立案 2 ÷ 检查 17" in result.stdout  # 三江镇


def test_explain_one_unit_in_json(rank):
    doc = json.loads(rank("--month", "2018-09", "--unit", "三江镇", "--json").stdout)
    assert set(doc["leagues"]) == {"town"}
    explained = [r for r in doc["leagues"]["town"] if "explain" in r]
    assert [r["unit"] for r in explained] == ["三江镇"]
    explain = explained[0]["explain"]
    assert explain["month"] == "2018-09" and explain["earlier_months"] == 4
    assert [line["code"] for line in explain["indicators"]][:3] == [
        "activities",
        "officers",
        "inspected",
    ]
    assert {line["key"] for line in explain["quality"]} >= {"on_time", "first_attempt"}


def test_quarter_and_year(rank):
    doc = json.loads(rank("--quarter", "2018Q3", "--kind", "department", "--json").stdout)
    assert doc["period"] == "2018Q3" and doc["previous_period"] == "2018Q2"
    rows = doc["leagues"]["department"]
    assert {r["status"] for r in rows if r["rank"]} == {"incomplete"}  # July: nobody reported
    assert all(r["months_missing"] >= 1 for r in rows)
    year = json.loads(rank("--year", "2018", "--explain", "--json").stdout)
    assert year["previous_period"] is None
    first = year["leagues"]["town"][0]
    assert first["change"] is None
    assert first["explain"]["months"][0]["month"] == "2018-05"
    assert rank("--quarter", "2018Q3").exit_code == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), "请指定且只指定一个排名期"),
        (("--month", "2018-09", "--year", "2018"), "--month、--year"),
        (("--quarter", "2018Q5"), "2018Q3"),
        (("--year", "18"), "四位数字"),
        (("--month", "2018-13"), "YYYY-MM"),
        (("--month", "2018-03"), "不在本次行动期内"),
        (("--month", "2018-09", "--unit", "恒达物流"), "恒达物流"),
    ],
)
def test_usage_errors(rank, args, words):
    result = rank(*args)
    assert result.exit_code == 2
    assert words in result.stderr
    assert result.stdout == ""


def method_file(tmp_path: Path, old: str, new: str) -> Path:
    text = default_method_path().read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "另一种.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        ("cases = 3 ", "", "缺少键 weights.cases"),
        ("on_time = 1 ", 'on_time = "高" ', "键 quality.on_time 应为数字"),
        ("fines = 3 ", "fines = -3 ", "键 weights.fines 应为不小于 0 的数"),
        ("increase = 20", "increase = 10", "之和应为 100，现为 90"),
        ("arrests = 2 ", "arrests = 2\nrobbery = 1 ", "键 weights.robbery 无法识别"),
        ('"arrests"]', '"arests"]', "rules.hard_sanctions 中的“arests”"),
        ("officers_required = 2", "officers_required = 0", "rules.officers_required 应为大于 0"),
        ("\n[shares]", "\n[shares", "无法读取配置文件"),
    ],
)
def test_bad_method_file(rank, tmp_path, old, new, words):
    path = method_file(tmp_path, old, new)
    result = rank("--month", "2018-09", "--weights", str(path))
    assert result.exit_code == 2
    assert words in result.stderr
    assert str(path) in result.stderr.replace("\n", "")


def test_missing_method_file(rank, tmp_path):
    result = rank("--month", "2018-09", "--weights", str(tmp_path / "无.toml"))
    assert result.exit_code == 2
    assert "找不到排名方法文件" in result.stderr


def test_another_method_file_is_used(rank, tmp_path):
    path = method_file(tmp_path, 'name = "三比三严默认方法"', 'name = "只比质量"')
    for old, new in (("quantity = 40", "quantity = 0"), ("increase = 20", "increase = 0"),
                     ("quality = 40 ", "quality = 100 ")):  # fmt: skip
        text = path.read_text(encoding="utf-8").replace(old, new, 1)
        path.write_text(text, encoding="utf-8")
    doc = json.loads(rank("--month", "2018-09", "--weights", str(path), "--json").stdout)
    assert doc["method"]["name"] == "只比质量"
    assert doc["method"]["shares"] == {"quantity": 0, "increase": 0, "quality": 100}
    for row in doc["leagues"]["town"]:
        if row["rank"]:
            assert row["score"] == row["components"]["quality"]


def test_rank_and_bulletin_give_the_same_scores_as_of_a_day(rank, samples_db, tmp_path):
    """Both go through rank_units with the same --as-of: one quarter, one set of scores."""
    scores = {}
    for day in ("2018-09-20", "2018-10-08"):
        ranking = json.loads(rank("--quarter", "2018Q3", "--as-of", day, "--json").stdout)
        target = str(tmp_path / f"{day}.xlsx")
        args = ["--quarter", "2018Q3", "--as-of", day, "--json", "--export", target]
        bulletin = CliRunner().invoke(app, ["bulletin", *args, "--db", str(samples_db)])
        assert bulletin.exit_code == 0, bulletin.output
        assert ranking["as_of"] == day
        assert ranking["leagues"] == json.loads(bulletin.stdout)["leagues"]
        scores[day] = [row["score"] for row in ranking["leagues"]["town"]]
    assert scores["2018-09-20"] != scores["2018-10-08"]  # the day matters: September fell due


def test_footer_names_the_method_without_the_install_path(rank, tmp_path):
    result = rank("--month", "2018-09")
    assert "评分方法：三比三严默认方法（qzfsg 自带）" in result.stdout
    assert str(default_method_path().parent) not in result.stdout.replace("\n", "")
    assert json.loads(rank("--month", "2018-09", "--json").stdout)["method"]["file"] is None
    path = method_file(tmp_path, 'name = "三比三严默认方法"', 'name = "我的方法"')
    result = rank("--month", "2018-09", "--weights", str(path))
    assert "评分方法：我的方法（文件 " in result.stdout and "另一种.toml" in result.stdout


def test_help_has_an_example():
    result = CliRunner().invoke(app, ["rank", "--help"])
    assert result.exit_code == 0
    assert "示例" in result.stdout and "--quarter" in result.stdout


def test_write_weights_gives_the_clerk_a_copy_to_edit(rank, tmp_path):
    copy = tmp_path / "我的排名方法.toml"
    written = rank("--write-weights", str(copy))
    assert written.exit_code == 0
    assert copy.read_bytes() == default_method_path().read_bytes()
    text = copy.read_text(encoding="utf-8").replace("increase = 20", "increase = 10", 1)
    copy.write_text(text.replace("quality = 40 ", "quality = 50 ", 1), encoding="utf-8")
    doc = json.loads(rank("--month", "2018-09", "--weights", str(copy), "--json").stdout)
    assert doc["method"]["shares"] == {"quantity": 40, "increase": 10, "quality": 50}


def test_write_weights_keeps_an_existing_file_unless_forced(rank, tmp_path):
    copy = tmp_path / "已有.toml"
    copy.write_text("# 改了一半的权重\n", encoding="utf-8")
    refused = rank("--write-weights", str(copy))
    assert refused.exit_code == 2
    assert "已存在" in refused.stderr and "--force" in refused.stderr
    assert copy.read_text(encoding="utf-8") == "# 改了一半的权重\n"
    forced = rank("--write-weights", str(copy), "--force")
    assert forced.exit_code == 0
    assert copy.read_bytes() == default_method_path().read_bytes()
