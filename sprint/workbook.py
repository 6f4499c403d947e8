"""Writing spreadsheets we send out: formula-safe cells, masked ID numbers."""

from __future__ import annotations

import io

import pandas as pd

from sprint.idcard import mask_series

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> object:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def masked(frame: pd.DataFrame, id_columns: list[str]) -> pd.DataFrame:
    out = frame.copy()
    for column in id_columns:
        if column in out:
            out[column] = mask_series(out[column])
    return out


def to_xlsx(sheets: dict[str, pd.DataFrame]) -> bytes:
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            safe = frame.copy()
            for column in safe.columns:
                if safe[column].dtype == object:
                    safe[column] = safe[column].map(neutralise)
            safe.to_excel(writer, sheet_name=name, index=False)
            sheet = writer.sheets[name]
            for i, column in enumerate(safe.columns, start=1):
                width = max([len(str(column))] + [len(str(v)) for v in safe[column].head(200)])
                sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width = min(
                    40, width * 1.6 + 2
                )
            sheet.freeze_panes = "A2"
    return buffer.getvalue()
