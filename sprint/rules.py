"""Column rules of a ledger template, applied to whole columns at once.

Each check takes the column's cells as text (and, for dates and numbers, the raw cells) and
returns the cleaned column and a Series of reasons in Chinese ("" where the cell is fine).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sprint import idcard
from sprint.plan import Column

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
_DATE_PARTS = (
    r"^(?P<year>\d{4})(?:\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*日?"
    r"|(?P<m2>\d{2})(?P<d2>\d{2}))(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$"
)


def as_text(cells: pd.Series) -> pd.Series:
    """Cells as the text a person sees: integral numbers without '.0', dates as YYYY-MM-DD."""

    def one(v: object) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        if isinstance(v, dt.datetime):
            return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
        if isinstance(v, dt.date):
            return v.isoformat()
        return str(v).strip()

    if cells.map(type).eq(str).all():
        return cells.str.strip()
    return cells.map(one)


def check(column: Column, raw: pd.Series, text: pd.Series, as_of: dt.date) -> tuple[pd.Series, pd.Series]:
    reason = pd.Series("", index=text.index, dtype=object)
    empty = text.eq("")
    if column.required:
        reason[empty] = "必填项为空"
    filled = ~empty
    checker = _CHECKS[column.type]
    value, bad = checker(column, raw, text, as_of)
    reason[filled & bad.ne("")] = bad[filled & bad.ne("")]
    return value.where(filled), reason


def _text(column: Column, raw: pd.Series, text: pd.Series, as_of: dt.date):
    bad = pd.Series("", index=text.index, dtype=object)
    length = text.str.len()
    if column.min_length is not None:
        bad[length < column.min_length] = f"长度不能少于{column.min_length}个字"
    if column.max_length is not None:
        bad[length > column.max_length] = f"长度不能超过{column.max_length}个字"
    return text, bad


def _number(column: Column, raw: pd.Series, text: pd.Series, as_of: dt.date):
    value = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    bad = pd.Series("", index=text.index, dtype=object)
    bad[value.isna()] = "应为数字"
    if column.type == "integer":
        bad[value.notna() & (value % 1 != 0)] = "应为整数"
    if column.min is not None:
        bad[value < column.min] = f"不能小于{column.min:g}"
    if column.max is not None:
        bad[value > column.max] = f"不能大于{column.max:g}"
    return value, bad


def _date(column: Column, raw: pd.Series, text: pd.Series, as_of: dt.date):
    parts = text.str.extract(_DATE_PARTS)
    parts["month"] = parts["month"].fillna(parts.pop("m2"))  # 20200301, as some systems export
    parts["day"] = parts["day"].fillna(parts.pop("d2"))
    value = pd.to_datetime(parts.astype(float), errors="coerce")
    serial = pd.to_numeric(text, errors="coerce")
    is_serial = serial.between(20000, 80000) & parts["year"].isna()
    value[is_serial] = EXCEL_EPOCH + pd.to_timedelta(serial[is_serial].round(), unit="D")
    bad = pd.Series("", index=text.index, dtype=object)
    bad[value.isna()] = "不是有效日期（应为 YYYY-MM-DD 或 YYYY/M/D）"
    if column.not_future:
        bad[value > pd.Timestamp(as_of)] = "日期不能晚于报送日期"
    if column.not_before is not None:
        bad[value < pd.Timestamp(column.not_before)] = f"日期不能早于{column.not_before:%Y-%m-%d}"
    return value, bad


def _choice(column: Column, raw: pd.Series, text: pd.Series, as_of: dt.date):
    bad = pd.Series("", index=text.index, dtype=object)
    bad[~text.isin(column.choices)] = "应为以下之一：" + "、".join(column.choices)
    return text, bad


def normalise_id(text: pd.Series) -> pd.Series:
    return text.str.translate(_FULL_WIDTH).str.replace(r"\s", "", regex=True).str.upper()


def _id_number(column: Column, raw: pd.Series, text: pd.Series, as_of: dt.date):
    value = normalise_id(text)
    bad = idcard.problems(value)
    numeric = raw.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool))
    numeric |= text.str.fullmatch(r"\d(?:\.\d+)?[eE]\+?\d+")  # as Excel shows a long number
    bad[numeric] = "身份证号被存成了数字，末几位可能已丢失：请把该列设为“文本”格式后重新录入"
    if column.age is not None:
        low, high = column.age
        age = idcard.ages_on(value.where(bad.eq("")), pd.Timestamp(as_of))
        outside = bad.eq("") & ~age.between(low, high)
        bad[outside] = age[outside].map(lambda a: f"按身份证号计算年龄为{a:.0f}岁，应在{low}至{high}岁之间")
    return value, bad


def _mobile(column: Column, raw: pd.Series, text: pd.Series, as_of: dt.date):
    value = text.str.replace(r"[\s-]", "", regex=True)
    bad = pd.Series("", index=text.index, dtype=object)
    bad[~value.str.fullmatch(r"1[3-9]\d{9}")] = "应为11位手机号码"
    return value, bad


_CHECKS = {
    "text": _text,
    "integer": _number,
    "number": _number,
    "date": _date,
    "choice": _choice,
    "id_number": _id_number,
    "mobile": _mobile,
}
