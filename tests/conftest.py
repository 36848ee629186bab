"""Shared fixtures: an initialised temporary database and a CLI runner bound to it."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import settings
from typer.testing import CliRunner, Result

from qzfsg.bootstrap import init_database
from qzfsg.cli import app
from qzfsg.db import open_database, session_for

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
    from qzfsg.db import archive_dir
    from qzfsg.importer import Importer

    init_database(db)
    with session_for(open_database(db)) as session:
        importer = Importer(session, archive_dir(db), today=date(2018, 10, 15))
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


@pytest.fixture
def db_file(tmp_path: Path) -> Path:
    path = tmp_path / "qzfsg.db"
    init_database(path)
    return path


@pytest.fixture
def session(db_file: Path):
    with session_for(open_database(db_file)) as s:
        yield s


@pytest.fixture
def cli(db_file: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """Run `qzfsg ARGS… --db <temp db>` (the database option is added for you)."""
    monkeypatch.delenv("QZFSG_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps tables to the terminal's width
    runner = CliRunner()

    def invoke(*args: str, db: Path | None = db_file) -> Result:
        extra = ["--db", str(db)] if db is not None else []
        return runner.invoke(app, [*args, *extra], catch_exceptions=False)

    return invoke
