"""Hostile and broken files (issue 10): one test per class, each with small files made on
the spot. Every refusal is a Chinese message naming the file, exit 1, no traceback, and
nothing stored beyond the rejection record."""

import json
import os
import sqlite3
from pathlib import Path

import pytest

from qzfsg.storage.archive import archive_folder
from tests.factories import make_return
from tests.hostile import (
    EXTERNAL,
    LAUGHS,
    SHEET,
    bomb_xlsx,
    far_corner_ods,
    far_corner_xls,
    far_corner_xlsx,
    html_as_xls,
    lying_header,
    many_sheets,
    rewrite,
    several_forms,
    truncated_sheet,
    with_doctype,
)


def stored(db_file: Path, column: str = "source_name") -> list[str]:
    with sqlite3.connect(db_file) as conn:
        return [row[0] for row in conn.execute(f"SELECT {column} FROM submission ORDER BY id")]


def only_finding(result) -> dict:
    (outcome,) = json.loads(result.stdout)
    (problem,) = [f for f in outcome["findings"] if f["severity"] == "error"]
    return problem


# --------------------------------------------------------------------------- not a regular file


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda p: p.mkdir(), "是文件夹"),
        (lambda p: os.mkfifo(p), "不是普通文件（是命名管道（FIFO））"),
        (lambda p: p.symlink_to("/dev/null"), "不是普通文件（是字符设备）"),
        (lambda p: p.symlink_to(p.name), "循环的符号链接"),
        (lambda p: p.symlink_to("nowhere.xlsx"), "指向的文件不存在"),
    ],
    ids=["folder", "fifo", "device", "loop", "dangling"],
)
def test_not_a_regular_file_is_named_for_what_it_is(tmp_path, cli, db_file, make, said):
    path = tmp_path / "x.xlsx"
    make(path)
    result = cli("import", str(path), "--json")
    assert result.exit_code != 0
    text = result.stdout + result.stderr
    assert said in text and "x.xlsx" in text and "找不到文件或" not in text
    assert "Traceback" not in text
    assert stored(db_file) == []


def test_a_pipe_among_returns_in_a_folder_does_not_block(tmp_path, cli, db_file):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    make_return(inbox, name="good.xlsx")
    os.mkfifo(inbox / "pipe.xls")
    result = cli("import", str(inbox), "--json")
    assert result.exit_code == 1
    statuses = {Path(o["file"]).name: o["status"] for o in json.loads(result.stdout)}
    assert statuses == {"good.xlsx": "imported", "pipe.xls": "rejected"}
    assert stored(db_file) == ["good.xlsx"]


def test_an_empty_folder_says_no_returns_were_found(tmp_path, cli):
    (tmp_path / "empty").mkdir()
    result = cli("import", str(tmp_path / "empty"))
    assert result.exit_code == 2
    assert "没有找到报表文件" in result.stderr


# --------------------------------------------------------------------------- file names


ODD_NAMES = [
    b"a\xb9\xe9\xb3\xc7.xlsx",  # GBK bytes from a Windows zip
    b"caf\xe9.xlsx",  # Latin-1
    b"\x1b[31mred[bold red]x\x1b]8;;http:evil\x07.xlsx",  # ESC sequences and markup
    "归义镇\n9月.xlsx".encode(),  # a line break
    b"..\\..\\x.xlsx",  # a Windows path in the name
    b"y" * 250 + b".xlsx",  # 255 bytes, the longest name Linux allows
]


@pytest.mark.parametrize(
    "raw", ODD_NAMES, ids=["gbk", "latin1", "escapes", "newline", "dots", "255"]
)
def test_odd_file_names_are_imported_and_shown_inert(tmp_path, cli, db_file, raw):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    source = make_return(tmp_path, name="r.xlsx")
    os.rename(source, os.path.join(os.fsencode(inbox), raw))
    result = cli("import", str(inbox), "--json")
    assert result.exit_code == 0, result.stderr
    (outcome,) = json.loads(result.stdout)
    assert outcome["status"] == "imported"
    (name,) = stored(db_file)
    assert name == Path(outcome["file"]).name
    assert "\x1b" not in name and "\x07" not in name
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in name)  # storable, printable
    if raw.startswith(b"a\xb9"):
        assert name == "a\\xb9\\xe9\\xb3\\xc7.xlsx"
    table = cli("import", str(inbox))  # the same bytes again: shown as a duplicate
    assert table.exit_code == 0 and "\x1b" not in table.stdout and "Traceback" not in table.stdout
    archive = archive_folder(db_file)
    kept = [p for p in archive.rglob("*") if p.is_file()]
    assert len(kept) == 1 and kept[0].resolve().is_relative_to(archive.resolve())
    assert not list(tmp_path.glob("x.xlsx"))  # nothing written beside the inbox


# --------------------------------------------------------------------------- text is inert

