"""Ranking at 5,000 units × 12 months (the generated timeliness database): `rank --month`
paired with a plain sqlite3 + Python yardstick (the month's and the previous month's
figures fetched, every indicator's percentile by sorting and bisecting, both leagues
sorted and printed), and `rank --year` paired with `rank --month`.

Must: rank --month 3x the yardstick (aim 2x); rank --year 12x rank --month, 500 MB.
"""

import sys

from tests.bench._timing import paired
from tests.bench.timeliness import database

YARDSTICK = """
import bisect, sqlite3, sys
connection = sqlite3.connect(sys.argv[1])
for month in sys.argv[2:]:
    figures = {}
    for unit, kind, code, value in connection.execute(
        "SELECT s.unit_id, u.kind, v.indicator_code, v.month_value FROM submission AS s"
        " JOIN value AS v ON v.submission_id = s.id JOIN unit AS u ON u.id = s.unit_id"
        " WHERE s.month = ? AND s.status = 'accepted' AND NOT s.superseded", (month,)):
        figures.setdefault((kind, unit), {})[code] = value
    codes = sorted({code for found in figures.values() for code in found})
    for kind in ("town", "department"):
        units = [key for key in figures if key[0] == kind]
        score = dict.fromkeys(units, 0.0)
        for code in codes:
            ordered = sorted(figures[u].get(code, 0) for u in units)
            for u in units:
                value = figures[u].get(code, 0)
                if value > 0:
                    score[u] += bisect.bisect_right(ordered, value) / len(units)
        for place, u in enumerate(sorted(units, key=lambda u: (-score[u], u)), 1):
            print(place, u[1], round(score[u], 1))
"""


def run() -> list[str]:
    db = str(database(5_000))
    qzfsg = [sys.executable, "-m", "qzfsg"]
    month = [*qzfsg, "rank", "--month", "2018-09", "--db", db]
    yardstick = [sys.executable, "-c", YARDSTICK, db, "2018-09", "2018-08"]
    year = [*qzfsg, "rank", "--year", "2018", "--db", db]
    return [
        paired(month, yardstick).line("rank --month, 5,000 units", "yardstick", "must 3x, aim 2x"),
        paired(year, month).line("rank --year, 5,000 units", "rank --month", "must 12x, 500 MB"),
    ]
