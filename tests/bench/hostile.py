"""Hostile files (issue 10): time and peak memory of `qzfsg validate` on a zip bomb, a far
corner in .xlsx, .ods and .xls, and an honest 60 MB workbook with a 400,000-row ledger
pasted below the form; against the same command on one sample return.

Aims: each hostile file refused within 10 s and 500 MB; the honest workbook read within
60 s and 1 GB.
"""

from __future__ import annotations

import contextlib
import random
import sys
import tempfile
import zipfile
from pathlib import Path

from tests.bench._timing import CACHE, best_of, paired, run_child
from tests.conftest import SAMPLES
from tests.factories import INDICATORS, default_values
from tests.hostile import bomb_xlsx, far_corner_ods, far_corner_xls, far_corner_xlsx

LEDGER_ROWS = 400_000
_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def ledger_workbook(path: Path, rows: int = LEDGER_ROWS) -> Path:
    """The official form at the top (rows 1–14, as make_return lays it out), and below
    it a ledger of `rows` inspection records with a dozen columns, as a unit pastes its
    year's 台账 under the return. Written as XML directly (openpyxl would take minutes)."""
    noise = random.Random(10)
    towns = [f"{n}镇" for n in "归义新市古培白水罗江川山长乐大荆屈子祠弼时"]
    kinds = ["危化品", "烟花爆竹", "建筑施工", "道路运输", "消防", "特种设备", "非煤矿山"]
    strings: dict[str, int] = {}

    def shared(text: str) -> str:
        return str(strings.setdefault(text, len(strings)))

    def cell(ref: str, value: object) -> str:
        if isinstance(value, str):
            return f'<c r="{ref}" t="s"><v>{shared(value)}</v></c>'
        return f'<c r="{ref}"><v>{value}</v></c>'

    values = default_values()
    form = [
        ["安全监管“强执法防事故”行动情况月报表"],
        ["填报单位（盖章）：汨罗市归义镇人民政府          填报时间：2018年6月28日"],
        ["项目", "单位", "本月数", "累计数"],
        *(
            [i.label, i.unit, float(values[i.code][0]), float(values[i.code][1])]
            for i in INDICATORS
        ),
    ]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet {_NS}><sheetData>'.encode()
            )
            for r, line in enumerate(form, start=1):
                cells = "".join(cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(line))
                sheet.write(f'<row r="{r}">{cells}</row>'.encode())
            start = len(form) + 3
            header = [
                "序号",
                "日期",
                "单位",
                "类别",
                "检查人",
                "隐患数",
                "整改数",
                "罚款",
                "备注",
                "经度",
                "纬度",
                "面积",
                "产值",
                "编号",
            ]
            sheet.write(
                f'<row r="{start}">{"".join(cell(f"{chr(65 + c)}{start}", v) for c, v in enumerate(header))}</row>'.encode()
            )
            batch = []
            for n in range(1, rows + 1):
                r = start + n
                line = [
                    n, 43100 + n % 365, noise.choice(towns), noise.choice(kinds),
                    f"检查员{noise.randint(1, 400)}", noise.randint(0, 9), noise.randint(0, 9),
                    round(noise.random() * 5, 4),
                    f"{noise.getrandbits(64):016x}{noise.getrandbits(48):012x}",
                    noise.random() * 180, noise.random() * 90, noise.random() * 1e4,
                    noise.random() * 1e6, f"{noise.getrandbits(40):010x}",
                ]  # fmt: skip
                batch.append(
                    f'<row r="{r}">{"".join(cell(f"{chr(65 + c)}{r}", v) for c, v in enumerate(line))}</row>'
                )
                if len(batch) == 5000:
                    sheet.write("".join(batch).encode())
                    batch = []
            sheet.write(("".join(batch) + "</sheetData></worksheet>").encode())
        table = "".join(f"<si><t>{s}</t></si>" for s in strings)
        archive.writestr(
            "xl/sharedStrings.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><sst {_NS} count="{len(strings)}" uniqueCount="{len(strings)}">{table}</sst>',
        )
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_TYPES}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_TYPES}.sharedStrings+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook {_NS} xmlns:r="{_REL}"><sheets>'
            '<sheet name="月报表" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
        )
    return path


def cached_ledger() -> Path:
    """The honest big workbook, generated once into .bench/ (about a minute)."""
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"ledger-{LEDGER_ROWS}-v2.xlsx"
    if not path.exists():
        partial = path.with_suffix(".partial")
        ledger_workbook(partial)
        partial.rename(path)
    return path


def guard_share() -> str:
    """What the checks before calamine cost on the 24 sample returns, against reading them
    (in-process, best of three)."""
    from qzfsg.defaults import load_indicators
    from qzfsg.reading.biff import check_xls
    from qzfsg.reading.form import read_return
    from qzfsg.reading.guard import check_zip
    from qzfsg.reading.unreadable import UnreadableReturn

    files = [(p, p.read_bytes()) for p in sorted((SAMPLES / "files").iterdir())]
    indicators = load_indicators()

    def guards() -> None:
        for path, data in files:
            with contextlib.suppress(UnreadableReturn):
                if data.startswith(b"\xd0\xcf\x11\xe0"):
                    check_xls(path.name, data)
                else:
                    check_zip(path.name, data)

    def reads() -> None:
        for path, data in files:
            with contextlib.suppress(UnreadableReturn):
                read_return(path, indicators, data)

    guard, read = best_of(guards, runs=5), best_of(reads, runs=5)
    return (
        f"{'guards on the 24 samples':<34} {guard * 1000:8.1f} ms"
        f" = {guard / read:5.1%} of reading them ({read * 1000:.1f} ms)"
    )


def run() -> list[str]:
    qzfsg = [sys.executable, "-m", "qzfsg", "validate"]
    sample = next(iter(sorted((SAMPLES / "files").glob("*.xlsx"))))
    lines = [guard_share()]
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        cases = {
            "zip bomb (1 GiB of XML)": bomb_xlsx(folder, 2**30),
            "far corner .xlsx (XFD1048576)": far_corner_xlsx(folder),
            "far corner .ods (value x 10^9)": far_corner_ods(folder, repeated=True),
            "far corner .xls (IV65536)": far_corner_xls(folder),
        }
        for label, path in cases.items():
            pair = paired([*qzfsg, str(path)], [*qzfsg, str(sample)], pairs=3)
            lines.append(pair.line(label, "one return", "aim: < 10 s, < 500 MiB"))
    ledger = cached_ledger()
    size = ledger.stat().st_size / 2**20
    honest = run_child([*qzfsg, str(ledger)])
    lines.append(
        f"{f'honest {size:.0f} MB, {LEDGER_ROWS} rows':<34} {honest.seconds:8.1f} s"
        f" {honest.peak_mib:6.0f} MiB   aim: < 60 s, < 1 GiB"
    )
    return lines
