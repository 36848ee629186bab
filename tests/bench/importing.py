"""Import: 1,000 generated returns (xlsx and xls) into a fresh database, against merely
reading the same files with python-calamine.

Aim (issue 3): import within 5x of the bare read time.
"""

import sqlite3
import tempfile
import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from python_calamine import CalamineWorkbook

from qzfsg.bootstrap import init_database
from qzfsg.db import archive_dir, open_database, session_for
from qzfsg.defaults import UnitDef
from qzfsg.importer import Importer
from qzfsg.months import Month
from qzfsg.registry import import_units
from tests.bench._timing import best_of
from tests.factories import CODES, default_values, make_return

UNITS = 125
MONTHS = Month(2018, 5).until(Month(2018, 12))  # 125 units x 8 months = 1,000 returns


def generate(folder: Path) -> list[Path]:
    """Consistent returns: each unit's 累计数 adds up month by month; every 4th file is .xls."""
    paths = []
    for u in range(UNITS):
        cumulative = dict.fromkeys(CODES, Decimal(0))
        for m, month in enumerate(MONTHS):
            values = {}
            for code, (base, _) in default_values().items():
                this = base + (u + m) % 3
                cumulative[code] += this
                values[code] = (this, cumulative[code])
            fmt = "xls" if (u * len(MONTHS) + m) % 4 == 0 else "xlsx"
            path = make_return(
                folder,
                values,
                name=f"u{u:03d}-{month}.{fmt}",
                unit=f"汨罗市测试{u:03d}镇人民政府",
                filed=f"{month.year}年{month.month}月28日",
                fmt=fmt,
            )
            paths.append(path)
    return paths


def bare_read(paths: list[Path]) -> None:
    for path in paths:
        CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()


def registry_database(folder: Path) -> Path:
    """A database with the bench's units registered (made once, copied for each run)."""
    db = folder / "registry.db"
    init_database(db)
    with session_for(open_database(db)) as session:
        import_units(session, [UnitDef(name=f"测试{u:03d}镇", kind="town") for u in range(UNITS)])
        session.commit()
    return db


def import_all(paths: list[Path], template: Path, folder: Path, run: int) -> tuple[float, int]:
    """Seconds to import every file into a fresh copy of `template`, and how many were
    accepted. Only the import is timed: opening the database, the checker, every file."""
    db = folder / f"bench-{run}.db"
    with sqlite3.connect(template) as source, sqlite3.connect(db) as target:
        source.backup(target)
    start = datetime(2018, 5, 28)
    started = time.perf_counter()
    with session_for(open_database(db)) as session:
        importer = Importer(session, archive_dir(db), today=date(2019, 1, 15))
        accepted = sum(
            importer.import_file(path, start + timedelta(minutes=i)).status == "imported"
            for i, path in enumerate(paths)
        )
    return time.perf_counter() - started, accepted


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "in").mkdir()
        paths = generate(folder / "in")
        bare = best_of(lambda: bare_read(paths))
        template = registry_database(folder)
        imports = [import_all(paths, template, folder, run) for run in range(3)]
        imported, accepted = min(imports)  # the least disturbed of three runs
    n = len(paths)
    return [
        f"{n} files ({sum(p.suffix == '.xls' for p in paths)} .xls), {accepted} accepted",
        f"bare calamine read  {bare:6.2f} s  {n / bare:8.0f} files/s",
        f"qzfsg import        {imported:6.2f} s  {n / imported:8.0f} files/s  = {imported / bare:.1f}x bare read (aim: 5x)",
    ]
