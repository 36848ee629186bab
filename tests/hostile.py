"""Builders of hostile and broken workbooks (issue 10), all small and made on the spot.

Most start from a good return written by `tests.factories.make_return` and change one
part of it: `rewrite(path, part, change)` rewrites a zip part (a str -> str function).
"""

from __future__ import annotations

import random
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

from tests.factories import make_return

SHEET = "xl/worksheets/sheet1.xml"
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
FAR_CELL = '<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'


def rewrite(path: Path, part: str, change: Callable[[str], str]) -> Path:
    """Rewrite one part of the zip at `path` in place (every other part as it was)."""
    with zipfile.ZipFile(path) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in parts:
            if info.filename == part:
                data = change(data.decode("utf-8")).encode("utf-8")
            target.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED)
    return path


def add_part(path: Path, part: str, data: bytes) -> Path:
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as target:
        target.writestr(part, data)
    return path


def far_corner_xlsx(folder: Path, name: str = "far.xlsx") -> Path:
    """A good return with one more cell at XFD1048576 (and a <dimension> that says A1)."""
    path = make_return(folder, name=name)
    return rewrite(path, SHEET, lambda xml: xml.replace("</sheetData>", FAR_CELL + "</sheetData>"))


def far_corner_xls(folder: Path, name: str = "far.xls") -> Path:
    """A BIFF8 file with a value in A1 and one in IV65536 (a gigabyte to calamine)."""
    import xlwt

    workbook = xlwt.Workbook()
    sheet = workbook.add_sheet("Sheet1")
    sheet.write(0, 0, "本月数")
    sheet.write(65535, 255, "x")
    path = folder / name
    workbook.save(str(path))
    return path


def far_corner_ods(folder: Path, name: str = "far.ods", repeated: bool = False) -> Path:
    """A good .ods return plus a cell far away; `repeated`: one value repeated over a
    million rows and a thousand columns instead (a few bytes of XML)."""
    path = make_return(folder, name=name, fmt="ods")
    far = (
        '<table:table-row table:number-rows-repeated="1048000">'
        '<table:table-cell table:number-columns-repeated="1000" office:value-type="float"'
        ' office:value="1"/></table:table-row>'
        if repeated
        else '<table:table-row table:number-rows-repeated="1048000"><table:table-cell/>'
        "</table:table-row><table:table-row><table:table-cell table:number-columns-repeated="
        '"16000"/><table:table-cell office:value-type="string"><text:p>x</text:p>'
        "</table:table-cell></table:table-row>"
    )
    return rewrite(
        path, "content.xml", lambda xml: xml.replace("</table:table>", far + "</table:table>", 1)
    )


def bomb_xlsx(folder: Path, inflated: int, name: str = "bomb.xlsx", shared: bool = False) -> Path:
    """A good return whose sheet (or, `shared`, an added shared-strings part) starts with
    `inflated` bytes of white space: well-formed, a thousand times its compressed size."""
    path = make_return(folder, name=name)
    if shared:
        empty = f'<sst xmlns="{_MAIN}" count="0" uniqueCount="0"/>'
        return add_part(path, "xl/sharedStrings.xml", (" " * inflated + empty).encode())
    return rewrite(path, SHEET, lambda xml: _pad(xml, " " * inflated))


def _pad(xml: str, padding: str) -> str:
    if xml.startswith("<?xml"):  # the declaration must stay first
        head, _, body = xml.partition("?>")
        return f"{head}?>{padding}{body}"
    return padding + xml


def lying_header(path: Path, part: str = SHEET) -> Path:
    """The zip's headers state that `part` inflates to 100 bytes (it inflates to more)."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        at = data.find(signature)
        while at >= 0:
            if data[at + name_at : at + name_at + len(name)] == name:
                struct.pack_into("<I", data, at + size_at, 100)
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))
    return path


def truncated_sheet(folder: Path, after_row: int = 8, name: str = "cut.xlsx") -> Path:
    """A return whose sheet XML stops being well-formed after `after_row`: the rest of
    the rows are there, but an element is left open."""
    path = make_return(folder, name=name)
    marker = f'<row r="{after_row + 1}"'
    return rewrite(path, SHEET, lambda xml: xml.replace(marker, "<c><v>1</v>" + marker, 1))


_ENTITIES = ['<!ENTITY lol0 "lol">'] + [
    f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
]
LAUGHS = f"<!DOCTYPE lolz [{''.join(_ENTITIES)}]>"  # &lol9; is 10^9 "lol"s
EXTERNAL = '<!DOCTYPE x [<!ENTITY host SYSTEM "file:///etc/hostname">]>'


def with_doctype(folder: Path, doctype: str, entity: str, name: str, fmt: str = "xlsx") -> Path:
    """A return with a DTD before the root of its sheet (or .ods content) and `&entity;`
    in the 填报单位."""
    path = make_return(folder, name=name, unit="ENTITY-HERE", fmt=fmt)
    part = "content.xml" if fmt == "ods" else SHEET

    return rewrite(path, part, lambda xml: _pad(xml, doctype).replace("ENTITY-HERE", f"&{entity};"))


def html_as_xls(folder: Path, name: str = "web.xls", unit: str = "归义镇") -> Path:
    """What web systems save as "Excel": an HTML table with the form in it."""
    from tests.factories import INDICATORS, default_values

    values = default_values()
    rows = [
        "<tr><td colspan=4>安全监管“强执法防事故”行动情况月报表</td></tr>",
        f"<tr><td colspan=4>填报单位（盖章）：{unit}&nbsp;&nbsp;填报时间：2018年6月28日</td></tr>",
        "<tr><th>项目</th><th>单位</th><th>本月数</th><th>累计数</th></tr>",
    ]
    for indicator in INDICATORS:
        month, cumulative = values[indicator.code]
        rows.append(
            f"<tr><td>{indicator.label}</td><td>{indicator.unit}</td>"
            f"<td>{month}</td><td>{cumulative}</td></tr>"
        )
    page = (
        '<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head>'
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
        f"<body><table border=1>{''.join(rows)}</table></body></html>"
    )
    path = folder / name
    path.write_bytes(page.encode("gb2312"))
    return path


def several_forms(folder: Path, agree: bool, name: str = "two.xlsx") -> Path:
    """A return with a second complete form on another sheet, the same or not."""
    import openpyxl

    path = make_return(folder, name=name)
    workbook = openpyxl.load_workbook(path)
    copy = workbook.copy_worksheet(workbook.active)
    copy.title = "副本"
    if not agree:
        copy["C7"] = 99
    workbook.save(path)
    return path


def many_sheets(folder: Path, sheets: int, form_at: int, name: str = "many.xlsx") -> Path:
    """`sheets` sheets of noise, the form on sheet `form_at` (1-based)."""
    import openpyxl

    path = make_return(folder, name=name)
    workbook = openpyxl.load_workbook(path)
    form = workbook.active
    form.title = "月报表"
    noise = random.Random(7)
    for number in range(1, sheets + 1):
        if number == form_at:
            continue
        sheet = workbook.create_sheet(f"S{number}")
        sheet["A1"] = f"台账 {noise.randint(0, 10**6)}"
    workbook.move_sheet(form, offset=form_at - 1)
    workbook.save(path)
    return path