HOSTILE_TEXT = (
    "\x1b[2J\x1b]8;;http://evil.example\x1b\\点我\x1b]8;;\x1b\\[bold red]x[/]\x00\x08\u202e"
)


def _raw_controls(text: str) -> list[str]:
    return [c for c in text if c in "\x00\x07\x08\x1b\x9b\u200b\u202e"]


def test_text_from_a_file_is_inert_everywhere(tmp_path, cli, db_file):
    path = make_return(
        tmp_path,
        name="r.xls",
        fmt="xls",  # BIFF holds any character; openpyxl would refuse to write these
        unit="归义镇\x1b[2J[b]x[/b]\u200b",
        raw={("cases", "m"): f"3{HOSTILE_TEXT}"},
    )
    table = cli("import", str(path))
    assert table.exit_code == 1
    as_json = cli("import", str(path), "--json")
    findings = cli("findings")
    findings_json = cli("findings", "--json")
    for result in (table, as_json, findings, findings_json):
        assert _raw_controls(result.stdout) == [], result.stdout
        assert "Traceback" not in result.stdout
    assert "归义镇\\x1b[2J[b]x[/b]\\u200b" in table.stdout  # shown, literally
    assert "\\x1b]8;;http://evil.example" in findings.stdout
    with sqlite3.connect(db_file) as conn:
        texts = [
            value
            for row in conn.execute(
                "SELECT s.unit_text, s.source_name, f.message FROM submission s"
                " JOIN finding f ON f.submission_id = s.id"
            )
            for value in row
        ]
    assert texts and all(_raw_controls(t) == [] for t in texts if t)


@pytest.mark.parametrize("hidden", ["\u200b", "\u2060", "\ufeff", "\x1f", "\u202e", "\u3164"])
def test_a_name_that_only_looks_like_a_unit_is_not_that_unit(tmp_path, cli, db_file, hidden):
    path = make_return(tmp_path, name="r.xls", fmt="xls", unit=f"归义{hidden}镇")
    result = cli("import", str(path), "--json")
    assert result.exit_code == 1
    problem = only_finding(result)
    assert problem["code"] == "unknown_unit"
    assert hidden not in problem["message"] and "\\" in problem["message"]
    assert cli("import", str(path), "--unit", f"归义{hidden}镇").exit_code == 2


