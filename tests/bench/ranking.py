"""Ranking: `qzfsg rank` for a month and for the year, every unit reporting every month.

34 units × 8 months of accepted returns (272 returns, 2,992 figures) written straight into
the database; the year ranks 8 months plus none before it, a month ranks itself and the
month before. Compared with `qzfsg units list` on the same database (start-up + one query).
"""

import random
import subprocess
import sys
import tempfile
from datetime import datetime
from decimal import Decimal
from pathlib import Path

from tests.bench._timing import best_of, median_wall


def _fill(db: Path) -> None:
    from sqlmodel import select

    from qzfsg.db import open_database, session_for
    from qzfsg.models import Submission, Unit, Value
    from qzfsg.ranking.method import INDICATOR_CODES

    rnd = random.Random(20180828)
    with session_for(open_database(db)) as session:
        units = session.exec(select(Unit)).all()
        totals = {(u.id, c): Decimal(0) for u in units for c in INDICATOR_CODES}
        for month in range(5, 13):
            for unit in units:
                received = datetime(2018, month, rnd.randint(20, 28), 10)
                sub = Submission(
                    unit_id=unit.id,
                    month=f"2018-{month:02d}",
                    received_at=received,
                    source_name="bench.xlsx",
                    sha256=f"{unit.id}-{month}",
                    archive_path="-",
                    status="accepted",
                    imported_at=received,
                )
                session.add(sub)
                session.flush()
                for code in INDICATOR_CODES:
                    value = Decimal(rnd.randint(0, 40 if code != "fines" else 300)).scaleb(
                        -2 if code == "fines" else 0
                    )
                    totals[(unit.id, code)] += value
                    session.add(
                        Value(
                            submission_id=sub.id,
                            indicator_code=code,
                            month_value=value,
                            cumulative_value=totals[(unit.id, code)],
                        )
                    )
        session.commit()


def run() -> list[str]:
    from datetime import date

    from qzfsg.db import open_database, session_for
    from qzfsg.months import Month
    from qzfsg.ranking.leagues import Period, parse_year, rank_units

    qzfsg = [sys.executable, "-m", "qzfsg"]
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "bench.db"
        subprocess.run([*qzfsg, "init", "--db", str(db)], check=True, capture_output=True)
        _fill(db)
        listing = median_wall([*qzfsg, "units", "list", "--db", str(db)], runs=5)
        month = median_wall([*qzfsg, "rank", "--month", "2018-09", "--db", str(db)], runs=5)
        year = median_wall([*qzfsg, "rank", "--year", "2018", "--json", "--db", str(db)], runs=5)
        with session_for(open_database(db)) as session:
            as_of = date(2019, 1, 15)
            core_year = best_of(lambda: rank_units(session, parse_year("2018"), as_of=as_of))
            core_month = best_of(
                lambda: rank_units(session, Period.month_of(Month(2018, 9)), as_of=as_of)
            )
    return [
        f"qzfsg units list           {listing * 1000:7.1f} ms (median of 5, the baseline)",
        f"qzfsg rank --month 2018-09 {month * 1000:7.1f} ms  = {month / listing:4.1f}x units list",
        f"qzfsg rank --year 2018     {year * 1000:7.1f} ms  = {year / listing:4.1f}x units list",
        f"rank_units, month (core)   {core_month * 1000:7.1f} ms (best of 3)",
        f"rank_units, year (core)    {core_year * 1000:7.1f} ms (best of 3)",
    ]
