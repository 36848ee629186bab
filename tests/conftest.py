"""Shared fixtures: an initialised temporary database and a CLI runner bound to it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from qzfsg.bootstrap import init_database
from qzfsg.cli import app
from qzfsg.db import open_database, session_for

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"


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
