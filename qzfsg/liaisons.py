"""The liaison form (附件2 联络员信息表): who to phone at each unit."""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel
from sqlmodel import Session, col, select

from qzfsg.findings import Finding, finding, has_errors
from qzfsg.models import Liaison, Receipt
from qzfsg.names import Resolver
from qzfsg.reading.form import column_letters
from qzfsg.registry import UnitRef, all_units, build_resolver
from qzfsg.storage.archive import Archive, file_sha256
from qzfsg.tables import find_records, read_rows

RECEIPT_ITEM = "联络员信息表"
MOBILE = re.compile(r"1\d{10}")
QQ = re.compile(r"[1-9]\d{4,10}")
# Column headings as units write them, for each field.
HEADINGS: dict[str, tuple[str, ...]] = {
    "unit": ("单位", "填报单位", "单位名称", "所在单位"),
    "name": ("姓名", "联络员", "联络员姓名"),
    "title": ("职务", "职务职称"),
    "mobile": ("手机号码", "手机", "手机号", "联系电话"),
    "qq": ("QQ号码", "QQ", "QQ号"),
    "note": ("备注",),
}
_UNIT_LINE = re.compile(r"填报单位[（(]?盖章[）)]?[:：]?(.*)")


class LiaisonView(BaseModel):
    unit: str
    kind: str
    name: str
    title: str | None
    mobile: str | None
    qq: str | None
    note: str | None
    received: datetime


class LiaisonImport(BaseModel):
    file: str
    stored: list[LiaisonView]
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not has_errors(self.findings)


def _column(header: list[str], field: str) -> str | None:
    for heading in HEADINGS[field]:
        if heading in header:
            return heading
    return None


def _digits(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\-－—]", "", text).removeprefix("+86")


def _unit_line(rows: list[list[str]]) -> str | None:
    """The unit written on a 填报单位（盖章）： line above the table, if any."""
    for row in rows:
        for position, cell in enumerate(row):
            match = _UNIT_LINE.search(cell.replace(" ", ""))
            if match:
                rest = match.group(1) or next((c for c in row[position + 1 :] if c), "")
                return rest.strip() or None
    return None


def read_liaisons(
    path: Path, resolver: Resolver
) -> tuple[list[tuple[str, dict[str, str | None]]], list[Finding]]:
    """(unit, fields) for each valid row, and the findings about the others."""
    rows = read_rows(path)
    header, records = find_records(rows, ("姓名",), str(path))
    columns = {f: _column(header, f) for f in HEADINGS}
    letters = {f: column_letters(header.index(c)) for f, c in columns.items() if c is not None}
    default_unit = _unit_line(rows)
    found: list[tuple[str, dict[str, str | None]]] = []
    findings: list[Finding] = []
    for line, record in records:
        fields = {f: (record.get(c) or None) if c else None for f, c in columns.items()}
        written = fields["unit"] or default_unit
        where = f"第 {line} 行"
        resolution = resolver.resolve(written)
        if resolution.status != "resolved" or resolution.unit is None:
            code = "ambiguous_unit" if resolution.status == "ambiguous" else "unknown_unit"
            cell = f"{letters['unit']}{line}" if "unit" in letters and fields["unit"] else None
            findings.append(finding(code, f"{where}：{resolution.reason}。", cell=cell))
            continue
        who = "、".join(x for x in (resolution.unit, fields["name"]) if x)
        problems = _check_row(fields, f"{where}（{who}）", line, letters)
        findings.extend(problems)
        if not problems:
            found.append((resolution.unit, fields))
    return found, findings


def _check_row(
    fields: dict[str, str | None], where: str, line: int, letters: dict[str, str]
) -> list[Finding]:
    problems = []
    if not fields["name"]:
        problems.append(
            finding(
                "liaison_name_missing",
                f"{where}：联络员姓名为空。",
                cell=f"{letters['name']}{line}",
            )
        )
    mobile = _digits(fields["mobile"] or "")
    if fields["mobile"] and not MOBILE.fullmatch(mobile):
        problems.append(
            finding(
                "bad_mobile",
                f"{where}：手机号码“{fields['mobile']}”应为以 1 开头的 11 位数字。",
                cell=f"{letters['mobile']}{line}",
                expected="以 1 开头的 11 位数字",
            )
        )
    qq = _digits(fields["qq"] or "")
    if fields["qq"] and not QQ.fullmatch(qq):
        problems.append(
            finding(
                "bad_qq",
                f"{where}：QQ号码“{fields['qq']}”应为 5 至 11 位数字。",
                cell=f"{letters['qq']}{line}",
                expected="5 至 11 位数字",
            )
        )
    fields["mobile"], fields["qq"] = mobile or None, qq or None
    return problems


def import_liaisons(
    session: Session, path: Path, received: datetime, archive: Archive
) -> LiaisonImport:
    """Store every valid row (the latest row of a unit wins) and record the 附件2 receipt."""
    resolver = build_resolver(session)
    rows, findings = read_liaisons(path, resolver)
    units = {u.name: u for u in all_units(session)}
    data = path.read_bytes()
    digest = file_sha256(data)
    stored_at = archive.put(session, data, digest, path.suffix)
    for unit_name, fields in rows:
        unit = units[unit_name]
        session.add(
            Liaison(
                unit_id=unit.id,
                name=fields["name"] or "",
                title=fields["title"],
                mobile=fields["mobile"],
                qq=fields["qq"],
                note=fields["note"],
                source_name=path.name,
                received_at=received,
            )
        )
        session.add(
            Receipt(
                unit_id=unit.id,
                item=RECEIPT_ITEM,
                received_at=received,
                source_name=path.name,
                sha256=digest,
                archive_path=stored_at,
            )
        )
    session.flush()
    return LiaisonImport(
        file=str(path),
        stored=[v for v in list_liaisons(session) if v.unit in dict(rows)],
        findings=findings,
    )


def latest_liaisons(session: Session) -> dict[int, Liaison]:
    """The liaison of each unit: its most recently received row."""
    latest: dict[int, Liaison] = {}
    query = select(Liaison).order_by(col(Liaison.received_at), col(Liaison.id))
    for liaison in session.exec(query):
        latest[liaison.unit_id] = liaison
    return latest


def list_liaisons(session: Session) -> list[LiaisonView]:
    latest = latest_liaisons(session)
    views = []
    for unit in all_units(session):
        liaison = latest.get(unit.id or 0)
        if liaison is None:
            continue
        views.append(
            LiaisonView(
                unit=unit.name,
                kind=unit.kind,
                name=liaison.name,
                title=liaison.title,
                mobile=liaison.mobile,
                qq=liaison.qq,
                note=liaison.note,
                received=liaison.received_at,
            )
        )
    return views


def units_without_liaison(session: Session) -> list[UnitRef]:
    latest = latest_liaisons(session)
    return [u for u in all_units(session) if u.active and u.id not in latest]
