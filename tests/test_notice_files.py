"""The texts the clerk sends, as files: `findings --out` and `overdue --message --out`
write one file per unit (and the group message) into a folder, a .docx per unit with
--docx, and never overwrite what is there without --force."""

from __future__ import annotations

import json
from pathlib import Path

from docx import Document

from tests.factories import make_return
from tests.test_timeliness_cli import returns  # noqa: F401 (a fixture)

TXT = "归义镇-2018年6月退回意见.txt"


def read_text(path: Path) -> str:
    """As Notepad reads it: UTF-8 with a byte-order mark, Windows line ends."""
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    return raw.decode("utf-8-sig").replace("\r\n", "\n")


def rejected(cli, tmp_path) -> None:
    bad = make_return(tmp_path, raw={("cases", "c"): 1}, name="bad.xlsx")
    assert cli("import", str(bad), "--received", "2018-06-28").exit_code == 1


def test_findings_out_writes_a_file_per_unit_and_the_group_message(cli, tmp_path):
    rejected(cli, tmp_path)
    out = tmp_path / "退回意见"
    result = cli("findings", "--month", "2018-06", "--out", str(out))
    assert result.exit_code == 0, result.output
    [item] = json.loads(cli("findings", "--json").stdout)
    assert sorted(p.name for p in out.iterdir()) == [TXT, "群消息-2018年6月审核情况.txt"]
    assert read_text(out / TXT) == item["message"] + "\n"
    group = read_text(out / "群消息-2018年6月审核情况.txt")
    assert group.startswith("【审核情况】") and "归义镇（2018年6月）" in group
    assert TXT in result.stdout


def test_findings_docx_is_an_office_notice(cli, tmp_path):
    rejected(cli, tmp_path)
    out = tmp_path / "退回意见"
    assert cli("findings", "--out", str(out), "--docx").exit_code == 0
    document = Document(str(out / TXT.replace(".txt", ".docx")))
    lines = [p.text for p in document.paragraphs if p.text]
    assert lines[:2] == ["关于退回2018年6月月报表的意见", "归义镇："]
    assert lines[2].startswith("你单位2018年6月28日报送的《bad.xlsx》")
    assert lines[3].startswith("1. ") and "D7" in lines[3]
    assert lines[-2] == "汨罗市安全生产委员会办公室"
    assert not (out / "群消息-").with_suffix(".docx").exists()  # the group text is pasted only
    assert [p.suffix for p in out.iterdir()].count(".docx") == 1


def test_notice_files_are_never_overwritten_without_force(cli, tmp_path):
    rejected(cli, tmp_path)
    out = tmp_path / "退回意见"
    out.mkdir()
    (out / TXT).write_text("已发出的旧意见", encoding="utf-8")
    refused = cli("findings", "--out", str(out))
    assert refused.exit_code == 2 and "--force" in refused.stderr
    assert [p.name for p in out.iterdir()] == [TXT]  # nothing written, not even the group
    assert (out / TXT).read_text(encoding="utf-8") == "已发出的旧意见"
    assert cli("findings", "--out", str(out), "--force").exit_code == 0
    assert read_text(out / TXT).startswith("【退回意见】归义镇：")


def test_docx_needs_a_folder(cli):
    result = cli("findings", "--docx")
    assert result.exit_code == 2 and "--out" in result.stderr


def test_overdue_out_writes_each_reminder_and_the_group_message(cli, returns, tmp_path):  # noqa: F811
    out = tmp_path / "催报"
    args = ("overdue", "--month", "2018-08", "--as-of", "2018-09-10", "--item", "月报表")
    result = cli(*args, "--kind", "town", "--message", "--out", str(out), "--docx")
    assert result.exit_code == 0, result.output
    data = json.loads(cli(*args, "--kind", "town", "--message", "--json").stdout)
    texts = {m["unit"]: m["text"] for m in data["messages"]["units"]}
    for unit, text in texts.items():
        kind = text[1 : text.index("】")]  # 催报 or 逾期提醒
        assert read_text(out / f"{unit}-2018年9月10日{kind}.txt") == text + "\n"
    assert read_text(out / "群消息-2018年9月10日催报通报.txt") == data["messages"]["group"] + "\n"
    assert read_text(out / "新市镇-2018年9月10日逾期提醒.txt").startswith("【逾期提醒】新市镇")
    notice = Document(str(out / "汨罗镇-2018年9月10日催报.docx"))
    lines = [p.text for p in notice.paragraphs if p.text]
    assert lines[:2] == ["关于抓紧报送有关材料的通知", "汨罗镇："]
    assert lines[-1] == "2018年9月10日"
    assert len(list(out.glob("*.docx"))) == len(texts)


def test_two_notices_for_one_name_are_numbered(tmp_path):
    from datetime import date

    from qzfsg.notices import Notice, notice_files

    same = Notice(
        kind="退回意见",
        unit="单位不明",
        title="t",
        subject="月份不明",
        opening="o",
        day=date(2018, 9, 1),
    )
    planned = notice_files([same, same], tmp_path, docx=True)
    assert [p.name for _, p in planned] == [
        "单位不明-月份不明退回意见.txt",
        "单位不明-月份不明退回意见.docx",
        "单位不明-月份不明退回意见（2）.txt",
        "单位不明-月份不明退回意见（2）.docx",
    ]
