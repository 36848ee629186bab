"""The reader finds the 附件1 form by content, in the sample returns and in built quirks."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from qzfsg.months import Month
from qzfsg.reading.cells import UNIT_SUFFIX, parse_amount, parse_filed_date
from qzfsg.reading.form import FormSheet, UnreadableReturn, match_indicator, read_return, read_table
from tests.conftest import EXPECTED, SAMPLES
from tests.factories import CODES, INDICATORS, default_values, make_return

BY_FILE = {f["file"]: f for f in EXPECTED["files"]}


def read(path: Path) -> FormSheet:
    return read_return(path, INDICATORS)


def code_of(label: str) -> str:
    found = match_indicator(label, INDICATORS)
    assert found is not None, label
    return found.code


def amounts(form: FormSheet, code: str) -> tuple[Decimal | None, Decimal | None]:
    row = form.rows[code]
    return parse_amount(row.month.value).value, parse_amount(row.cumulative.value).value


def unreadable_code(path: Path) -> str:
    with pytest.raises(UnreadableReturn) as caught:
        read(path)
    return caught.value.code


# --------------------------------------------------------------------------- sample files


@pytest.mark.parametrize("sample", EXPECTED["files"], ids=lambda f: f["file"])
def test_sample_file_reads_as_expected(sample: dict) -> None:
    path = SAMPLES / "files" / sample["file"]
    if sample["category"] == "unreadable":
        assert unreadable_code(path) == "unreadable"
        return
    expected = BY_FILE[sample["duplicate_of"]] if sample["outcome"] == "duplicate" else sample
    form = read(path)
    assert form.sheet == expected["sheet"]
    assert form.unit_text == expected["unit_as_written"]
    assert form.missing == []
    assert list(form.rows) == CODES
    assert Month.of(parse_filed_date(form.filed)) == Month.parse(expected["month"])
    for label, (month, cumulative) in (expected["values"] or {}).items():
        assert amounts(form, code_of(label)) == (Decimal(month), Decimal(cumulative)), label
    for finding in expected["cells"] or []:
        row = form.rows[code_of(finding["indicator"])]
        cell = row.month if finding["column"] == "本月数" else row.cumulative
        assert cell.cell == finding["cell"]
    noted = {n for code in CODES for n in _notes(form, code)}
    assert (UNIT_SUFFIX in noted) == (UNIT_SUFFIX in expected["notes"])


def _notes(form: FormSheet, code: str) -> list[str]:
    row = form.rows[code]
    return parse_amount(row.month.value).notes + parse_amount(row.cumulative.value).notes


def test_sample_date_cell_and_split_line() -> None:
    form = read(SAMPLES / "files" / "三江镇 2018年8月 月报表.xls")
    assert (form.unit_text, form.unit_cell) == ("三江镇人民政府", "A2")
    assert (form.filed, form.filed_cell) == (date(2018, 8, 28), "D2")


def test_sample_formulas_with_cached_values_read_as_values() -> None:
    form = read(SAMPLES / "files" / "消防大队9月报表.xlsx")
    assert all(not form.rows[code].cumulative.formula_without_value for code in CODES)
    assert amounts(form, "activities") == (Decimal(6), Decimal(21))


# --------------------------------------------------------------------------- layout quirks


def test_official_layout(tmp_path: Path) -> None:
    form = read(make_return(tmp_path))
    assert form.sheet == "Sheet1"
    assert (form.unit_text, form.unit_cell) == ("汨罗市归义镇人民政府", "A2")
    assert (form.filed, form.filed_cell) == ("2018年6月28日", "A2")
    assert (form.month_field, form.month_field_cell) == (None, None)
    first, last = form.rows["activities"], form.rows["arrests"]
    assert (first.label_cell, first.month.cell, first.cumulative.cell) == ("A4", "C4", "D4")
    assert (last.label_cell, last.month.cell, last.cumulative.cell) == ("A14", "C14", "D14")
    assert first.label == "组织（包括日常、集中、联合、专项等）执法活动"
    assert {code: amounts(form, code) for code in CODES} == default_values()


def test_shifted_table_reports_real_cells(tmp_path: Path) -> None:
    form = read(make_return(tmp_path, shift=(5, 3)))
    row = form.rows["fines"]
    assert (row.label_cell, row.month.cell, row.cumulative.cell) == ("D13", "F13", "G13")
    assert form.unit_cell == "D7"
    assert amounts(form, "fines") == (Decimal("0.35"), Decimal("0.6"))


def test_swapped_value_columns(tmp_path: Path) -> None:
    form = read(make_return(tmp_path, swap_columns=True))
    row = form.rows["officers"]
    assert (row.month.cell, row.cumulative.cell) == ("D5", "C5")
    assert amounts(form, "officers") == (Decimal(14), Decimal(33))


def test_reordered_rows_keep_form_order(tmp_path: Path) -> None:
    order = list(reversed(CODES))
    form = read(make_return(tmp_path, order=order))
    assert list(form.rows) == order
    assert form.rows["arrests"].label_cell == "A4"
    assert amounts(form, "inspected") == (Decimal(18), Decimal(41))


def test_variant_labels(tmp_path: Path) -> None:
    labels = {
        "activities": "组织（含日常、集中、联合、专项）执法活动",
        "officers": "出 动 执 法\n人 员",
        "inspected": "3、检查生产经营单位",
        "fines": "经济处罚(万元)",
        "licences": "暂扣或吊销许可证照",
        "arrests": "抓捕犯罪嫌疑人",
    }
    form = read(make_return(tmp_path, labels=labels))
    assert form.missing == []
    assert form.rows["officers"].label == "出 动 执 法\n人 员"


def test_hidden_rows_blank_rows_and_columns(tmp_path: Path) -> None:
    form = read(make_return(tmp_path, hidden=["cases", "fines"], spacer=True, shift=(2, 2)))
    assert form.missing == []
    assert form.rows["cases"].month.cell == "F10"
    assert amounts(form, "fines") == (Decimal("0.35"), Decimal("0.6"))


def test_missing_row_is_listed(tmp_path: Path) -> None:
    form = read(make_return(tmp_path, order=[c for c in CODES if c != "closures"]))
    assert form.missing == ["closures"]
    assert "closures" not in form.rows


def test_extra_sheet_before_the_form(tmp_path: Path) -> None:
    form = read(make_return(tmp_path, extra_sheet_first=True))
    assert form.sheet == "月报表"
    assert form.missing == []


def test_sheet_with_most_indicator_rows_wins(tmp_path: Path) -> None:
    path = make_return(tmp_path)
    workbook = openpyxl.load_workbook(path)
    partial = workbook.create_sheet("汇总", 0)
    partial.append(["项目", "本月数", "累计数"])
    partial.append(["立案调查", 9, 9])
    workbook.save(path)
    form = read(path)
    assert form.sheet == "Sheet1"
    assert amounts(form, "cases") == (Decimal(2), Decimal(3))


# --------------------------------------------------------------------------- 填报单位 / 时间 / 月份


def test_date_cell_filed_in_its_own_cell(tmp_path: Path) -> None:
    form = read(make_return(tmp_path, filed=date(2018, 6, 28)))
    assert (form.unit_text, form.unit_cell) == ("汨罗市归义镇人民政府", "A2")
    assert (form.filed, form.filed_cell) == (date(2018, 6, 28), "D2")


def test_blank_filed_template_is_none(tmp_path: Path) -> None:
    form = read(make_return(tmp_path, filed=None))
    assert form.unit_text == "汨罗市归义镇人民政府"
    assert (form.filed, form.filed_cell) == (None, "A2")


def test_month_field(tmp_path: Path) -> None:
    form = read(make_return(tmp_path, month_field="2018年6月"))
    assert (form.month_field, form.month_field_cell) == ("2018年6月", "B3")
    assert form.rows["activities"].month.cell == "C5"


@pytest.mark.parametrize(
    ("line", "unit", "unit_cell", "filed", "filed_cell"),
    [
        (["填报单位（盖章）：", "汨罗市归义镇人民政府", "填报时间：", "2018年6月28日"],
         "汨罗市归义镇人民政府", "B2", "2018年6月28日", "D2"),
        (["填报单位(盖章):", None, "汨罗市归义镇", "填报时间 2018.6.28"],
         "汨罗市归义镇", "C2", "2018.6.28", "D2"),
        (["填报单位", "归义镇安监站", "填报时间", 43279],
         "归义镇安监站", "B2", 43279, "D2"),
        (["填报单位（盖章）：", "", "填报时间：", "  年  月  日"], None, "A2", None, "D2"),
    ],
)  # fmt: skip
def test_field_values_in_separate_cells(
    tmp_path: Path, line: list, unit: str | None, unit_cell: str, filed: object, filed_cell: str
) -> None:
    path = make_return(tmp_path)
    workbook = openpyxl.load_workbook(path)
    sheet = workbook.active
    sheet.unmerge_cells("A2:D2")
    for col, value in enumerate(line, start=1):
        sheet.cell(2, col, value)
    workbook.save(path)
    form = read(path)
    assert (form.unit_text, form.unit_cell) == (unit, unit_cell)
    assert (form.filed, form.filed_cell) == (filed, filed_cell)


# --------------------------------------------------------------------------- formats


def test_xls(tmp_path: Path) -> None:
    form = read(make_return(tmp_path, fmt="xls", name="r.xls", filed=date(2018, 6, 28)))
    assert form.filed == date(2018, 6, 28)
    assert {code: amounts(form, code) for code in CODES} == default_values()


def test_format_by_content_not_extension(tmp_path: Path) -> None:
    assert read(make_return(tmp_path, fmt="xls", name="xls_as.xlsx")).missing == []
    assert read(make_return(tmp_path, fmt="xlsx", name="xlsx_as.xls")).missing == []


def test_ods(tmp_path: Path) -> None:
    form = read(make_return(tmp_path, fmt="ods", name="r.ods", shift=(1, 1)))
    assert form.rows["fines"].month.cell == "D9"
    assert {code: amounts(form, code) for code in CODES} == default_values()


def test_formula_without_cached_value_is_flagged(tmp_path: Path) -> None:
    path = make_return(
        tmp_path,
        formulas={("cases", "c"): "=1+1"},
        raw={("fines", "m"): None},
        extra_sheet_first=True,  # the sheet XML is then found through workbook.xml
    )
    form = read(path)
    cases, fines = form.rows["cases"], form.rows["fines"]
    assert (cases.cumulative.cell, cases.cumulative.value) == ("D7", None)
    assert cases.cumulative.formula_without_value
    assert not cases.month.formula_without_value
    assert (fines.month.value, fines.month.formula_without_value) == (None, False)


def test_error_cell_is_not_read_as_blank(tmp_path: Path) -> None:
    path = make_return(tmp_path)
    workbook = openpyxl.load_workbook(path)
    cell = workbook.active["C8"]  # 经济处罚 本月数
    cell.value, cell.data_type = "#DIV/0!", "e"
    workbook.save(path)
    fines = read(path).rows["fines"]
    assert (fines.month.value, fines.month.formula_without_value) == ("#DIV/0!", False)
    assert parse_amount(fines.month.value).error == "not_numeric"


# --------------------------------------------------------------------------- broken files

_CFB_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")


def _encrypted_xlsx() -> bytes:
    """What Excel writes for a password-protected .xlsx, reduced to what identifies it: an
    OLE2 header and a directory sector naming the EncryptionInfo and EncryptedPackage
    streams (64-byte entries, names in UTF-16LE)."""
    header = _CFB_MAGIC + bytes(504)
    entries = b"".join(
        name.encode("utf-16-le").ljust(64, b"\0")
        for name in ("Root Entry", "EncryptionInfo", "EncryptedPackage")
    )
    return header + entries.ljust(512, b"\0")


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _truncated_xlsx(tmp_path: Path) -> bytes:
    data = make_return(tmp_path, name="whole.xlsx").read_bytes()
    return data[: len(data) // 2]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (lambda tmp: b"", "unreadable"),
        (lambda tmp: _truncated_xlsx(tmp), "unreadable"),
        (lambda tmp: "汨罗市归义镇 6 月报表\n".encode(), "unreadable"),
        (lambda tmp: _docx(), "unreadable"),
        (lambda tmp: _CFB_MAGIC + bytes(1024), "unreadable"),
        (lambda tmp: _encrypted_xlsx(), "encrypted"),
    ],
    ids=["empty", "truncated_zip", "text", "docx", "bare_ole2", "encrypted"],
)
def test_broken_files_are_unreadable(tmp_path: Path, content, code: str) -> None:
    path = tmp_path / "broken.xlsx"
    path.write_bytes(content(tmp_path))
    with pytest.raises(UnreadableReturn) as caught:
        read(path)
    assert caught.value.code == code
    assert "broken.xlsx" in str(caught.value)


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    assert unreadable_code(tmp_path / "nowhere.xlsx") == "unreadable"


def test_workbook_without_the_form(tmp_path: Path) -> None:
    path = tmp_path / "letter.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["关于报送6月份执法情况的说明"])
    workbook.active.append(["立案调查", "本月数和累计数见附件"])
    workbook.save(path)
    assert unreadable_code(path) == "no_form_sheet"


def test_header_without_indicator_rows_is_not_the_form(tmp_path: Path) -> None:
    path = tmp_path / "other.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["项目", "本月数", "累计数"])
    workbook.active.append(["安全培训", 3, 9])
    workbook.save(path)
    assert unreadable_code(path) == "no_form_sheet"


def test_read_table_rows_start_at_a1(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active["B3"] = "名称"
    workbook.active["C4"] = 13874078691
    workbook.save(path)
    rows = read_table(path)
    assert rows[2][1] == "名称"
    assert rows[3][2] == 13874078691
    assert rows[0][0] is None


def test_read_table_broken_file(tmp_path: Path) -> None:
    path = tmp_path / "list.xlsx"
    path.write_bytes(b"")
    with pytest.raises(UnreadableReturn):
        read_table(path)


# --------------------------------------------------------------------------- label matching


@pytest.mark.parametrize(
    ("label", "code"),
    [
        ("组织（包括日常、集中、联合、专项等）执法活动", "activities"),
        ("组织(包括日常、集中、联合、专项等)执法活动", "activities"),
        ("组织执法活动", "activities"),
        ("组织日常、集中、联合、专项等执法活动", "activities"),
        ("组织包括日常集中联合专项等执法活动", "activities"),
        ("１．出动执法人员", "officers"),
        ("出动执法\n人员", "officers"),
        ("检查生产经营单位数", "inspected"),
        ("立案调查（起）", "cases"),
        ("经济处罚", "fines"),
        ("暂扣或吊销许可证照", "licences"),
        ("暂扣、吊销许可证照", "licences"),
        ("（九）问责领导干部", "accountability"),
        ("行政拘留人数", "detentions"),
    ],
)
def test_match_indicator(label: str, code: str) -> None:
    assert code_of(label) == code


@pytest.mark.parametrize(
    "text",
    ["项目", "单位", "本月数", "次", "安全监管“强执法防事故”行动情况月报表",
     "2. 经济处罚以万元为单位。", "合计", "执法"],
)  # fmt: skip
def test_match_indicator_rejects_other_text(text: str) -> None:
    assert match_indicator(text, INDICATORS) is None
