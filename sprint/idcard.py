"""Resident ID numbers (GB 11643-1999): checks over whole columns, and masking."""

from __future__ import annotations

import numpy as np
import pandas as pd

# First two digits of a division code: the provinces, autonomous regions and municipalities,
# plus 71 (Taiwan), 81 (Hong Kong), 82 (Macao), 83 (residence permits for Taiwan residents).
PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 "
    "50 51 52 53 54 61 62 63 64 65 71 81 82 83".split()
)
_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK = np.array(list("10X98765432"))


def check_digit(first17: str) -> str:
    return str(_CHECK[sum(int(c) * int(w) for c, w in zip(first17, _WEIGHTS, strict=True)) % 11])


def problems(ids: pd.Series) -> pd.Series:
    """The reason each ID is invalid, in Chinese, or "" where it is valid.

    `ids` holds normalised text (upper-case X, no spaces). Vectorised: no Python loop over rows.
    """
    ids = ids.fillna("").astype(str)
    reason = pd.Series("", index=ids.index, dtype=object)
    shape_ok = ids.str.fullmatch(r"\d{17}[\dX]")
    reason[~shape_ok] = "应为18位，前17位为数字，最后一位为数字或X"
    ok = ids[shape_ok]
    if ok.empty:
        return reason
    province_ok = ok.str[:2].isin(PROVINCES)
    reason[ok.index[~province_ok]] = "前两位不是有效的省级行政区划代码"
    birth = pd.to_datetime(ok.str[6:14], format="%Y%m%d", errors="coerce")
    birth_ok = birth.notna() & (birth >= pd.Timestamp("1900-01-01"))
    reason[ok.index[province_ok & ~birth_ok]] = "出生日期不是真实的日期"
    digits = np.frombuffer("".join(ok.str[:17]).encode("ascii"), dtype=np.uint8)
    digits = (digits.reshape(-1, 17) - ord("0")).astype(np.int64)
    expected = _CHECK[(digits @ _WEIGHTS) % 11]
    check_ok = ok.str[17].to_numpy() == expected
    bad_check = province_ok & birth_ok & ~check_ok
    reason[ok.index[bad_check]] = "校验码错误（可能有数字录错）"
    return reason


def birth_dates(ids: pd.Series) -> pd.Series:
    return pd.to_datetime(ids.astype(str).str[6:14], format="%Y%m%d", errors="coerce")


def ages_on(ids: pd.Series, day: pd.Timestamp) -> pd.Series:
    """Whole years of age on `day`, from the birth date in each ID."""
    born = birth_dates(ids)
    had_birthday = (born.dt.month < day.month) | (
        (born.dt.month == day.month) & (born.dt.day <= day.day)
    )
    return day.year - born.dt.year - (~had_birthday).astype(int)


def mask(value: str) -> str:
    """Show the first 6 and last 4 characters of an 18-character ID; hide the rest."""
    value = str(value)
    if len(value) < 11:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_series(ids: pd.Series) -> pd.Series:
    ids = ids.fillna("").astype(str)
    long = ids.str.len() >= 11
    masked = ids.str[:6] + ids.str.len().sub(10).clip(lower=0).map(lambda n: "*" * n) + ids.str[-4:]
    return masked.where(long, ids.str.replace(r".", "*", regex=True))
