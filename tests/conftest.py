"""Shared fixtures: an initialised temporary database and a CLI runner bound to it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner, Result

from qzfsg.bootstrap import init_database
from qzfsg.cli import app
from qzfsg.storage.db import open_database, session_for
from tests import pgserver

# The machines are shared: a slow example is load, not a failure. Properties still run
# their full number of examples.
settings.register_profile("qzfsg", deadline=None)
settings.load_profile("qzfsg")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
EXPECTED = json.loads((SAMPLES / "expected.json").read_text(encoding="utf-8"), parse_float=Decimal)


def import_samples(db: Path) -> list:
    """A new database at `db` holding every sample return, imported in expected.json's
    order with its received date (noon); returns (expected entry, outcome) pairs."""
    from qzfsg.importer import Importer
    from qzfsg.storage.archive import archive_for

    init_database(db)
    with session_for(open_database(db)) as session:
        importer = Importer(session, archive_for(db), today=date(2018, 10, 15))
        return [
            (item, importer.import_file(SAMPLES / "files" / item["file"], received))
            for item in EXPECTED["files"]
            for received in [datetime.fromisoformat(item["received"]).replace(hour=12)]
        ]


@pytest.fixture(scope="module")
def samples_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with all the sample returns imported (one per test module: read it only)."""
    db = tmp_path_factory.mktemp("samples") / "qzfsg.db"
    import_samples(db)
    return db


# Why the PostgreSQL half was skipped, said once at the end of the run.
_PG_SKIPPED: list[str] = []


def pytest_terminal_summary(terminalreporter) -> None:
    for line in dict.fromkeys(_PG_SKIPPED):
        terminalreporter.write_line(line, yellow=True, bold=True)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.Server | None]:
    """The PostgreSQL server of this run (tests/pgserver.py), started when first needed."""
    with pgserver.server() as found:
        if found is None:
            _PG_SKIPPED.append(pgserver.SKIPPED)
        yield found


@pytest.fixture(scope="session")
def pg_template(pg_server: pgserver.Server | None) -> Iterator[str | None]:
    """A server database initialised by `qzfsg init`, copied for each test that needs one
    (dropped at the end: an existing server, $QZFSG_TEST_PG, keeps no leftovers)."""
    if pg_server is None:
        yield None
        return
    from qzfsg.storage.db import close_all, database_path

    name = pg_server.new_name("qzfsg_template")
    pg_server.admin(f"CREATE DATABASE {name}")
    init_database(database_path(pg_server.url(name)))
    close_all()  # a template takes no connections while it is copied
    yield name
    pg_server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_empty(
    pg_server: pgserver.Server | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """The address of a new empty server database (skipped without a server); run in
    tmp_path, so that a test can tell that nothing is written in the current folder."""
    if pg_server is None:
        pytest.skip(pgserver.SKIPPED)
    monkeypatch.chdir(tmp_path)
    with pg_server.database() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    """Run the test on each kind of database."""
    return request.param


@pytest.fixture
def db_address(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """An initialised database of `backend`, as --db names it: a file, or a copy of the
    prepared server database (skipped without a server)."""
    if backend == "sqlite":
        path = tmp_path / "qzfsg.db"
        init_database(path)
        yield str(path)
        return
    server, template = request.getfixturevalue("pg_server"), request.getfixturevalue("pg_template")
    if server is None:
        pytest.skip(pgserver.SKIPPED)
    request.getfixturevalue("monkeypatch").chdir(tmp_path)  # see pg_empty
    with server.database(template) as url:
        yield url
        from qzfsg.storage.db import close_all

        close_all()


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "qzfsg.db"
    init_database(path)
    return path


@pytest.fixture
def session(db_file: Path):
    with session_for(open_database(db_file)) as s:
        yield s


def cli_runner(
    monkeypatch: pytest.MonkeyPatch, default_db: Path | None = None
) -> Callable[..., Result]:
    """Run `qzfsg ARGS… --db DB` in-process (`default_db` unless `db=` is given)."""
    monkeypatch.delenv("QZFSG_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps tables to the terminal's width
    runner = CliRunner()

    def invoke(*args: str, db: Path | str | None = default_db) -> Result:
        extra = ["--db", str(db)] if db is not None else []
        return runner.invoke(app, [*args, *extra], catch_exceptions=False)

    return invoke


@pytest.fixture
def cli(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run `qzfsg ARGS… --db <temp db>` (the database option is added for you)."""
    return cli_runner(monkeypatch, db_file)
