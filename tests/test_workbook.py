"""The workbooks we attach are written cell by cell through XlsxWriter (a replay writes hundreds
of them; pandas' to_excel took twice the time): what a recipient opens is, cell for cell, what
pandas' to_excel wrote before, every kind of value included."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import openpyxl
import pandas as pd

from sprint.mailout.workbook import to_xlsx


def _every_kind_of_value() -> pd.DataFrame:
    n = 40
    frame = pd.DataFrame({
        "填报单位": ["洮北区"] * n,
        "姓名": [f"张{k}" for k in range(n)],
        "身份证号": ["220802********123X"] * n,
        "务工开始日期": [dt.date(2020, 9, 1) + dt.timedelta(days=k) for k in range(n)],
        "收到时间": pd.to_datetime(["2020-10-09 17:30"] * n),
        "月收入(元)": np.arange(n) * 100,
        "完成率": np.where(np.arange(n) % 7 == 0, np.nan, 0.5),
        "达标": np.arange(n) % 2 == 0,
        "备注": [None if k % 5 == 0 else ("" if k % 3 == 0 else "=1+1" if k % 11 == 0 else "好")
               for k in range(n)],
        "户数": pd.array([None if k % 4 == 0 else k for k in range(n)], dtype="Int64"),
    })
    frame.loc[1, "收到时间"] = pd.NaT
    frame.loc[2, "完成率"] = np.inf
    return frame


def _what_pandas_wrote(frame: pd.DataFrame) -> bytes:
    """The cells the way the workbooks were written before: to_excel, text kept as text, with the
    header row then written over in the workbook's own header format."""
    buffer = io.BytesIO()
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with pd.ExcelWriter(buffer, engine="xlsxwriter", engine_kwargs={"options": options}) as writer:
        safe = frame.copy()
        for column in safe.columns:
            if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
                safe[column] = safe[column].astype(object).map(
                    lambda v: "'" + v if isinstance(v, str) and v.startswith("=") else v)
        safe.to_excel(writer, sheet_name="台账", index=False)
    return buffer.getvalue()


def _cells(workbook: bytes) -> dict:
    sheet = openpyxl.load_workbook(io.BytesIO(workbook))["台账"]
    return {c.coordinate: (c.value, c.data_type, c.number_format)
            for row in sheet.iter_rows(min_row=2) for c in row}


def test_every_cell_is_what_to_excel_wrote_dates_empties_and_text_alike():
    frame = _every_kind_of_value()
    ours, theirs = _cells(to_xlsx({"台账": frame})), _cells(_what_pandas_wrote(frame))
    assert ours == theirs
    # What a recipient sees, by hand: a date as a date, an empty note as an empty cell, a
    # formula-looking note as text, a missing count as nothing, inf as pandas wrote it.
    assert ours["D2"] == (dt.datetime(2020, 9, 1), "d", "YYYY-MM-DD")
    assert ours["E2"] == (dt.datetime(2020, 10, 9, 17, 30), "d", "YYYY-MM-DD HH:MM:SS")
    assert ours["E3"][0] is None and ours["I2"][0] is None and ours["I5"][0] is None
    assert ours["I13"] == ("'=1+1", "s", "General")
    assert ours["J2"][0] is None and ours["J3"][:2] == (1, "n")
    assert ours["G4"][0] == "inf" and ours["H2"] == (True, "b", "General")
