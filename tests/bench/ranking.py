"""Ranking at 5,000 units × 12 months (the generated timeliness database): `rank --month`
paired with a plain sqlite3 + Python yardstick, and `rank --year` paired with `rank --month`.

The yardstick (YARDSTICK below, run as `python -c`, nothing of qzfsg imported) ranks the
month as `rank --month` does, by the method of qzfsg.ranking (README, data/ranking.toml):
- reads the campaign's first month, the 月报表 deadline, the registry, the method file
  (tomllib) and whether the month is locked (已发布);
- for the month and the month before (for the 升降 column): the current figures (本月数 and
  累计数, so 比增量 compares with the unit's own earlier months), each unit's first
  accepted arrival by the as-of day (on time, late by N days, missing, not due), its first
  version's status (一次通过), the units active in the month;
- scores both leagues: 比数量 (each indicator's percentile by sorting and bisecting), 比增量,
  比质量 (the percentiles of three ratios, the two-officer rule, on time, first attempt),
  the weighted means, one decimal, the shares, the lateness deduction; orders each league
  (score, then 比质量, 比数量, 比增量, registry order; 未报, then 未到期, last), the places
  moved since the month before, and prints every row.
What it leaves out: the checks and Chinese messages for a bad method file or period, a
holiday shift of the due day (this database has none), deadlines addressed to some units
only (this one's is addressed to all), zero returns (the board's, not the ranking's), and
exactness: it computes in floats where qzfsg is exact (whole numbers, exact ratios), the
cheapest way to do the same work, so that the ratio never flatters qzfsg. On this database
its table (places, scores, components, 升降) equals rank's; elsewhere floats could differ in
a last decimal: it is a yardstick of time, not of results.

Must: rank --month 3x the yardstick (aim 2x); rank --year 12x rank --month, 500 MB.
"""

import sys

from qzfsg.defaults import data_dir
from tests.bench._timing import paired
from tests.bench.timeliness import AS_OF, database

