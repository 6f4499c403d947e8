"""Figures as exact numbers, and their words.

Every rate and threshold is a fraction: 9,876.56 of 12,345.70 is exactly 80 %, and a float
would make it 79.99999… and call it short of "80%以上". A cell's number is taken as the decimal
the unit typed (the shortest text that reads back as the same float), never the float's binary
value. What a person reads is rounded only when shown, and never across the line it is held to.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from fractions import Fraction

import pandas as pd

Exact = Fraction


def exact(x: float | int | str | Fraction | Decimal) -> Fraction:
    if isinstance(x, Fraction | int):
        return Fraction(x)
    if isinstance(x, Decimal | str):
        return Fraction(Decimal(x))
    return Fraction(Decimal(repr(float(x))))


def total(values: Iterable) -> Fraction:
    """The exact sum of a column's numbers; empty or non-numeric cells add nothing."""
    series = pd.Series(values, dtype=object)
    done = series.map(lambda v: isinstance(v, Fraction))
    numbers = pd.to_numeric(series[~done], errors="coerce").dropna()
    return sum((exact(v) for v in numbers), sum(series[done], Fraction(0)))


def _floor(x: Fraction) -> int:
    return math.floor(x)


def _ceil(x: Fraction) -> int:
    return math.ceil(x)


def _half_up(x: Fraction) -> int:
    return math.floor(x + Fraction(1, 2))


def percent(x: Fraction, lines: Iterable[float | Fraction | None] = ()) -> str:
    """One decimal of a percent, rounded half up, except that a value short of one of `lines`
    is never shown at or above it: 79.96 % held to 80 % reads 79.9 %."""
    tenths = _half_up(x * 1000)
    for line in lines:
        if line is not None and x < exact(line) and tenths >= _half_up(exact(line) * 1000):
            tenths = _floor(x * 1000)
    return f"{Decimal(tenths) / 10:.1f}%"


def points(gap: Fraction) -> str:
    """A shortfall in percentage points, rounded up: never "差0.0个百分点"."""
    return f"{Decimal(max(_ceil(gap * 1000), 1)) / 10:.1f}"


def number(x: float | int | Fraction) -> str:
    """Whole numbers as 12,345; others with two decimals, rounded half up (12,345.70)."""
    x = exact(x)
    if x.denominator == 1:
        return f"{x.numerator:,}"
    return f"{Decimal(_half_up(x * 100)) / 100:,.2f}"


def whole(x: Fraction) -> int:
    """A figure shown in whole units (an average loan in 元), rounded half up."""
    return _half_up(x)
