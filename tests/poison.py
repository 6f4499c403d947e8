"""Files that stopped the whole system before the fence, written as a clerk's program would."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import xlwt


def far_cell_xlsx(path: Path) -> Path:
    """A 5 KB workbook with a title in A1 and one stray cell at XFD1048576: laid out as a grid
    it is 1,048,576 x 16,384 cells, and calamine asks for 550 GB and aborts (exit 134)."""
    book = openpyxl.Workbook()
    book.active["A1"] = "洮北区贫困劳动力转移就业台账"
    book.active["XFD1048576"] = "x"
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)
    return path


def far_cell_xls(path: Path) -> Path:
    """The legacy format's largest sheet: a cell at IV65536, 16.8 million cells laid out."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("台账")
    sheet.write(0, 0, "序号")
    sheet.write(65535, 255, "x")
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(str(path))
    return path
