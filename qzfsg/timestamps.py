"""Dates and times the clerk types on the command line."""

from __future__ import annotations

from datetime import date, datetime

from qzfsg.errors import QzfsgError


def parse_received(text: str) -> datetime:
    """`2018-08-27` (noon is assumed: the day counts, not the hour) or `2018-08-27T09:30`."""
    value = text.strip().replace(" ", "T")
    try:
        if "T" in value:
            return datetime.fromisoformat(value)
        return datetime.combine(date.fromisoformat(value), datetime.min.time()).replace(hour=12)
    except ValueError:
        raise QzfsgError(
            f"时间“{text}”无法识别，应写成 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM，例如 2018-08-27。"
        ) from None


def stored_at(value: datetime | str) -> datetime:
    """A time read from the database: SQLite keeps times as ISO text."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise QzfsgError(f"日期“{text}”无法识别，应写成 YYYY-MM-DD，例如 2018-08-31。") from None
