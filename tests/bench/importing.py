"""Import: 1,000 generated returns (xlsx and xls) into a fresh database, against merely
reading the same files with python-calamine.

Aim (issue 3): import within 5x of the bare read time.
"""

import tempfile
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from python_calamine import CalamineWorkbook

from qzfsg.bootstrap import init_database
from qzfsg.db import archive_dir, open_database, session_for
from qzfsg.importer import Importer
from qzfsg.months import Month
from qzfsg.registry import add_unit
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


def import_all(paths: list[Path], folder: Path, run: int) -> int:
    db = folder / f"bench-{run}.db"
    init_database(db)
    with session_for(open_database(db)) as session:
        for u in range(UNITS):
            add_unit(session, f"测试{u:03d}镇", "town")
        session.commit()
        importer = Importer(session, archive_dir(db), today=date(2019, 1, 15))
        start = datetime(2018, 5, 28)
        timed = [(p, start + timedelta(minutes=i)) for i, p in enumerate(paths)]
        accepted = 0
        for path, received in timed:
            accepted += importer.import_file(path, received).status == "imported"
    return accepted


def run() -> list[str]:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        (folder / "in").mkdir()
        paths = generate(folder / "in")
        bare = best_of(lambda: bare_read(paths))
        runs = iter(range(10))
        accepted = []
        imported = best_of(lambda: accepted.append(import_all(paths, folder, next(runs))), runs=3)
    n = len(paths)
    return [
        f"{n} files ({sum(p.suffix == '.xls' for p in paths)} .xls), {accepted[-1]} accepted",
        f"bare calamine read  {bare:6.2f} s  {n / bare:8.0f} files/s",
        f"qzfsg import        {imported:6.2f} s  {n / imported:8.0f} files/s  = {imported / bare:.1f}x bare read (aim: 5x)",
    ]
