"""Start-up: `qzfsg --help` and `qzfsg units list` against bare `python -c pass`.

Aim (issue 2): within 8x of bare Python start-up for --help.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.bench._timing import median_wall


def run() -> list[str]:
    python = sys.executable
    qzfsg = [python, "-m", "qzfsg"]
    with tempfile.TemporaryDirectory() as folder:
        db = str(Path(folder) / "bench.db")
        subprocess.run([*qzfsg, "init", "--db", db], check=True, capture_output=True)
        bare = median_wall([python, "-c", "pass"])
        help_time = median_wall([*qzfsg, "--help"])
        listing = median_wall([*qzfsg, "units", "list", "--db", db])
    return [
        f"python -c pass      {bare * 1000:7.1f} ms (median of 10)",
        f"qzfsg --help        {help_time * 1000:7.1f} ms  = {help_time / bare:5.1f}x bare (aim: 8x)",
        f"qzfsg units list    {listing * 1000:7.1f} ms  = {listing / bare:5.1f}x bare",
    ]
