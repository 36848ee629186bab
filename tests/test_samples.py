"""Acceptance: every sample return gives what data/samples/expected.json says, imported in
order with its received date into one fresh database."""

from decimal import Decimal

import pytest
from sqlmodel import col, select

from qzfsg.defaults import default_indicators
from qzfsg.models import Submission, Unit, Value
from qzfsg.storage.archive import archive_folder
from qzfsg.storage.db import open_database, session_for
from tests.conftest import EXPECTED, import_samples

# expected.json names indicators by their label on the form; the tests compare by code.
LABELS = {i.label: i.code for i in default_indicators()}


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """(expected file entry, outcome) for every sample, a session on the database, its path."""
    db = tmp_path_factory.mktemp("samples") / "qzfsg.db"
    results = import_samples(db)
    with session_for(open_database(db)) as session:
        yield results, session, db


def outcome_name(outcome):
    if outcome.status == "imported" and outcome.flagged:
        return "imported_with_warnings"
    return outcome.status


@pytest.mark.parametrize(
    "index", range(len(EXPECTED["files"])), ids=[f["file"] for f in EXPECTED["files"]]
)
def test_each_sample_file(imported, index):
    item, outcome = imported[0][index]
    assert outcome_name(outcome) == item["outcome"]
    if item["unit"] is not None:
        assert outcome.unit == item["unit"]
    if item["month"] is not None:
        assert outcome.month == item["month"]
    codes = {f.code for f in outcome.findings}
    if item["category"]:
        assert item["category"] in codes
    if item["outcome"] == "imported":
        assert not [f for f in outcome.findings if f.severity != "info"]
    for note in item["notes"]:
        assert note in codes
    if item["cells"]:
        flagged = {
            (f.cell, f.indicator, f.expected)
            for f in outcome.findings
            if f.code == item["category"]
        }
        for cell in item["cells"]:
            expected = None if cell["expected"] is None else str(cell["expected"])
            wanted = (cell["cell"], LABELS[cell["indicator"]])
            assert wanted in {(c, i) for c, i, _ in flagged}
            if expected is not None:
                assert (*wanted, expected) in flagged
    if item["values"]:
        got = {code: [v["month"], v["cumulative"]] for code, v in outcome.values.items()}
        want = {
            LABELS[label]: [Decimal(str(m)), Decimal(str(c))]
            for label, (m, c) in item["values"].items()
        }
        assert got == want


def test_superseded_versions(imported):
    _, session, _ = imported
    superseded = session.exec(
        select(Submission.source_name).where(col(Submission.superseded))
    ).all()
    assert superseded == [f["supersedes"] for f in EXPECTED["files"] if f.get("supersedes")]


@pytest.mark.parametrize("month", sorted(EXPECTED["months"]))
def test_month_totals_and_accepted_units(imported, month):
    _, session, _ = imported
    expected = EXPECTED["months"][month]
    rows = session.exec(
        select(Unit.name, Value.indicator_code, Value.month_value, Value.cumulative_value)
        .join(Submission, col(Submission.unit_id) == Unit.id)
        .join(Value, col(Value.submission_id) == Submission.id)
        .where(
            Submission.month == month,
            Submission.status == "accepted",
            col(Submission.superseded).is_(False),
        )
    ).all()
    units = {name for name, *_ in rows}
    assert units == set(expected["accepted_units"])
    totals: dict[str, list[Decimal]] = {}
    for _, code, m, c in rows:
        pair = totals.setdefault(code, [Decimal(0), Decimal(0)])
        pair[0] += m
        pair[1] += c
    want = {
        LABELS[label]: [Decimal(str(m)), Decimal(str(c))]
        for label, (m, c) in expected["totals"].items()
    }
    assert totals == want


def test_archive_holds_every_distinct_file(imported):
    _, session, db = imported
    paths = session.exec(select(Submission.archive_path)).all()
    assert len(paths) == len(EXPECTED["files"]) - 1  # the duplicate is not stored again
    for path in paths:
        assert path.startswith(str(archive_folder(db)))
