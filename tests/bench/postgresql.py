"""PostgreSQL at 50,000 units × 12 months: `overdue`, `status`, `rank --month` and `report`
on a server, each paired with psql running the statements the command ran there (recorded
from the command itself, tests.bench.statements; as the runner sends them to PostgreSQL).

The server is the tests' (tests/pgserver.py: fsync off, 32 MB of shared buffers, a unix
socket), on a cluster kept in .bench/pg-units50000-vG-sS (G: the generator's version, S:
the schema's), so that the database is loaded once: the generated 50,000-unit SQLite
database (tests.bench.timeliness) copied in by `qzfsg copy` (storage.copying; its files are
not generated, so the copy lists them as missing), then VACUUM ANALYZE, as a server's
autovacuum would have done long before a clerk asks for a report.

Must: 3x psql and 500 MB (aim 2x), as on SQLite.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import psycopg

from qzfsg.storage.copying import copy_database
from qzfsg.storage.db import SCHEMA_VERSION, close_all, database_path
from qzfsg.storage.server import SESSION_OPTIONS
from tests import pgserver
from tests.bench._timing import CACHE, Pair, cache_lock, paired
from tests.bench.statements import psql_script, recorded
from tests.bench.timeliness import AS_OF, GENERATOR_VERSION, database

UNITS = 50_000
NAME = "qzfsg"  # the bench's database on the server


def cluster(units: int) -> Path:
    """The folder of the server cluster holding the bench database of `units` units,
    loaded the first time (a half-built one is started again from scratch)."""
    folder = CACHE / f"pg-units{units}-v{GENERATOR_VERSION}-s{SCHEMA_VERSION}"
    if folder.exists():
        return folder
    source = database(units)
    partial = folder.with_name(folder.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with pgserver.running(partial, _programs(), stop="fast") as server:
        server.admin(f"CREATE DATABASE {NAME}")
        copy_database(database_path(source), database_path(server.url(NAME)))
        close_all()
        with psycopg.connect(server.url(NAME), autocommit=True) as connection:
            connection.execute("VACUUM ANALYZE")
    partial.rename(folder)
    return folder


def _programs() -> Path:
    found = pgserver.programs()
    if found is None:
        raise RuntimeError(pgserver.SKIPPED)
    return found


@contextlib.contextmanager
def bench_server(units: int) -> Iterator[str]:
    """The address of the loaded bench database, its server running for the block (one
    bench at a time: the cluster is shared by every worktree through .bench)."""
    with cache_lock(f"pg-units{units}"):
        folder = cluster(units)
        with pgserver.running(folder, _programs(), stop="fast") as server:
            yield server.url(NAME)


def paired_with_psql(arguments: list[str], url: str, pairs: int = 5) -> Pair:
    """`qzfsg ARGUMENTS --db URL` paired with psql running the statements it ran, as the
    runner sent them to PostgreSQL, on the same database, in a session set as qzfsg sets
    its own (server.SESSION_OPTIONS: no JIT); results printed unaligned, as the sqlite3
    shell prints them."""
    command = [*arguments, "--db", url]
    script = CACHE / "sql" / f"pg-{arguments[0]}.sql"
    script.parent.mkdir(exist_ok=True)
    script.write_text(psql_script(recorded(command)), encoding="utf-8")
    psql = (_programs() / "initdb").resolve().parent / "psql"  # initdb may be a link on PATH
    shell = ["env", f"PGOPTIONS={SESSION_OPTIONS}", str(psql), "-XqAtv", "ON_ERROR_STOP=1", url]
    return paired([sys.executable, "-m", "qzfsg", *command], shell, pairs, b_stdin=script)


COMMANDS = [  # (what, its arguments, pairs)
    ("overdue --json", ["overdue", "--as-of", AS_OF, "--json"], 5),
    ("status --json", ["status", "--as-of", AS_OF, "--json"], 5),
    ("rank --month", ["rank", "--month", "2018-09"], 3),
    ("report --json", ["report", "--month", "2018-12", "--json"], 5),
]


def run() -> list[str]:
    lines = []
    with bench_server(UNITS) as url:
        for what, arguments, pairs in COMMANDS:
            pair = paired_with_psql(arguments, url, pairs)
            lines.append(pair.line(f"PG {what}, 50,000 units", "psql", "must 3x/500 MB"))
    return lines
