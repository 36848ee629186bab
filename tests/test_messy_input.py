"""Messy input never crashes an import: whatever a unit types into a value cell, the file
is either accepted with the number or rejected with a finding naming that cell."""

import threading
import time
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qzfsg.reading.checking import standalone_checker
from tests.factories import make_return

JUNK = st.one_of(
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-1e6, max_value=1e6),
    st.sampled_from(["无", "—", "/", "１２", "12次", "1,234", "0.12345", "#N/A", "=", " ", "3.0"]),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=JUNK, column=st.sampled_from(["m", "c"]), code=st.sampled_from(["cases", "fines"]))
def test_any_cell_content_gives_a_number_or_a_finding_on_that_cell(tmp_path, value, column, code):
    path = make_return(tmp_path, raw={(code, column): value}, name="r.xlsx")
    checked = standalone_checker(date(2018, 12, 1)).check(path)
    cell = ("C" if column == "m" else "D") + ("7" if code == "cases" else "8")
    entry = checked.entries[code]
    read = entry.month if column == "m" else entry.cumulative
    if read is None:
        assert any(f.cell == cell and f.severity == "error" for f in checked.findings)
    else:
        assert checked.accepted or any(f.severity == "error" for f in checked.findings)


def test_a_second_command_waits_for_a_busy_database(tmp_path, cli, db_file):
    import sqlite3

    blocker = sqlite3.connect(db_file, isolation_level=None, check_same_thread=False)
    blocker.execute("BEGIN IMMEDIATE")  # another qzfsg command is writing

    def release():
        time.sleep(1.0)
        blocker.execute("COMMIT")

    releaser = threading.Thread(target=release)
    releaser.start()
    result = cli("import", str(make_return(tmp_path)), "--received", "2018-06-28")
    releaser.join()
    blocker.close()
    assert result.exit_code == 0, result.output
