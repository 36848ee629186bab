"""Exact amounts: stored as integers in units of 1/10,000, shown without trailing zeros."""

from __future__ import annotations

from decimal import Decimal


def plain_decimal(value: Decimal) -> Decimal:
    """The same number without trailing zeros or exponent: 5.0000 -> 5, 2.5000 -> 2.5."""
    # int() is exact at any size, where quantize() would overflow past 28 digits.
    return Decimal(int(value)) if value == value.to_integral() else value.normalize()


def show(value: Decimal) -> str:
    """A figure as the clerk writes it in a message: 5, 2.5, never 5.0000 or 1E+3."""
    return format(plain_decimal(value), "f")


SCALE = 10_000  # a stored amount is an integer in units of 1/SCALE


def amount(stored: int) -> Decimal:
    """A stored amount (an integer in units of 1/10,000) as the exact Decimal."""
    whole, part = divmod(stored, SCALE)
    if not part:  # the common case, without Decimal arithmetic
        return Decimal(whole)
    return plain_decimal(Decimal(stored).scaleb(-4))
