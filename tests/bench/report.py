"""The city's return at 50,000 units × 12 months: `report --month 2018-12 --json` paired
with the sqlite3 shell running the statements report ran, on the same file (the generated
timeliness database; every unit has a 累计 gap there, so every unit is listed).

The yardstick's statements are recorded from one run of the command itself
(tests.bench.statements): every statement report runs through qzfsg.queries.runner, in
order, with its parameters: the schema version, the indicators, the campaign's months,
the sums by kind, the months on file, the unit registry, the per-unit sums, the returns
under 核实 and the month's lock. Nothing listed by hand, so nothing it runs is left out.

Must: 3x and 500 MB (aim 2x, 200 MB).
"""

from tests.bench.timeliness import MONTHS, database, paired_with_sqlite3

MONTH = MONTHS[-1]


def run() -> list[str]:
    db = database(50_000)
    pair = paired_with_sqlite3(["report", "--month", MONTH, "--json", "--db", str(db)], db)
    return [pair.line("report --json, 50,000 units", "sqlite3 shell", "must 3x/500 MB")]
