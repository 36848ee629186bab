"""The city's return at 50,000 units × 12 months: `report --month 2018-12 --json` paired
with the sqlite3 shell running the same statements on the same file (the generated
timeliness database; every unit has a 累计 gap there, so every unit is listed).

Must: 3x and 500 MB (aim 2x, 200 MB).
"""

import sys

from tests.bench._timing import CACHE, paired
from tests.bench.timeliness import MONTHS, SQLITE3, database, inline

MONTH = MONTHS[-1]


def equivalent_sql() -> str:
    """The SQL `report` runs, with its parameters, as sqlite3 shell input."""
    from qzfsg.queries import consolidation, registry

    statements = [
        (f"SELECT {registry.UNIT_COLUMNS} FROM unit ORDER BY sort_order, id", {}),
        (consolidation.INDICATORS, {}),
        *consolidation.report_queries(MONTHS),
    ]
    return "".join(inline(sql, params) for sql, params in statements)


def run() -> list[str]:
    db = database(50_000)
    script = CACHE / "sql" / "report.sql"
    script.parent.mkdir(exist_ok=True)
    script.write_text(equivalent_sql(), encoding="utf-8")
    command = [sys.executable, "-m", "qzfsg", "report", "--month", MONTH, "--json", "--db", str(db)]
    pair = paired(command, [SQLITE3, str(db)], b_stdin=script)
    return [pair.line("report --json, 50,000 units", "sqlite3 shell", "must 3x/500 MB")]
