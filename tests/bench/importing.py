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

# One import into a fresh copy of the template database, in a new folder of the run's
# scratch folder (so with a new, empty archive), then the import itself in this process.
# Nothing is deleted until every pair has run: ext4 skips the inodes freed in the last
# minute or more when it makes a file, so removing the previous run's 10,000 archive files
# just before made each of the next run's files cost a scan of them (the bench's import
# then spent as much time in the kernel as in Python; a clerk's import follows no such
# deletion).
IMPORT = """
import shutil, sys, tempfile
from pathlib import Path
template, scratch, *args = sys.argv[1:]
db = str(Path(tempfile.mkdtemp(dir=scratch)) / "bench.db")
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
    # The imports go to a scratch folder of this run's (see IMPORT), not into the cache,
    # which worktrees share: two benches there removed each other's archive mid-run.
    with tempfile.TemporaryDirectory(prefix="qzfsg-bench-import-") as scratch:
        importing = [sys.executable, "-c", IMPORT, str(template), scratch, str(folder)]
        bare = [sys.executable, "-c", BARE, str(folder)]
        as_json = paired([*importing, "--json"], bare)
        table = paired(importing, [*importing, "--json"])
    label = f"import, {returns:,} returns"
    return [
        f"({date.today()}: {returns:,} files in {folder})",
        as_json.line(f"{label} --json", "bare calamine read", "must 8x, aim 5x"),
        table.line(f"{label}, table", "import --json", "must 1.10x"),
    ]