@pytest.mark.parametrize("length", [200, 5000])
def test_an_absurdly_long_unit_name_is_refused(tmp_path, cli, db_file, length):
    unit = "汨罗市" + "归义镇人民政府" * (length // 7)
    path = make_return(tmp_path, name="r.xlsx", unit=unit)
    result = cli("import", str(path), "--json")
    assert result.exit_code == 1
    problem = only_finding(result)
    assert problem["code"] == "unit_too_long" and str(len(unit)) in problem["message"]
    assert len(problem["message"]) < 200
    (kept,) = stored(db_file, "unit_text")
    assert len(kept) <= 61


# --------------------------------------------------------------------------- bombs and corners


def refused(cli, db_file, path, code: str) -> str:
    """Import `path`: refused with `code`, exit 1, only the rejection record stored."""
    result = cli("import", str(path), "--json")
    assert result.exit_code == 1, result.stdout + result.stderr
    problem = only_finding(result)
    assert problem["code"] == code, problem
    assert path.name in problem["message"]
    with sqlite3.connect(db_file) as conn:
        assert conn.execute("SELECT status FROM submission").fetchall() == [("rejected",)]
        assert conn.execute("SELECT count(*) FROM value").fetchone() == (0,)
    return problem["message"]


@pytest.fixture
def small_budget(monkeypatch):
    """A budget of 1 MiB (and 10 times the file) instead of 64 MiB, so that a bomb of a
    few megabytes shows what one of gigabytes would."""
    from qzfsg.reading import guard

    monkeypatch.setattr(guard, "FLOOR", 2**20)
    monkeypatch.setattr(guard, "RATIO", 10)


@pytest.mark.parametrize("shared", [False, True], ids=["sheet", "shared-strings"])
def test_a_zip_bomb_is_refused_before_it_is_read(tmp_path, cli, db_file, small_budget, shared):
    path = bomb_xlsx(tmp_path, 4 * 2**20, shared=shared)
    assert "压缩炸弹" in refused(cli, db_file, path, "too_big")


def test_a_zip_whose_header_lies_about_sizes_is_refused(tmp_path, cli, db_file, small_budget):
    path = lying_header(bomb_xlsx(tmp_path, 4 * 2**20))
    result = cli("import", str(path), "--json")
    assert result.exit_code == 1
    assert only_finding(result)["code"] in ("too_big", "unreadable")


def test_an_honest_workbook_within_the_budget_is_read(tmp_path, cli, small_budget):
    path = bomb_xlsx(tmp_path, 2**19)  # half a megabyte of white space: not a bomb
    assert cli("import", str(path)).exit_code == 0


@pytest.mark.parametrize(
    "build",
    [
        far_corner_xlsx,
        far_corner_xls,
        far_corner_ods,
        lambda folder: far_corner_ods(folder, repeated=True),
        lambda folder: rewrite(
            make_return(folder, name="far.xlsx"),  # a cell without r, on a far row
            SHEET,
            lambda xml: xml.replace("</sheetData>", UNPLACED_FAR_CELL + "</sheetData>"),
        ),
        lambda folder: rewrite(
            make_return(folder, name="far.xlsx"),  # a far cell with a namespace prefix
            SHEET,
            lambda xml: xml.replace("<worksheet ", f'<worksheet xmlns:x="{MAIN}" ', 1).replace(
                "</sheetData>", PREFIXED_FAR_CELL + "</sheetData>"
            ),
        ),
    ],
    ids=["xlsx", "xls", "ods", "ods-repeated", "xlsx-without-r", "xlsx-prefixed"],
)
def test_a_far_corner_is_refused_without_building_the_grid(tmp_path, cli, db_file, build):
    path = build(tmp_path)
    assert "未读取" in refused(cli, db_file, path, "too_big")


MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PREFIXED_FAR_CELL = (
    '<row r="1048576"><x:c r="XFD1048576" t="inlineStr"><x:is><x:t>x</x:t></x:is></x:c></row>'
)
UNPLACED_FAR_CELL = '<row r="1048576"><c t="inlineStr"><is><t>x</t></is></c></row>'


# --------------------------------------------------------------------------- XML


def test_a_sheet_that_stops_being_well_formed_is_unreadable(tmp_path, cli, db_file):
    path = truncated_sheet(tmp_path, after_row=8)
    assert "XML" in refused(cli, db_file, path, "unreadable")


@pytest.mark.parametrize("fmt", ["xlsx", "ods"])
@pytest.mark.parametrize(("doctype", "entity"), [(LAUGHS, "lol9"), (EXTERNAL, "host")])
def test_entities_are_refused_and_nothing_of_the_machine_shows(
    tmp_path, cli, db_file, fmt, doctype, entity
):
    path = with_doctype(tmp_path, doctype, entity, name=f"dtd.{fmt}", fmt=fmt)
    message = refused(cli, db_file, path, "unreadable")
    assert "DTD" in message
    host = Path("/etc/hostname").read_text().strip() if Path("/etc/hostname").exists() else ""
    assert not host or host not in message
    assert "lollol" not in message


# --------------------------------------------------------------------------- several forms


def test_several_forms_that_disagree_are_refused_with_the_sheets_named(tmp_path, cli, db_file):
    message = refused(cli, db_file, several_forms(tmp_path, agree=False), "several_forms")
    assert "“Sheet1”" in message and "“副本”" in message


def test_several_forms_that_agree_are_one_return(tmp_path, cli):
    result = cli("import", str(several_forms(tmp_path, agree=True)), "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)[0]["status"] == "imported"


def test_a_form_on_sheet_377_of_500_is_found(tmp_path, cli):
    result = cli("import", str(many_sheets(tmp_path, 500, 377)), "--json")
    assert result.exit_code == 0, result.stdout
    (outcome,) = json.loads(result.stdout)
    assert outcome["status"] == "imported" and outcome["values"]["cases"]["month"] == 2


# --------------------------------------------------------------------------- web pages


def test_a_web_page_saved_as_xls_is_read_like_any_return(tmp_path, cli):
    result = cli("import", str(html_as_xls(tmp_path)), "--json")
    assert result.exit_code == 0, result.stdout
    (outcome,) = json.loads(result.stdout)
    assert outcome["unit"] == "归义镇" and outcome["month"] == "2018-06"
    assert outcome["values"]["fines"] == {"month": 0.35, "cumulative": 0.6}


def test_a_web_page_without_a_table_says_what_it_is(tmp_path, cli, db_file):
    path = tmp_path / "page.xls"
    path.write_text("<html><body>请登录后下载</body></html>", encoding="utf-8")
    assert "另存为" in refused(cli, db_file, path, "unreadable")


def test_many_sheets_each_just_under_the_limit_are_refused_together(tmp_path, cli, db_file):
    import openpyxl

    path = tmp_path / "wide.xlsx"
    workbook = openpyxl.Workbook()
    for number in range(12):
        sheet = workbook.create_sheet(f"S{number}")
        sheet["A1"], sheet["ZZ1400"] = "x", "y"  # about a million cells of room each
    workbook.save(path)
    assert "工作表共占" in refused(cli, db_file, path, "too_big")


@pytest.mark.parametrize("name", ["units.csv", "units.xlsx"])
def test_a_pipe_given_as_a_unit_list_is_named_not_waited_on(tmp_path, cli, name):
    os.mkfifo(tmp_path / name)
    result = cli("units", "import", str(tmp_path / name))
    assert result.exit_code == 1
    assert "不是普通文件" in result.stderr and "找不到" not in result.stderr