YARDSTICK = """
import bisect, calendar, sqlite3, sys, tomllib
from datetime import date, timedelta

db, month, method_file, as_of = sys.argv[1:5]
as_of = date.fromisoformat(as_of)
cutoff = (as_of + timedelta(days=1)).isoformat()
with open(method_file, "rb") as f:
    method = tomllib.load(f)
weights, quality_weights, shares = method["weights"], method["quality"], method["shares"]
rules = method["rules"]
codes = list(weights)
index = {code: i for i, code in enumerate(codes)}
hard = [index[c] for c in rules["hard_sanctions"]]
conn = sqlite3.connect(db)
facts = dict(conn.execute("SELECT key, value FROM meta"))
first_month = facts["campaign_first_month"]
day, from_month, to_month = conn.execute(
    "SELECT monthly_day, from_month, to_month FROM deadline WHERE item = '月报表'").fetchone()
units = conn.execute("SELECT id, name, kind, sort_order, active_from, inactive_from"
                     " FROM unit ORDER BY sort_order, id").fetchall()
published = conn.execute("SELECT COUNT(*) FROM monthlock WHERE month = ?", (month,)).fetchone()[0]


def previous(month):
    year, number = int(month[:4]), int(month[5:])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def months_between(first, month):
    return (int(month[:4]) - int(first[:4])) * 12 + int(month[5:]) - int(first[5:])


def round1(x):
    return int(x * 10 + 0.5 + 1e-9) / 10


def percentiles(values):
    ordered = sorted(v or 0 for v in values)
    n = len(values)
    return [bisect.bisect_right(ordered, v) / n if v and v > 0 else 0 for v in values]


def mean(scores, weights):
    return round1(100 * sum(w * s for w, s in zip(weights, scores)) / sum(weights))


def league(month):
    year, number = int(month[:4]), int(month[5:])
    due = date(year, number, day or calendar.monthrange(year, number)[1])
    arrivals = dict(conn.execute(
        "SELECT unit_id, MIN(received_at) FROM submission WHERE month = ? AND status = 'accepted'"
        " AND received_at < ? GROUP BY unit_id", (month, cutoff)))
    first_status = dict(conn.execute(
        "SELECT unit_id, status FROM submission WHERE month = ? AND version = 1"
        " AND status <> 'withdrawn'", (month,)))
    figures = {}
    for unit, code, value, cumulative in conn.execute(
        "SELECT s.unit_id, v.indicator_code, v.month_value, v.cumulative_value"
        " FROM submission AS s JOIN value AS v ON v.submission_id = s.id"
        " WHERE s.month = ? AND s.status = 'accepted' AND NOT s.superseded", (month,)):
        row = figures.setdefault(unit, [0] * (2 * len(codes)))
        row[index[code]] = value
        row[len(codes) + index[code]] = cumulative - value
    tables = {}
    for kind in ("town", "department"):
        rows = []
        for id, name, unit_kind, order, active_from, inactive_from in units:
            if unit_kind != kind or (active_from and active_from > month) or (
                    inactive_from and month >= inactive_from):
                continue
            received = arrivals.get(id)
            if received and received[:10] <= due.isoformat():
                status, late = "on_time", 0
            elif received:
                status, late = "late", (date.fromisoformat(received[:10]) - due).days
            else:
                status, late = ("missing" if as_of > due else "pending"), 0
            start = max(first_month, active_from or first_month)
            rows.append((id, name, order, status, late, max(0, months_between(start, month))))
        reporting = [r for r in rows if r[3] in ("on_time", "late")]
        data = [figures.get(r[0], [0] * (2 * len(codes))) for r in reporting]
        quantity = [percentiles([d[i] for d in data]) for i in range(len(codes))]
        c, n, f = index["cases"], index["inspected"], index["fines"]
        ratio_sets = [
            percentiles([d[c] / d[n] if d[n] else None for d in data]),
            percentiles([d[f] / d[c] if d[c] else None for d in data]),
            percentiles([sum(d[i] for i in hard) / d[n] if d[n] else None for d in data]),
        ]
        w = [weights[code] for code in codes]
        qw = [quality_weights[k] for k in quality_weights]
        scored = {}
        for k, (r, d) in enumerate(zip(reporting, data)):
            months = r[5]
            increases = []
            for i in range(len(codes)):
                now, before = d[i] * months, max(d[len(codes) + i], 0)
                increases.append(now / (now + before) if months and now + before else 0.5)
            officers, activities = d[index["officers"]], d[index["activities"]]
            need = activities * rules["officers_required"]
            quality = [s[k] for s in ratio_sets] + [
                min(1, officers / need) if need else 0,
                r[3] == "on_time",
                first_status.get(r[0]) == "accepted",
            ]
            parts = (mean([q[k] for q in quantity], w), mean(increases, w), mean(quality, qw))
            deduction = min(rules["late_deduction_cap"], rules["late_deduction_per_day"] * r[4])
            total = (shares["quantity"] * parts[0] + shares["increase"] * parts[1]
                     + shares["quality"] * parts[2]) / 100
            scored[r[0]] = (round1(max(total - deduction, 0)), parts, deduction)
        ranked = sorted(scored, key=lambda u: (
            -scored[u][0], -scored[u][1][2], -scored[u][1][0], -scored[u][1][1]))
        tables[kind] = (rows, scored, {u: place for place, u in enumerate(ranked, 1)})
    return tables


now, before = league(month), league(previous(month)) if previous(month) >= first_month else None
print("published" if published else "")
for kind, (rows, scored, places) in now.items():
    earlier = before[kind][2] if before else {}
    ordered = sorted(rows, key=lambda r: (places.get(r[0], len(rows) + (r[3] == "pending")), r[2]))
    for id, name, order, status, late, months in ordered:
        if id not in scored:
            print("-", name, status)
            continue
        score, parts, deduction = scored[id]
        change = earlier[id] - places[id] if id in earlier else "new"
        print(places[id], name, score, *parts, deduction, change if before else "", status, late)
"""


def run() -> list[str]:
    db = str(database(5_000))
    qzfsg = [sys.executable, "-m", "qzfsg"]
    month = [*qzfsg, "rank", "--month", "2018-09", "--as-of", AS_OF, "--db", db]
    method = str(data_dir() / "ranking.toml")
    yardstick = [sys.executable, "-c", YARDSTICK, db, "2018-09", method, AS_OF]
    year = [*qzfsg, "rank", "--year", "2018", "--as-of", AS_OF, "--db", db]
    return [
        paired(month, yardstick).line("rank --month, 5,000 units", "yardstick", "must 3x, aim 2x"),
        paired(year, month).line("rank --year, 5,000 units", "rank --month", "must 12x, 500 MB"),
    ]
