"""JSON written as it is produced: the same text `json.dumps` gives for the same data, but
a list given as an iterator (or as `Rows`) is encoded a batch at a time and written at
once, so that the whole document never exists as one string (a board of 50,000 units is
80 MB of text). Standard library only: any module may describe its output with `Rows`."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import IO, Any

# A str as JSON text, as json.dumps(text, ensure_ascii=False) writes it (the encoder's own
# function, without the call's overhead).
string: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]
BATCH = 1_000  # items of a streamed list encoded per call of the fast encoder


@dataclass(frozen=True)
class Rows:
    """A long list of the output: `as_value(item)` of each of `items`. For compact output,
    `as_text(item)`, if given, writes an item's text directly (the hot path of a board of
    thousands of rows); it must give exactly `json.dumps(as_value(item))`."""

    items: Iterable[Any]
    as_value: Callable[[Any], Any]
    as_text: Callable[[Any], str] | None = None


def _streams(value: Any) -> bool:
    """Whether `value` is, or holds in its dicts, a list to stream."""
    if isinstance(value, dict):
        return any(_streams(v) for v in value.values())
    return isinstance(value, Iterator | Rows)


def write_json(
    out: IO[str],
    value: Any,
    indent: int | None = None,
    default: Callable[[Any], Any] | None = None,
    level: int = 0,
) -> None:
    """Write `value` as `json.dumps(value, ensure_ascii=False, indent=indent)` would, with
    every iterator in it (in its dicts, at any depth) taken as a list."""

    def dumps(item: Any) -> str:
        text = json.dumps(item, ensure_ascii=False, indent=indent, default=default)
        return text.replace("\n", "\n" + " " * (indent * level)) if indent else text

    if not _streams(value):
        out.write(dumps(value))
        return
    inner = "\n" + " " * (indent * (level + 1)) if indent else ""
    close = "\n" + " " * (indent * level) if indent else ""
    separator = "," + inner if indent else ", "
    if isinstance(value, dict):
        out.write("{")
        for k, (key, item) in enumerate(value.items()):
            out.write((separator if k else inner) + json.dumps(key, ensure_ascii=False) + ": ")
            write_json(out, item, indent, default, level + 1)
        out.write((close if value else "") + "}")
        return
    out.write("[")
    if isinstance(value, Rows) and value.as_text is not None and indent is None:
        texts = map(value.as_text, value.items)
        written = False
        while batch := list(islice(texts, BATCH)):
            out.write(", " * written + ", ".join(batch))
            written = True
        out.write("]")
        return
    written = False
    items = map(value.as_value, value.items) if isinstance(value, Rows) else value
    while batch := list(islice(items, BATCH)):
        # The batch as a list one level deeper, less its brackets: its items, separated.
        text = json.dumps(batch, ensure_ascii=False, indent=indent, default=default)
        if indent:
            text = text[1:-1].rstrip().replace("\n", "\n" + " " * (indent * level))
        else:
            text = text[1:-1]
        out.write(("," if indent else ", ") * written + text)
        written = True
    out.write((close if written else "") + "]")
