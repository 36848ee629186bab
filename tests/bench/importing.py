"""Import: 10,000 generated returns (xlsx, every 4th one xls) into a fresh copy of a
database with the units registered, paired with a bare python-calamine read of the same
files; and the import printing its table paired with the same import printing --json.

Must: import 8x the bare read (aim 5x); the table adds at most 10 %. The files are
generated once and kept in .bench/ (keyed by GENERATOR_VERSION); each import run starts
from a fresh copy of the database, made inside the timed child (a few ms).
"""

import sys
import tempfile
from datetime import date
from decimal import Decimal
from pathlib import Path

from qzfsg.months import Month
from tests.bench._timing import CACHE, cache_lock, paired

RETURNS = 10_000
MONTHS = Month(2018, 5).until(Month(2018, 12))  # units x 8 months
GENERATOR_VERSION = 1

# The bare read: every file of the folder opened and its first sheet read, as the importer
# must at the least.
BARE = """
import sys
from pathlib import Path
from python_calamine import CalamineWorkbook
for path in sorted(Path(sys.argv[1]).iterdir()):
    CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
"""

# One import into a fresh copy of the template database (and no archive left from the
# previous run), then the import itself in this process.
IMPORT = """
import shutil, sys
from pathlib import Path
template, db, *args = sys.argv[1:]
shutil.rmtree(Path(db).parent / (Path(db).stem + "-archive"), ignore_errors=True)
shutil.copyfile(template, db)
sys.argv = ["qzfsg", "import", *args, "--db", db]
from qzfsg.start import main
main()
"""


def generate(folder: Path, units: int) -> None:
    """Consistent returns: each unit's 累计数 adds up month by month; every 4th file is .xls."""
    from tests.factories import CODES, default_values, make_return

    for u in range(units):
        cumulative = dict.fromkeys(CODES, Decimal(0))
        for m, month in enumerate(MONTHS):
            values = {}
            for code, (base, _) in default_values().items():
                this = base + (u + m) % 3
                cumulative[code] += this
                values[code] = (this, cumulative[code])
            fmt = "xls" if (u * len(MONTHS) + m) % 4 == 0 else "xlsx"
            make_return(
                folder,
                values,
                name=f"u{u:05d}-{month}.{fmt}",
                unit=f"汨罗市测试{u:05d}镇人民政府",
                filed=f"{month.year}年{month.month}月28日",
                fmt=fmt,
            )


def registry_database(path: Path, units: int) -> None:
    """A database with the bench's units registered."""
    from qzfsg.bootstrap import init_database
    from qzfsg.defaults import UnitDef
    from qzfsg.registry import import_units
    from qzfsg.storage.db import close_all, open_database, session_for

    init_database(path)
    with session_for(open_database(path)) as session:
        import_units(session, [UnitDef(name=f"测试{u:05d}镇", kind="town") for u in range(units)])
        session.commit()
    close_all()


def inputs(returns: int) -> tuple[Path, Path]:
    """The folder of `returns` generated files and the template database, made once."""
    units = returns // len(MONTHS)
    home = CACHE / f"import{returns}-v{GENERATOR_VERSION}"
    folder, template = home / "in", home / "registry.db"
    with cache_lock(home.name):
        if not template.exists():
            import shutil

            shutil.rmtree(home, ignore_errors=True)
            folder.mkdir(parents=True)
            generate(folder, units)
            registry_database(home / "partial.db", units)
            (home / "partial.db").rename(template)
    return folder, template


def run(returns: int = RETURNS) -> list[str]:
    folder, template = inputs(returns)
    # Each run imports into a folder of its own: the cache is shared by worktrees, and two
    # benches importing into one database there removed each other's archive mid-run.
    with tempfile.TemporaryDirectory(prefix="qzfsg-bench-import-") as scratch:
        target = str(Path(scratch) / "bench.db")
        importing = [sys.executable, "-c", IMPORT, str(template), target, str(folder)]
        bare = [sys.executable, "-c", BARE, str(folder)]
        as_json = paired([*importing, "--json"], bare)
        table = paired(importing, [*importing, "--json"])
    label = f"import, {returns:,} returns"
    return [
        f"({date.today()}: {returns:,} files in {folder})",
        as_json.line(f"{label} --json", "bare calamine read", "must 8x, aim 5x"),
        table.line(f"{label}, table", "import --json", "must 1.10x"),
    ]
