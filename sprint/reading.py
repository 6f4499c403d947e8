"""Reading a submitted file into rows of cells, whatever program wrote it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from python_calamine import CalamineError, CalamineWorkbook, SheetVisibleEnum

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt"}
SUFFIXES = EXCEL_SUFFIXES | TEXT_SUFFIXES
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 reads GBK and GB2312 too


class UnreadableFile(ValueError):
    """The file cannot be read as a spreadsheet; the message says what to do, in Chinese."""


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list[object]]  # cells as the file holds them: str, int, float, date, datetime


def read_sheets(path: Path) -> list[Sheet]:
    """Every visible sheet of a workbook, or the one table of a text file."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return [Sheet(path.name, _read_text(path.read_bytes()))]
    if suffix in EXCEL_SUFFIXES:
        return _read_workbook(path)
    raise UnreadableFile(
        f"不支持的文件类型“{suffix or '无扩展名'}”，请提交 .xlsx、.xls 或 .csv 文件"
    )


def _read_workbook(path: Path) -> list[Sheet]:
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = []
        for meta in book.sheets_metadata:
            if meta.visible == SheetVisibleEnum.Visible:
                rows = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
                sheets.append(Sheet(meta.name, [list(r) for r in rows]))
        return sheets
    except (CalamineError, OSError, ValueError) as e:
        raise UnreadableFile(
            f"无法按 Excel 文件读取（{type(e).__name__}）：文件可能已损坏、加密或并非真正的"
            f" {path.suffix} 文件，请用 Excel 另存为 .xlsx 后重新提交"
        ) from None


def decode_text(data: bytes) -> str:
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile("文本文件的编码无法识别，请以 UTF-8 或 GBK 编码保存为 .csv 后重新提交")


def _read_text(data: bytes) -> list[list[object]]:
    text = decode_text(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    return [list(row) for row in csv.reader(io.StringIO(text), dialect)]
