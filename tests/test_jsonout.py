"""The streaming JSON writer gives exactly the text `json.dumps` gives for the same data."""

from __future__ import annotations

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qzfsg import jsonout
from qzfsg.cli.common import _json_value

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.text(max_size=5),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
)
values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner),
    max_leaves=20,
)


def streamed(value, choices):
    """`value` with some of the lists in its dicts (at any depth) given as iterators."""
    if isinstance(value, dict):
        return {key: streamed(item, choices) for key, item in value.items()}
    if isinstance(value, list) and choices.draw(st.booleans()):
        return iter(value)
    return value


@given(values, st.sampled_from([None, 2]), st.data())
def test_same_text_as_json_dumps(value, indent, data):
    expected = json.dumps(value, ensure_ascii=False, indent=indent, default=_json_value)
    out = io.StringIO()
    jsonout.write_json(out, streamed({"x": value}, data)["x"], indent, _json_value)
    assert out.getvalue() == expected


def test_a_long_stream_is_written_in_batches():
    rows = [{"unit": f"单位{n}", "amount": Decimal(n) / 4} for n in range(2_500)]
    for indent in (None, 2):
        out = io.StringIO()
        document = {"as_of": "2019-01-20", "units": iter(rows), "after": [1, 2]}
        jsonout.write_json(out, document, indent, _json_value)
        expected = {"as_of": "2019-01-20", "units": rows, "after": [1, 2]}
        assert out.getvalue() == json.dumps(
            expected, ensure_ascii=False, indent=indent, default=_json_value
        )


@pytest.mark.parametrize("as_of", [date(2018, 8, 15), date(2018, 10, 15)])
def test_fast_row_text_is_the_rows_json(samples_db, as_of):
    """The board's and the chase list's own row text (their --json hot path) is exactly
    json.dumps of the row, for every row of the samples (missing, late, zero, rejected…)."""
    from qzfsg.storage.db import open_reader
    from qzfsg.timeliness.board import board_json, status_board
    from qzfsg.timeliness.overdue import list_overdue, overdue_json

    connection = open_reader(samples_db)
    units = board_json(status_board(connection, as_of=as_of))["units"]
    items = overdue_json(list_overdue(connection, as_of))["items"]
    checked = 0
    for rows in (units, items):
        for row in rows.items:
            expected = json.dumps(rows.as_value(row), ensure_ascii=False, default=_json_value)
            assert rows.as_text(row) == expected
            checked += 1
    assert checked > 100
