"""The unit registry: list, add, rename, alias, deactivate, import, and name resolution."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qzfsg import audit
from qzfsg.audit import Actor
from qzfsg.errors import NotFoundError, QzfsgError
from qzfsg.kinds import UnitKind
from qzfsg.locks import guard_from
from qzfsg.months import Month
from qzfsg.names import Resolution, Resolver, unit_key
from qzfsg.queries import registry as unit_queries

if TYPE_CHECKING:
    from sqlmodel import Session

    from qzfsg.defaults import UnitDef
    from qzfsg.models import Unit


@dataclass(frozen=True, slots=True)
class UnitRef:
    """A registered unit as the read paths see it (a row of the unit table)."""

    id: int
    name: str
    kind: str
    sort_order: int
    active_from: str | None
    inactive_from: str | None

    @property
    def active(self) -> bool:
        return self.inactive_from is None

    def active_in(self, month: str) -> bool:
        return (self.active_from is None or self.active_from <= month) and (
            self.inactive_from is None or month < self.inactive_from
        )


@dataclass(kw_only=True, slots=True)
class UnitView:
    name: str
    kind: UnitKind
    sort_order: int
    active: bool
    active_from: str | None
    inactive_from: str | None
    aliases: list[str]


@dataclass(kw_only=True, slots=True)
class ImportSummary:
    added: list[str]
    aliases_added: int
    unchanged: list[str]


def _aliases_by_unit(connection: Any) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    for unit_id, alias in unit_queries.aliases(connection):
        found.setdefault(unit_id, []).append(alias)
    return found


def all_units(connection: Any, kind: str | None = None) -> list[UnitRef]:
    """Every unit (or one kind's) in registry order; `connection` is a DB-API connection
    or a session (see qzfsg.queries)."""
    return [UnitRef(*row) for row in unit_queries.units(connection, kind)]


def list_units(
    session: Any, kind: UnitKind | None = None, include_inactive: bool = True
) -> list[UnitView]:
    aliases = _aliases_by_unit(session)
    return [
        UnitView(
            name=u.name,
            kind=u.kind,  # type: ignore[arg-type]
            sort_order=u.sort_order,
            active=u.active,
            active_from=u.active_from,
            inactive_from=u.inactive_from,
            aliases=aliases.get(u.id or 0, []),
        )
        for u in all_units(session)
        if (kind is None or u.kind == kind) and (include_inactive or u.active)
    ]


def build_resolver(session: Any) -> Resolver:
    aliases = _aliases_by_unit(session)
    return Resolver((u.name, aliases.get(u.id or 0, [])) for u in all_units(session))


def resolve_unit(session: Any, text: str) -> Resolution:
    return build_resolver(session).resolve(text)


def get_unit(session: Any, text: str) -> UnitRef:
    """The unit a clerk named on the command line (official name or any alias)."""
    units = all_units(session)
    aliases = _aliases_by_unit(session)
    found = Resolver((u.name, aliases.get(u.id, [])) for u in units).resolve(text)
    if found.status != "resolved":
        raise NotFoundError(f"{found.reason}。可用 qzfsg units list 查看登记的单位。")
    return next(u for u in units if u.name == found.unit)


def _stored(session: Session, text: str) -> Unit:
    """The unit named on the command line, as the ORM object to change."""
    from qzfsg.models import Unit

    found = session.get(Unit, get_unit(session, text).id)
    assert found is not None
    return found


def _check_free(resolver: Resolver, written: str, owner: str | None = None) -> None:
    if not unit_key(written):
        raise QzfsgError(
            f"“{written}”去掉市名、盖章和“人民政府”“安监站”等后缀后什么也不剩，"
            "不能用来识别单位，未作改动。"
        )
    clash = resolver.owners(written) - {owner}
    if clash:
        raise QzfsgError(
            f"“{written}”与已登记的单位 {'、'.join(sorted(clash))} 的名称或别名相同，"
            "会让单位无法区分，未作改动。"
        )


def add_unit(
    session: Session,
    name: str,
    kind: UnitKind,
    aliases: Sequence[str] = (),
    active_from: Month | None = None,
    resolver: Resolver | None = None,
    by: Actor | None = None,
) -> Unit:
    """Register a unit, expected from `active_from` (None: from the campaign's start).
    `by` (every command gives it; None only while `init` builds the database): the change
    reaches the locked months from then on (qzfsg.locks) and is audited."""
    from sqlmodel import col, select

    from qzfsg.models import Alias, Unit

    name = name.strip()
    if not name:
        raise QzfsgError("单位名称不能为空。")
    resolver = resolver or build_resolver(session)
    for written in (name, *aliases):
        _check_free(resolver, written)
    last = session.exec(select(Unit.sort_order).order_by(col(Unit.sort_order).desc())).first()
    unit = Unit(
        name=name,
        kind=kind,
        sort_order=(last or 0) + 1,
        active_from=str(active_from) if active_from else None,
    )
    session.add(unit)
    session.flush()
    for alias in aliases:
        session.add(Alias(unit_id=unit.id, alias=alias.strip()))
    session.flush()
    if by is not None:
        guard_from(session, active_from, by, f"新增单位“{name}”")
        after = {
            "name": name,
            "kind": kind,
            "aliases": list(aliases),
            "active_from": unit.active_from,
        }
        audit.record(session, by, "unit", unit=name, after=after)
    return unit


def rename_unit(session: Session, current: str, new_name: str, by: Actor | None = None) -> Unit:
    """Give a unit a new official name; the old one stays as an alias."""
    from sqlmodel import select

    from qzfsg.models import Alias

    unit = _stored(session, current)
    new_name = new_name.strip()
    if not new_name:
        raise QzfsgError("新名称不能为空。")
    _check_free(build_resolver(session), new_name, owner=unit.name)
    old = unit.name
    unit.name = new_name
    session.add(unit)
    known = {a.alias for a in session.exec(select(Alias).where(Alias.unit_id == unit.id))}
    if old not in known:
        session.add(Alias(unit_id=unit.id, alias=old))
    session.flush()
    if by is not None:
        audit.record(session, by, "unit", unit=new_name, before={"name": old},
                     after={"name": new_name})  # fmt: skip
    return unit


def add_alias(session: Session, unit_name: str, alias: str, by: Actor | None = None) -> UnitRef:
    from sqlmodel import select

    from qzfsg.models import Alias

    unit = get_unit(session, unit_name)
    alias = alias.strip()
    if not alias:
        raise QzfsgError("别名不能为空。")
    resolver = build_resolver(session)
    _check_free(resolver, alias, owner=unit.name)
    exists = session.exec(select(Alias).where(Alias.alias == alias)).first()
    if exists is None and alias != unit.name:
        session.add(Alias(unit_id=unit.id, alias=alias))
        session.flush()
        if by is not None:
            audit.record(session, by, "unit", unit=unit.name, after={"alias": alias})
    return unit


def deactivate_unit(
    session: Session, name: str, from_month: Month, by: Actor | None = None
) -> Unit:
    """From `from_month` on the unit is no longer expected to report; its history stays.
    Reaches the locked months from then on (qzfsg.locks); audited."""
    unit = _stored(session, name)
    before = unit.inactive_from
    if by is not None:
        guard_from(session, from_month, by, f"停用单位“{unit.name}”")
    unit.inactive_from = str(from_month)
    session.add(unit)
    session.flush()
    if by is not None:
        audit.record(session, by, "unit", unit=unit.name, before={"inactive_from": before},
                     after={"inactive_from": unit.inactive_from})  # fmt: skip
    return unit


def import_units(
    session: Session, units: Sequence[UnitDef], by: Actor | None = None
) -> ImportSummary:
    """Add new units and new aliases; a unit already registered keeps what it has."""
    summary = ImportSummary(added=[], aliases_added=0, unchanged=[])
    for item in units:
        resolver = build_resolver(session)
        found = resolver.resolve(item.name)
        if found.status != "resolved" or found.unit is None:
            add_unit(session, item.name, item.kind, item.aliases, resolver=resolver, by=by)
            summary.added.append(item.name)
            summary.aliases_added += len(item.aliases)
            continue
        new_aliases = [a for a in item.aliases if found.unit not in resolver.owners(a)]
        for alias in new_aliases:
            add_alias(session, found.unit, alias, by)
        summary.aliases_added += len(new_aliases)
        if not new_aliases:
            summary.unchanged.append(found.unit)
    return summary


def read_units_file(path: Path) -> list[UnitDef]:
    """A units list as CSV (UTF-8 or GB18030) or as a workbook, with columns 名称, 类别, 别名."""
    from qzfsg.defaults import load_units

    return load_units(path)


def is_expected(unit: UnitRef, month: Month) -> bool:
    """Whether the unit is expected to report for `month` (active in that month)."""
    return unit.active_in(str(month))


def expected_units(session: Any, month: Month, kind: UnitKind | None = None) -> list[UnitRef]:
    """The units expected to report for `month`: active in that month, in registry order."""
    return [u for u in all_units(session, kind) if is_expected(u, month)]
