"""Copying: `qzfsg copy` of the 50,000-unit bench database from SQLite into PostgreSQL,
paired with PostgreSQL's own restore (psql) of a pg_dump of the same data.

The yardstick is what an administrator would do to load the same tables into PostgreSQL
by hand, and the floor of it: `pg_dump` of the database `qzfsg copy` made (plain SQL:
the schema, each table's rows as one COPY, then indexes and foreign keys), restored by
`psql --single-transaction` into an empty database. It loads the rows before it builds
the indexes and checks the foreign keys, reads no SQLite and verifies nothing; `copy`
writes into the schema as `init` makes it (indexes and foreign keys in place), in one
transaction, then compares rows and sums with the source. The source's rows point to no
archive files (the generator writes none), so `copy` also looks up 600,000 files and
reports them missing (exit 1; the list is in its peak memory), and copies none.

Each run gets a new empty database on a throwaway server (tests/pgserver.py), made and
dropped outside the timing. Three pairs, not five: one pair takes minutes.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from tests import pgserver
from tests.bench._timing import pair_of, run_child
from tests.bench.timeliness import database

UNITS = 50_000
PAIRS = 3


def run() -> list[str]:
    source = database(UNITS)
    pg_dump, psql = shutil.which("pg_dump"), shutil.which("psql")
    if pg_dump is None or psql is None or pgserver.programs() is None:
        return [f"copy skipped: no PostgreSQL programs. {pgserver.SKIPPED}"]
    with pgserver.server() as server, tempfile.TemporaryDirectory() as folder:
        assert server is not None
        dump = Path(folder) / "units50000.sql"
        copy = [sys.executable, "-m", "qzfsg", "copy", str(source)]
        with server.database() as url:  # the data the yardstick restores
            run_child([*copy, url, "--json"])
            run_child([pg_dump, "--no-owner", "--no-privileges", "-f", str(dump), url])
        restore = [psql, "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", str(dump)]
        runs = []
        for _ in range(PAIRS):
            with server.database() as a_url:
                a = run_child([*copy, a_url, "--json"])
            with server.database() as b_url:
                b = run_child([*restore, b_url])
            runs.append((a, b))
    pair = pair_of(runs)
    return [pair.line(f"copy {UNITS:,} units → PostgreSQL", "psql restore", "(no target)")]
