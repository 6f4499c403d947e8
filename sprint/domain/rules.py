"""Column rules of a ledger template, applied to whole columns at once.

Each check takes the column's cells as text (and, for a workbook, the cells as the file holds
them) and returns the cleaned column and the reasons in Chinese ("" where the cell is fine).
The tests run in Arrow's compute kernels over the whole column: a national ledger has tens of
millions of rows, and a Python loop over them would cost more than reading the files.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from sprint.domain import bytegrid, idcard
from sprint.domain.cells import arrow, dates, flags, numbers
from sprint.domain.plan import Column

# Full-width digits and X as typed with a Chinese input method; the spaces no one sees go.
_FULL_WIDTH = str.maketrans("０１２３４５６７８９ｘＸ＇", "0123456789XX'", "\u3000\u00a0\u200b\ufeff")
MAX_AGE = 120
EXCEL_CELL = 32_767  # characters a cell of Excel holds


class Reasons:
    """The reason for each cell of a column; a later, more precise finding replaces an earlier one."""

    def __init__(self, n: int):
        self._text: np.ndarray | None = None  # made on the first problem: most columns have none
        self.bad = np.zeros(n, dtype=bool)
        self.warnings: np.ndarray | None = None  # notes on cells taken all the same

    @property
    def text(self) -> np.ndarray:
        if self._text is None:
            self._text = np.full(len(self.bad), "", dtype=object)
        return self._text

    def add(self, mask: np.ndarray, reason: str | np.ndarray) -> None:
        if mask.any():
            self.text[mask] = reason if isinstance(reason, str) else reason[mask]
            self.bad |= mask

    def warn(self, mask: np.ndarray, words: np.ndarray) -> None:
        """A note for the reply on cells that are accepted all the same."""
        if mask.any():
            if self.warnings is None:
                self.warnings = np.full(len(self.bad), "", dtype=object)
            self.warnings[mask] = words[mask]


def check(column: Column, raw: pd.Series | None, text: pd.Series, as_of: dt.date,
          cells: pa.Array | None = None, empty: np.ndarray | None = None
          ) -> tuple[pd.Series, Reasons]:
    """`cells`: the column as Arrow text, and `empty`, its empty cells, when the caller has
    them already."""
    cells = arrow(text) if cells is None else cells
    reasons = Reasons(len(cells))
    empty = flags(pc.equal(cells, "")) if empty is None else empty
    if column.required:
        reasons.add(empty, "必填项为空")
    value = _CHECKS[column.type](column, raw, text, cells, ~empty, reasons, as_of)
    # Excel holds at most 32,767 characters a cell: a longer one (an 18 MB cell) is no ledger's
    # entry. Checked last, so its reason is the one given.
    if len(cells) and pc.max(pc.utf8_length(cells)).as_py() > EXCEL_CELL:
        reasons.add(flags(pc.greater(pc.utf8_length(cells), EXCEL_CELL)),
                    f"单元格内容超过 {EXCEL_CELL:,} 个字符（Excel 单元格的上限），请核实后重新填写")
    return (value.where(~empty) if empty.any() else value), reasons


def _text(column, raw, text, cells, filled, reasons, as_of):
    length = pc.utf8_length(cells).to_numpy(zero_copy_only=False)
    if column.min_length is not None:
        reasons.add(filled & (length < column.min_length), f"长度不能少于{column.min_length}个字")
    if column.max_length is not None:
        reasons.add(filled & (length > column.max_length), f"长度不能超过{column.max_length}个字")
    return text


def _number(column, raw, text, cells, filled, reasons, as_of):
    value = numbers(cells)
    reasons.add(filled & np.isnan(value), "应为数字")
    with np.errstate(invalid="ignore"):
        if column.type == "integer":
            reasons.add(filled & (value % 1 != 0), "应为整数")
        if column.min is not None:
            reasons.add(filled & (value < column.min), f"不能小于{column.min:g}")
        if column.max is not None:
            reasons.add(filled & (value > column.max), f"不能大于{column.max:g}")
        if column.warn_above is not None:
            above = filled & ~reasons.bad & (value > column.warn_above)
            if above.any():
                words = np.full(len(value), "", dtype=object)
                words[above] = [f"{v:,.2f}".removesuffix(".00") + f"超过{column.warn_above:,.0f}"
                                f"（已接收，{column.warn_reason}）" for v in value[above]]
                reasons.warn(above, words)
    return pd.Series(value, index=text.index)


def _date(column, raw, text, cells, filled, reasons, as_of):
    value = dates(cells)
    value.index = text.index
    missing = value.isna().to_numpy()
    reasons.add(filled & missing, "不是有效日期（应为 YYYY-MM-DD 或 YYYY/M/D）")
    if column.not_future:
        reasons.add(filled & (value > pd.Timestamp(as_of)).to_numpy(), "日期不能晚于报送日期")
    if column.not_before is not None:
        reasons.add(filled & (value < pd.Timestamp(column.not_before)).to_numpy(),
                    f"日期不能早于{column.not_before:%Y-%m-%d}")
    return value


def _choice(column, raw, text, cells, filled, reasons, as_of):
    listed = flags(pc.is_in(cells, value_set=pa.array(column.choices, type=pa.string())))
    reasons.add(filled & ~listed, "应为以下之一：" + "、".join(column.choices))
    return text


def normalise_id(text: pd.Series) -> pd.Series:
    """Upper-case X, no spaces, half-width digits (only columns that need it pay for it: one
    look at the column's bytes tells which of the three it needs)."""
    cells = arrow(text)
    used = bytegrid.used(cells)
    changed = False
    if (used >= 0x80).any():  # anything not ASCII, full-width digits among it
        cells, changed = arrow(text.astype(object).str.translate(_FULL_WIDTH)), True
        used = bytegrid.used(cells)
    if _SPACE[used].any():
        cells, changed = pc.replace_substring_regex(cells, r"\s", ""), True
    if (used == ord("x")).any():
        cells, changed = pc.utf8_upper(cells), True
    if (used == ord("'")).any():  # Excel's mark for "keep this as text", typed or exported
        cells, changed = pc.replace_substring_regex(cells, r"^'+", ""), True
    return _series(cells, text.index) if changed else text


_SPACE = np.zeros(256, dtype=bool)
_SPACE[[9, 10, 11, 12, 13, 32]] = True


def _series(cells: pa.Array, index: pd.Index) -> pd.Series:
    series = cells.to_pandas()
    series.index = index
    return series


def _id_number(column, raw, text, cells, filled, reasons, as_of):
    value = normalise_id(text)
    normal = arrow(value)
    wrong, age = idcard.examine(normal, pd.Timestamp(as_of))
    reasons.add(filled & (wrong != ""), wrong)
    numeric = np.zeros(len(cells), dtype=bool)
    if (wrong != "").any():  # only a cell that is no ID can be one turned into a number
        numeric = flags(pc.match_substring_regex(cells, r"^\d(?:\.\d+)?[eE]\+?\d+$"))
    if raw is not None and pd.api.types.infer_dtype(raw, skipna=True) != "string":
        # a workbook's cell that holds a number, not text
        numeric |= raw.map(lambda v: isinstance(v, int | float) and not isinstance(v, bool)).to_numpy(bool)
    reasons.add(filled & numeric, "身份证号被存成了数字，末几位可能已丢失：请把该列设为“文本”格式后重新录入")
    # Whoever the ledger lists was born by the day it reports and is not past 120.
    fine = filled & ~reasons.bad
    with np.errstate(invalid="ignore"):
        reasons.add(fine & (age < 0), "出生日期晚于报送日期，身份证号有误")
        old = fine & (age > MAX_AGE)
    reasons.add(old, _ages_said(age, old, f"超过{MAX_AGE}岁，身份证号有误"))
    if column.age is not None:
        low, high = column.age
        outside = filled & ~reasons.bad & ~((age >= low) & (age <= high))
        reasons.add(outside, _ages_said(age, outside, f"应在{low}至{high}岁之间"))
    if column.warn_age is not None:
        low, high = column.warn_age
        outside = filled & ~reasons.bad & ~((age >= low) & (age <= high))
        reasons.warn(outside, _ages_said(
            age, outside, f"不在{low}至{high}岁之间（已接收，仅作提示：请核实是否为劳动力）"))
    return value


def _ages_said(age: np.ndarray, where: np.ndarray, then: str) -> np.ndarray | str:
    """"按身份证号计算年龄为N岁，" and `then`, for the cells `where` is true; "" elsewhere."""
    if not where.any():  # as in most columns: no array of words to make
        return ""
    words = np.full(len(age), "", dtype=object)
    words[where] = [f"按身份证号计算年龄为{a:.0f}岁，{then}" for a in age[where]]
    return words


def _mobile(column, raw, text, cells, filled, reasons, as_of):
    mobile = r"^1[3-9]\d{9}$"
    fine = flags(pc.match_substring_regex(cells, mobile))
    if fine.all():  # as most columns are: nothing to strip
        return text
    value = pc.replace_substring_regex(cells, r"[\s-]", "")
    reasons.add(filled & ~flags(pc.match_substring_regex(value, mobile)), "应为11位手机号码")
    return _series(value, text.index)


_CHECKS = {
    "text": _text,
    "integer": _number,
    "number": _number,
    "date": _date,
    "choice": _choice,
    "id_number": _id_number,
    "mobile": _mobile,
}
