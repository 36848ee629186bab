"""The stored help texts (qzfsg/help.json, served by qzfsg.start without importing typer)
are exactly what typer prints, for every command. Run this module as a script to write
them again: `python -m tests.test_help_texts`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from qzfsg.cli import app
from qzfsg.start import PROGRAM, STORED, WIDTH

HINT = "a help text changed: run `python -m tests.test_help_texts` to store them again"


def command_paths(group=None, path=()) -> list[tuple[str, ...]]:
    """Every command and group of the app, as the words that name it ('' is qzfsg)."""
    group = group or get_command(app)
    found = [path]
    for name, command in getattr(group, "commands", {}).items():
        found.extend(command_paths(command, (*path, name)))
    return found


def typer_help(path: tuple[str, ...], program: str = PROGRAM) -> str:
    result = CliRunner().invoke(
        app, [*path, "--help"], prog_name=program, env={"COLUMNS": str(WIDTH)}
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_stored_texts_are_typers_own():
    stored = json.loads(STORED.read_text(encoding="utf-8"))
    paths = command_paths()
    assert len(paths) > 20
    assert sorted(stored) == sorted(" ".join(p) for p in paths), HINT
    for path in paths:
        assert stored[" ".join(path)] == typer_help(path), HINT


@pytest.mark.parametrize("args", [["--help"], ["import", "-h"], ["units", "add", "--help"]])
def test_served_without_typer_as_typer_prints_them(args):
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "qzfsg", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "120"},
        check=True,
    )
    assert result.stdout == typer_help(tuple(args[:-1]), program="python -m qzfsg")
    assert "typer" not in result.stderr  # the import log: typer was never imported


def test_narrow_terminal_goes_to_typer():
    result = subprocess.run(
        [sys.executable, "-m", "qzfsg", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "60"},
        check=True,
    )
    assert result.stdout.startswith("用法：python -m qzfsg")
    assert result.stdout != typer_help((), program="python -m qzfsg")  # laid out narrower


def write() -> None:
    texts = {" ".join(path): typer_help(path) for path in command_paths()}
    STORED.write_text(json.dumps(texts, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write()
