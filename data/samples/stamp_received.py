"""Give each sample return the modification time it would have had when saved from QQ or
e-mail: its received date (expected.json), 12:00. git keeps no file times, so the demo
runs this on its copy before `qzfsg import` reads the times as received times."""

import json
import os
import sys
from datetime import datetime
from pathlib import Path

folder = Path(sys.argv[1])
expected = json.loads((Path(__file__).parent / "expected.json").read_text(encoding="utf-8"))
for item in expected["files"]:
    stamp = datetime.fromisoformat(item["received"]).replace(hour=12).timestamp()
    os.utime(folder / item["file"], (stamp, stamp))
