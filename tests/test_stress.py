"""The short version of `make stress` (tests/stress.py): several imports at once on one
database, and imports killed at random moments, leave the record a serial import leaves."""

import random

import pytest

from tests.stress import concurrent_round, kill_trial, make_office, serial_import, snapshot

UNITS = 6  # about 60 returns


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    folder = tmp_path_factory.mktemp("office")
    files = make_office(folder / "inbox", UNITS, seed=9)
    serial_import(files, folder / "serial.db")
    return files, snapshot(folder / "serial.db")


def test_the_office_has_corrections_rejections_and_late_files(office):
    files, reference = office
    statuses = [entry[2] for entry in reference["returns"]]
    assert 50 <= len(files) == len(reference["returns"]) <= 80
    assert statuses.count("rejected") >= 1
    assert sum(entry[4] for entry in reference["returns"]) >= 5  # corrections superseded
    assert len(reference["archive"]) == len(files)


@pytest.mark.parametrize("round_", [1, 2])
def test_four_imports_at_once_equal_the_serial_import(office, tmp_path, round_):
    files, reference = office
    result = concurrent_round(
        files, tmp_path / "qzfsg.db", reference, processes=4, rng=random.Random(round_),
        cli_workers=round_ - 1, chunk=len(files),
    )  # fmt: skip
    assert result.failures == []
    assert result.differences == []


@pytest.mark.parametrize("backend", ["postgresql"])  # db_address: a copy of the template
def test_four_imports_at_once_on_postgresql_equal_the_serial_import_on_sqlite(office, db_address):
    files, reference = office
    result = concurrent_round(
        files, db_address, reference, processes=4, rng=random.Random(3), cli_workers=2, chunk=8,
        new=False,
    )  # fmt: skip
    assert result.failures == []
    assert result.differences == []


@pytest.mark.parametrize("fraction", [0.2, 0.5])
def test_an_import_killed_midway_leaves_a_sound_record_and_reruns_to_the_same(
    office, tmp_path, fraction
):
    files, reference = office
    trial = kill_trial(files, tmp_path / "qzfsg.db", reference, after=int(fraction * len(files)))
    assert trial.landed and trial.stored < len(files)
    assert trial.problems == []
    assert trial.differences == []


@pytest.mark.parametrize("backend", ["postgresql"])
def test_an_import_killed_midway_on_postgresql_leaves_what_a_file_does(office, db_address):
    files, reference = office
    trial = kill_trial(files, db_address, reference, after=len(files) // 2, new=False)
    assert trial.landed and trial.stored < len(files)
    assert trial.problems == []
    assert trial.differences == []
