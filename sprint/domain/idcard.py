"""Resident ID numbers (GB 11643-1999): checks over whole columns, and masking."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from sprint.domain import bytegrid

# First two digits of a division code: the provinces, autonomous regions and municipalities,
# plus 71 (Taiwan), 81 (Hong Kong), 82 (Macao), 83 (residence permits for Taiwan residents).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.array(list("10X98765432"))
_CHECK_BYTES = np.frombuffer(b"10X98765432", dtype=np.uint8)
_PROVINCE = np.isin(np.arange(100), [int(p) for p in PROVINCES])


def check_digit(first17: str) -> str:
    return str(_CHECK[sum(int(c) * int(w) for c, w in zip(first17, _WEIGHTS, strict=True)) % 11])


def problems(ids: pd.Series) -> pd.Series:
    """The reason each ID is invalid, in Chinese, or "" where it is valid.

    `ids` holds normalised text (upper-case X, no spaces). Vectorised: no Python loop over rows.
    """
    cells = pa.array(ids.fillna("").astype(str), type=pa.string(), from_pandas=True)
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    return pd.Series(examine(cells)[0], index=ids.index, dtype=object)


def examine(cells: pa.Array, day: pd.Timestamp | None = None) -> tuple[np.ndarray, np.ndarray]:
    """`problems` over an Arrow text array, as an array of reasons, and each ID's whole years
    of age on `day` (NaN where the ID is not well formed, or no day is given): the IDs' bytes
    as a matrix (see bytegrid), so every test is arithmetic over whole columns, one pass for
    both."""
    reason = np.full(len(cells), "", dtype=object)
    age = np.full(len(cells), np.nan)
    fits, ids = bytegrid.grid(cells, 18)
    shaped = bytegrid.digits(ids[:, :17]).all(axis=1) & (bytegrid.digits(ids[:, 17]) | (ids[:, 17] == 88))
    where = np.flatnonzero(fits)
    shape = "应为18位，前17位为数字，最后一位为数字或X"
    reason[~fits] = shape
    reason[where[~shaped]] = shape
    where, ids = where[shaped], ids[shaped]
    if len(where):
        province_ok = _PROVINCE[bytegrid.number(ids, 0, 2)]
        year, month_day = bytegrid.number(ids, 6, 10), bytegrid.number(ids, 10, 14)
        birth_ok = (year >= 1900) & bytegrid.real_date(year, month_day // 100, month_day % 100)
        expected = _CHECK_BYTES[((ids[:, :17].astype(np.int64) - 48) @ _WEIGHTS) % 11]
        check_ok = ids[:, 17] == expected
        reason[where[~province_ok]] = "前两位不是有效的省级行政区划代码"
        reason[where[province_ok & ~birth_ok]] = "出生日期不是真实的日期"
        reason[where[province_ok & birth_ok & ~check_ok]] = "校验码错误（可能有数字录错）"
        if day is not None:
            age[where] = _age(year, month_day, day)
    return reason, age


def _age(year: np.ndarray, month_day: np.ndarray, day: pd.Timestamp) -> np.ndarray:
    """Whole years from a birth year and MMDD to `day`."""
    return day.year - year - (month_day > day.month * 100 + day.day)


def birth_dates(ids: pd.Series) -> pd.Series:
    return pd.to_datetime(ids.astype(str).str[6:14], format="%Y%m%d", errors="coerce")


def ages_on(ids: pd.Series, day: pd.Timestamp) -> pd.Series:
    """Whole years of age on `day`, from the birth date in each ID (NaN where the cell is no
    18-character text with digits in places 7-14)."""
    cells = pa.array(ids.astype(object).where(ids.notna(), None), type=pa.string())
    return pd.Series(ages_of(cells, day), index=ids.index)


def ages_of(cells: pa.Array, day: pd.Timestamp) -> np.ndarray:
    """`ages_on` over an Arrow text array."""
    age = np.full(len(cells), np.nan)
    fits, ids = bytegrid.grid(cells, 18)
    born = bytegrid.digits(ids[:, 6:14]).all(axis=1)
    ids = ids[born]
    age[np.flatnonzero(fits)[born]] = _age(bytegrid.number(ids, 6, 10),
                                           bytegrid.number(ids, 10, 14), day)
    return age


def mask(value: str) -> str:
    """Show the first 6 and last 4 characters of an 18-character ID; hide the rest."""
    value = str(value)
    if len(value) < 11:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_series(ids: pd.Series) -> pd.Series:
    ids = ids.fillna("").astype(str).astype(object)  # plain strings, whatever the column's storage
    long = ids.str.len() >= 11
    masked = ids.str[:6] + ids.str.len().sub(10).clip(lower=0).map(lambda n: "*" * n) + ids.str[-4:]
    return masked.where(long, ids.str.replace(r".", "*", regex=True))
