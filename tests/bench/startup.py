"""Start-up: `--help` and the everyday commands on the clerk's database (the 24 sample
returns of 34 units), each paired with bare `python -c pass`.

Must: --help 5x, import --help 8x, everyday commands 15x (aim 10x).
"""

import sys

from tests.bench._timing import cached_database, paired

SAMPLES_VERSION = 1


def _clerk_database(path):
    from tests.conftest import import_samples

    import_samples(path)


def run() -> list[str]:
    db = str(cached_database("samples", SAMPLES_VERSION, _clerk_database))
    bare = [sys.executable, "-c", "pass"]
    qzfsg = [sys.executable, "-m", "qzfsg"]
    on_db = ["--db", db]
    rows = [
        ("qzfsg --help", ["--help"], "must 5x"),
        ("qzfsg import --help", ["import", "--help"], "must 8x"),
        ("status", ["status", "--as-of", "2018-10-15", *on_db], "must 15x, aim 10x"),
        ("overdue", ["overdue", "--as-of", "2018-10-15", *on_db], "must 15x, aim 10x"),
        ("units list", ["units", "list", *on_db], "must 15x, aim 10x"),
        ("findings", ["findings", *on_db], "must 15x, aim 10x"),
        ("history", ["history", "--unit", "城管执法局", *on_db], "must 15x, aim 10x"),
        ("rank --month (34 units)", ["rank", "--month", "2018-09", *on_db], "must 15x, aim 10x"),
    ]
    # The floor typer sets: importing it alone, against the same yardstick.
    floor = paired([sys.executable, "-c", "import typer"], bare)
    return [floor.line("(floor) python -c 'import typer'", "python -c pass", "")] + [
        paired([*qzfsg, *args], bare).line(name, "python -c pass", target)
        for name, args, target in rows
    ]
