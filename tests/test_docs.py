"""README stays honest: every command is documented and has help; every finding code is
in the catalogue table with its severity."""

import re

import pytest
import typer

from qzfsg.cli import app
from qzfsg.findings import CATALOGUE
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def command_paths(group=None, prefix=()):
    group = group or typer.main.get_command(app)
    for name, command in group.commands.items():
        path = (*prefix, name)
        if hasattr(command, "commands"):
            yield from command_paths(command, path)
        else:
            yield path, command


COMMANDS = list(command_paths())


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(p) for p, _ in COMMANDS])
def test_every_command_has_help_and_is_in_readme(path, command):
    assert command.help and "示例" in command.help
    assert f"qzfsg {' '.join(path)}" in README


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_finding_code_is_in_the_catalogue_table(code):
    severity, title = CATALOGUE[code]
    row = re.search(rf"^\| `{code}` \| (\w+) \| ([^|]+) \|", README, re.MULTILINE)
    assert row, f"{code} missing from README's catalogue table"
    assert row.group(1) == severity
    assert row.group(2).strip() == title


def test_readme_opens_with_the_two_commands():
    first_block = README.split("```")[1]
    assert "make demo" in first_block and "make test" in first_block
