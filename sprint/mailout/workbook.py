"""Writing spreadsheets we send out: formula-safe cells, masked ID numbers, and pages that print
as a recipient needs them."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata

import pandas as pd

from sprint.domain.engine.book import NAME_COLUMN, UNIT_COLUMN
from sprint.domain.idcard import mask_series

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# The columns that say whose row it is; a compiled ledger starts with them.
KEY_COLUMNS = (UNIT_COLUMN, NAME_COLUMN)
INF = float("inf")
WIDEST = 40  # characters; longer text wraps


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def table_xlsx(table) -> bytes:
    """The one way a table leaves as a workbook: ID numbers masked, dates as dates."""
    frame = masked(table.frame, list(table.masked))
    for column in table.dates:
        if column in frame:
            frame[column] = pd.to_datetime(frame[column]).dt.date
    return to_xlsx({table.sheet: frame})


def masked(frame: pd.DataFrame, id_columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for column in id_columns:
        if column in out:
            out[column] = mask_series(out[column])
    return out


# Text stays text: no cell becomes a formula, a link or a number because of how it reads.
_AS_WRITTEN = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


def to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    """A workbook of the given sheets, each printing well: landscape A4, as wide as one page,
    the bold header row on every page, the unit's code and name columns (when the sheet starts
    with them) frozen and on every page, gridlines, page numbers.

    XlsxWriter rather than openpyxl: the compiled ledgers of a replay are written hundreds of
    times, and it writes them in a third of the time."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": _AS_WRITTEN}) as writer:
        header = writer.book.add_format({"bold": True, "text_wrap": True, "align": "center",
                                         "valign": "vcenter", "border": 1, "bg_color": "#DDEBF7"})
        wrap = writer.book.add_format({"text_wrap": True, "valign": "top"})
        dates = (writer.book.add_format({"num_format": "YYYY-MM-DD"}),
                 writer.book.add_format({"num_format": "YYYY-MM-DD HH:MM:SS"}))
        for name, frame in sheets.items():
            safe = frame.copy()
            for column in safe.columns:
                if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
                    safe[column] = safe[column].astype(object).map(neutralise)
            sheet = writer.book.add_worksheet(name)
            _write_body(sheet, safe, dates)
            wrapped_header = False
            for i, column in enumerate(safe.columns):
                title = _width(column)
                body = _widest(safe[column])
                # A title wider than its column's values goes on two lines.
                width = max(body + 2, title / 2 + 1 if title > body else title + 2, 6)
                wrapped_header |= title + 2 > width
                sheet.set_column(i, i, min(WIDEST, width), wrap if width > WIDEST else None)
                sheet.write(0, i, column, header)
            sheet.set_row(0, 32 if wrapped_header else 18)
            _for_print(sheet, _leading_keys(list(safe.columns)))
    return buffer.getvalue()


def _write_body(sheet, frame: pd.DataFrame, dates) -> None:
    """The frame's rows under its header row, cell by cell as pandas' to_excel writes them (an
    empty cell for a missing value, dates and date-times in pandas' formats), at a third of its
    time: to_excel was the largest part of a replay's own work."""
    day, moment = dates
    for c, column in enumerate(frame.columns):
        for r, value in enumerate(frame[column].tolist(), start=1):
            if value is None or value is pd.NaT or value is pd.NA or value == "" or (
                    isinstance(value, float) and value != value):
                continue
            if isinstance(value, float) and value in (INF, -INF):
                sheet.write_string(r, c, "inf" if value > 0 else "-inf")  # pandas' inf_rep
            elif isinstance(value, dt.datetime):
                sheet.write_datetime(r, c, value, moment)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, value, day)
            elif isinstance(value, bool):
                sheet.write_boolean(r, c, value)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, str(value))


def _for_print(sheet, keys: int) -> None:
    sheet.freeze_panes(1, keys)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    sheet.fit_to_pages(1, 0)  # one page wide, as many long as it takes
    sheet.repeat_rows(0)
    if keys:
        sheet.repeat_columns(0, keys - 1)
    sheet.hide_gridlines(0)  # gridlines on screen and on paper
    sheet.set_header("&C&A")
    sheet.set_footer("&C第 &P 页，共 &N 页")


def _leading_keys(columns: list[str]) -> int:
    """How many of the first columns name the unit (填报单位, 单位名称)."""
    count = 0
    while count < len(columns) and columns[count] in KEY_COLUMNS:
        count += 1
    return count


def _widest(column: pd.Series) -> float:
    """The width of the column's widest value (looked for among its longest ones)."""
    if column.empty:
        return 0.0
    text = column.dropna().astype(str)
    longest = text[text.str.len() >= text.str.len().max() * 0.6].unique()[:500]
    return max([0.0] + [_width(v) for v in longest])


def _width(value: object) -> float:
    """The column width a value needs, in widths of a digit: a Chinese character prints about
    1.7 of them."""
    return sum(1.7 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(value))
