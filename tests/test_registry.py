"""Name resolution and the registry operations, called directly."""

import json

import pytest
from sqlmodel import select

from qzfsg.defaults import UnitDef, load_units
from qzfsg.errors import NotFoundError, QzfsgError
from qzfsg.models import Alias, Unit
from qzfsg.months import Month
from qzfsg.names import Resolver, unit_key
from qzfsg.registry import (
    add_alias,
    add_unit,
    deactivate_unit,
    get_unit,
    import_units,
    list_units,
    rename_unit,
    resolve_unit,
)
from tests.factories import make_return


@pytest.fixture(scope="module")
def resolver():
    return Resolver((u.name, u.aliases) for u in load_units())


@pytest.mark.parametrize(
    ("written", "official"),
    [
        ("汨罗市归义镇人民政府", "归义镇"),
        ("归义镇安监站", "归义镇"),
        ("归义镇（盖章）", "归义镇"),
        ("归义镇(盖章)", "归义镇"),
        (" 归 义 镇 ", "归义镇"),
        ("汨罗市汨罗镇人民政府", "汨罗镇"),
        ("汨罗市公安局", "市公安局"),
        ("公安局", "市公安局"),
        ("市场监督管理局", "市市场监督管理局"),
        ("汨罗市市场监督管理局", "市市场监督管理局"),
        ("市场监管局", "市市场监督管理局"),
        ("住建局", "市住房和城乡建设局"),
        ("文旅广体局", "市文化旅游广电体育局"),
        ("城管执法局", "市城市管理和综合执法局"),
        ("工信局", "市工业和信息化局"),
        ("消防大队", "市消防救援大队"),
        ("交警大队", "市公安局交通警察大队"),
        ("汨罗市公安局交通警察大队", "市公安局交通警察大队"),
        ("海事处", "市地方海事处"),
        ("汨罗市应急管理局办公室", "市应急管理局"),
    ],
)
def test_usual_spellings_resolve(resolver, written, official):
    found = resolver.resolve(written)
    assert (found.status, found.unit) == ("resolved", official)


def test_unknown_names_are_not_guessed(resolver):
    found = resolver.resolve("汨罗市恒达物流有限公司")
    assert found.status == "unknown" and found.unit is None
    near = resolver.resolve("归义")
    assert near.status == "unknown" and near.candidates == ["归义镇"]
    assert resolver.resolve("  ").status == "empty"


def test_two_units_sharing_a_key_are_ambiguous():
    resolver = Resolver([("市公安局", []), ("市公安分局", ["公安局"])])
    found = resolver.resolve("汨罗市公安局")
    assert found.status == "ambiguous"
    assert found.candidates == ["市公安局", "市公安分局"]


@pytest.mark.parametrize("written", ["市局", "汨罗市局"])
def test_a_name_short_for_several_units_is_ambiguous(resolver, written):
    found = resolver.resolve(written)
    assert found.status == "ambiguous" and found.unit is None
    assert {"市公安局", "市教育局", "市林业局"} <= set(found.candidates)
    assert "归义镇" not in found.candidates and "市消防救援大队" not in found.candidates
    assert "等 " in found.reason  # a long list is cut in the message, not in candidates
    assert resolver.resolve("公安").candidates == ["市公安局", "市公安局交通警察大队"]


def test_ambiguous_names_everywhere(cli, tmp_path):
    """resolve, a --unit option and a form's 填报单位 all say ambiguous, with the units."""
    result = cli("resolve", "市局", "--json")
    found = json.loads(result.stdout)
    assert result.exit_code == 1 and found["status"] == "ambiguous"
    assert "市公安局" in found["candidates"]
    result = cli("history", "--unit", "市局")
    assert result.exit_code == 2 and "可能指 市应急管理局、市公安局" in result.stderr
    form = make_return(tmp_path, unit="汨罗市局")
    outcome = json.loads(cli("import", str(form), "--month", "2018-06", "--json").stdout)[0]
    assert [f["code"] for f in outcome["findings"]] == ["ambiguous_unit"]
    result = cli("import", str(form), "--month", "2018-06", "--unit", "公安")
    assert result.exit_code == 2 and "市公安局、市公安局交通警察大队" in result.stderr


def test_key_drops_prefix_seal_and_suffixes():
    assert unit_key("汨罗市白水镇人民政府（盖章）") == "白水镇"
    assert unit_key("三江镇安全生产监督管理站") == "三江镇"


def test_add_unit_and_refuse_a_clashing_alias(session):
    add_unit(session, "市人防办", "department", ["人防办"])
    assert resolve_unit(session, "汨罗市人防办").unit == "市人防办"
    with pytest.raises(QzfsgError, match="市公安局"):
        add_unit(session, "市公安分局", "department", ["公安局"])
    with pytest.raises(QzfsgError):
        add_unit(session, "归义镇人民政府", "town")


def test_alias_that_would_make_names_ambiguous_is_refused(session):
    with pytest.raises(QzfsgError, match="市公安局"):
        add_alias(session, "交警大队", "公安局")
    add_alias(session, "市市场监督管理局", "市场局")
    assert resolve_unit(session, "汨罗市市场局").unit == "市市场监督管理局"


def test_rename_keeps_the_old_name_as_alias(session):
    rename_unit(session, "市林业局", "市自然资源局林业分局")
    assert resolve_unit(session, "汨罗市林业局").unit == "市自然资源局林业分局"
    assert resolve_unit(session, "市自然资源局林业分局").unit == "市自然资源局林业分局"


def test_deactivate_keeps_the_unit_listed(session):
    deactivate_unit(session, "海事处", Month(2018, 10))
    views = {v.name: v for v in list_units(session)}
    assert views["市地方海事处"].active is False
    assert views["市地方海事处"].inactive_from == "2018-10"
    assert "市地方海事处" not in {v.name for v in list_units(session, include_inactive=False)}


def test_get_unit_names_the_problem(session):
    with pytest.raises(NotFoundError, match="不是登记的填报单位"):
        get_unit(session, "不存在局")


def test_import_adds_new_units_and_aliases_only(session):
    summary = import_units(
        session,
        [
            UnitDef(name="屈原管理区", kind="town", aliases=["屈原区"]),
            UnitDef(name="市公安局", kind="department", aliases=["汨罗公安"]),
            UnitDef(name="归义镇", kind="town"),
        ],
    )
    assert summary.added == ["屈原管理区"]
    assert summary.aliases_added == 2
    assert summary.unchanged == ["归义镇"]
    assert len(session.exec(select(Unit)).all()) == 35
    assert session.exec(select(Alias).where(Alias.alias == "汨罗公安")).one()
