"""Fixed-width text columns (ID numbers, ISO dates) as a NumPy matrix of their bytes.

A column of 18-character ID numbers is, in memory, one run of bytes: seen as an n x 18 matrix,
its digits, birth dates and check digits are read by whole-column arithmetic, several times
faster than string kernels that each walk the column again.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_DAYS = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])


def buffers(cells: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A text array's offsets (one per cell, and the end) and the bytes they point into."""
    kind = np.int64 if pa.types.is_large_string(cells.type) else np.int32
    offsets = np.frombuffer(cells.buffers()[1], dtype=kind)[cells.offset: cells.offset + len(cells) + 1]
    data = cells.buffers()[2]
    return offsets, np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, np.uint8)


def used(cells: pa.Array) -> np.ndarray:
    """The bytes of all of a text array's cells, in one run."""
    offsets, data = buffers(cells)
    return data[offsets[0]: offsets[-1]]


def grid(cells: pa.Array, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows whose text is exactly `width` bytes (a mask over `cells`) and their bytes, one
    row of the matrix each."""
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    offsets, data = buffers(cells)
    fits = np.diff(offsets) == width
    if cells.null_count:
        fits &= pc.is_valid(cells).to_numpy(zero_copy_only=False)
    count = int(fits.sum())
    if count == len(cells) and count:  # the usual column: every cell fits, one slice
        return fits, data[offsets[0]: offsets[0] + width * count].reshape(count, width)
    starts = offsets[:-1][fits]
    return fits, data[starts[:, None] + np.arange(width)]


def digits(matrix: np.ndarray) -> np.ndarray:
    """Which bytes are ASCII digits."""
    return (matrix >= 48) & (matrix <= 57)


def number(matrix: np.ndarray, start: int, stop: int) -> np.ndarray:
    """The digits in columns start..stop-1 of each row as one integer (garbage where a byte is
    no digit: check `digits` first)."""
    value = np.zeros(len(matrix), dtype=np.int32)  # at most 9 digits are read at once
    for i in range(start, stop):
        value = value * 10 + matrix[:, i] - 48
    return value


def real_date(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Whether each year, month and day make a date on the calendar (29 February only in a
    leap year)."""
    month_ok = (month >= 1) & (month <= 12)
    last = _DAYS[np.where(month_ok, month, 0)]
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    last = last + ((month == 2) & leap)
    return month_ok & (day >= 1) & (day <= last)


def datetimes(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Real dates as datetime64[ns] (callers pass only real dates of 1678-2261, the span of
    nanoseconds in 64 bits).

    Days since 1970-01-01 by the proleptic Gregorian count of 400-year eras (H. Hinnant's
    days_from_civil): plain integer arithmetic, where NumPy's month-to-day conversion walks a
    calendar for each value."""
    year = year.astype(np.int64) - (month <= 2)
    era = year // 400
    of_era = year - era * 400
    of_year = (153 * np.where(month > 2, month - 3, month + 9) + 2) // 5 + day - 1
    of_cycle = of_era * 365 + of_era // 4 - of_era // 100 + of_year
    days = era * 146097 + of_cycle - 719468
    return (days * 86_400_000_000_000).view("datetime64[ns]")

