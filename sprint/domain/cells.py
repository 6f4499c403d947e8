"""A column of cells as Arrow arrays, numbers and dates: the conversions every rule shares.

Whole columns at once, in Arrow's kernels and NumPy: a national ledger has tens of millions of
rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sprint.domain import bytegrid

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_DATE_PARTS = (
    r"^(?P<year>\d{4})(?:\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    r"|(?P<m2>\d{2})(?P<d2>\d{2}))(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)
_NUMBER = r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$"


def arrow(text: pd.Series) -> pa.Array:
    """A text column as one Arrow array (no copy when pandas already keeps it in Arrow)."""
    array = pa.array(text, from_pandas=True)  # pandas keeps large_string: no cast to string
    if isinstance(array, pa.ChunkedArray):  # one piece is taken as it is: joining one copies
        array = array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
    if not pa.types.is_string(array.type) and not pa.types.is_large_string(array.type):
        array = pa.array(text.astype(str), type=pa.string(), from_pandas=True)
    return array


def flags(result) -> np.ndarray:
    """An Arrow boolean result as a NumPy mask, null counting as false."""
    return pc.fill_null(result, False).to_numpy(zero_copy_only=False)


def numbers(cells: pa.Array) -> np.ndarray:
    """Text as numbers (thousands separators allowed), NaN where it is not one."""
    if pc.all(pc.ascii_is_decimal(cells)).as_py():  # plain digits in every cell: cast at once
        return pc.cast(cells, pa.float64()).to_numpy(zero_copy_only=False)
    if not pc.all(pc.string_is_ascii(cells)).as_py():  # １，２３４．５ as full-width IDs are
        cells = pc.utf8_normalize(cells, "NFKC")
    plain = pc.replace_substring(cells, ",", "")
    ok = pc.match_substring_regex(plain, _NUMBER)
    return pc.cast(pc.if_else(ok, plain, None), pa.float64()).to_numpy(zero_copy_only=False)


def dates(cells: pa.Array) -> pd.Series:
    """Text as dates: 2020-10-09, 2020/10/9, 2020年10月9日, 20201009, or an Excel serial."""
    # Most cells are written as 2020-10-09: read those from the column's bytes, the rest by the
    # patterns.
    value = np.full(len(cells), np.datetime64("NaT"), dtype="datetime64[ns]")
    fits, text = bytegrid.grid(cells, 10)
    iso = (bytegrid.digits(text[:, [0, 1, 2, 3, 5, 6, 8, 9]]).all(axis=1)
           & (text[:, 4] == 45) & (text[:, 7] == 45))  # 45: "-"
    year, month, day = (bytegrid.number(text, i, j) for i, j in ((0, 4), (5, 7), (8, 10)))
    # pandas' dates span 1678-2261: a year beyond goes to the patterns, which call it no date.
    iso &= bytegrid.real_date(year, month, day) & (year >= 1678) & (year <= 2261)
    where = np.flatnonzero(fits)[iso]
    value[where] = bytegrid.datetimes(year[iso], month[iso], day[iso])
    rest = np.ones(len(cells), dtype=bool)
    rest[where] = False
    value = pd.Series(value)
    if rest.any():
        rest = np.flatnonzero(rest)
        value.iloc[rest] = _other_dates(pc.take(cells, pa.array(rest))).to_numpy()
    return value


def _other_dates(cells: pa.Array) -> pd.Series:
    parts = pc.extract_regex(cells, _DATE_PARTS)
    # A group that took no part in the match comes back as "", which is no number.
    part = {name: pc.if_else(pc.equal(parts.field(name), ""), None, parts.field(name))
            for name in ("year", "month", "day", "m2", "d2")}
    month = pc.coalesce(part["month"], part["m2"])  # 20200301, as some systems export
    day = pc.coalesce(part["day"], part["d2"])
    ymd = pd.DataFrame({
        "year": pc.cast(part["year"], pa.float64()).to_numpy(zero_copy_only=False),
        "month": pc.cast(month, pa.float64()).to_numpy(zero_copy_only=False),
        "day": pc.cast(day, pa.float64()).to_numpy(zero_copy_only=False),
    })
    # pandas' nanosecond dates span 1678-2261; a year beyond (year 20, written 0020-05-29) is
    # no date here, not a date of another resolution that the column cannot hold.
    ymd.loc[~ymd["year"].between(1678, 2261), "year"] = np.nan
    value = pd.to_datetime(ymd, errors="coerce").astype("datetime64[ns]")
    serial = numbers(cells)
    is_serial = (serial >= 20000) & (serial <= 80000) & np.isnan(ymd["year"].to_numpy())
    if is_serial.any():
        value[is_serial] = EXCEL_EPOCH + pd.to_timedelta(np.round(serial[is_serial]), unit="D")
    return value
