"""The `qzfsg` command's first step. `qzfsg --help` and `qzfsg COMMAND --help` are answered
from the help texts stored beside this module (help.json), without importing typer, which
alone takes longer to import than the clerk should wait for a help page; everything else
goes to the typer app (`qzfsg.cli.main`).

tests/test_help_texts.py keeps help.json equal to what typer prints (run it as a script,
`python -m tests.test_help_texts`, to write it again after changing a help text).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

STORED = Path(__file__).with_name("help.json")
PROGRAM = "<qzfsg>"  # stands for the program's name in the stored texts
HELP_OPTIONS = ("--help", "-h")
WIDTH = 80  # click lays help out at min(terminal width, 80): the same text from here up


def program_name() -> str:
    """The command as the clerk typed it, as click names it in the usage line."""
    main = sys.modules["__main__"]
    package = getattr(main, "__package__", None)
    if not package:  # an installed script: its file name
        return os.path.basename(sys.argv[0])
    name = os.path.splitext(os.path.basename(sys.argv[0]))[0]
    if name != "__main__":
        package = f"{package}.{name}"
    return f"python -m {package.lstrip('.')}"


def stored_help(args: list[str]) -> str | None:
    """The help page `args` ask for (COMMAND… --help), if stored and the terminal is wide
    enough for the stored layout; None sends the arguments to typer."""
    if not args or args[-1] not in HELP_OPTIONS or shutil.get_terminal_size().columns < WIDTH:
        return None
    import json

    texts = json.loads(STORED.read_text(encoding="utf-8"))
    text = texts.get(" ".join(args[:-1]))
    return None if text is None else text.replace(PROGRAM, program_name())


def main() -> None:
    text = stored_help(sys.argv[1:])
    if text is None:
        from qzfsg.cli import main as run

        run()  # ends the process
    sys.stdout.write(text)
    sys.stdout.flush()
