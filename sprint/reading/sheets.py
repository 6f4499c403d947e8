"""Reading a submitted file into rows of cells, whatever program wrote it.

Before a byte is parsed the file is sized and sniffed, so an oversized file, a zip bomb, a
password-protected workbook or a file that only pretends to be a spreadsheet gets a clear
answer in Chinese instead of a crash or a machine out of memory.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetVisibleEnum

from sprint.domain.plan import Limits
from sprint.reading import dimensions
from sprint.reading.dimensions import Extent
from sprint.reading.text_table import arrow_table, read_head, read_rows
from sprint.reading.unreadable import SAVE_AS, UnreadableFile

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt"}
SUFFIXES = EXCEL_SUFFIXES | TEXT_SUFFIXES
ZIP_MAGIC, CFB_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MB = 1024 * 1024


@dataclass(frozen=True)
class Sheet:
    name: str
    rows: list[list[object]]  # cells as the file holds them: str, int, float, date, datetime
    hidden: bool = False
    # A text file's rows above are only its first ones; the rest is parsed by Arrow, once, when
    # the header is known, because a Python CSV reader costs twenty times Arrow's parse.
    data: bytes | None = None
    delimiter: str = ","
    lines: tuple[int, ...] = ()  # physical lines read after each of the first rows (a quoted
    # cell may hold a line break, and Arrow skips lines, not rows)
    encoding_doubt: bool = False  # text read as GB18030 that does not read as Chinese

    def table(self, start: int, width: int) -> tuple[pd.DataFrame | None, pd.DataFrame]:
        """Rows from `start` (0-based), `width` columns, indexed by the row numbers Excel shows:
        the cells as the file holds them (None for a text file, all of whose cells are text) and
        the text a person sees."""
        if self.data is not None:
            skip = self.lines[start - 1] if 0 < start <= len(self.lines) else start
            text = arrow_table(self.data, self.delimiter, skip, start, width)
            if text is not None:
                return None, text
            rows = read_rows(self.data, self.delimiter)  # ragged rows, a stray quote: the patient reader
        else:
            rows = self.rows
        raw = _cells(rows[start:], width)
        raw.index = raw.index + start + 1
        return raw, pd.DataFrame({i: as_text(raw[i]) for i in raw.columns}, index=raw.index)


def read_sheets(path: Path, limits: Limits | None = None) -> list[Sheet]:
    """Every sheet of a workbook (hidden ones marked), or the one table of a text file."""
    limits = limits or Limits()
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise UnreadableFile(
            f"不支持的文件类型“{suffix or '无扩展名'}”，请提交 .xlsx、.xls 或 .csv 文件"
        )
    size = path.stat().st_size
    if size > limits.max_file_mb * MB:
        raise UnreadableFile(
            f"文件大小 {size / MB:.1f} MB，超过上限 {limits.max_file_mb:g} MB：请删去无关的工作表、"
            "图片和格式，或拆分后提交"
        )
    if size == 0:
        raise UnreadableFile("文件为空（0 字节），请重新导出台账后提交")
    with path.open("rb") as f:
        head = f.read(512)
    if suffix in TEXT_SUFFIXES:
        head = read_head(path.read_bytes())
        return [Sheet(path.name, head.rows, data=head.data, delimiter=head.delimiter,
                      lines=head.lines, encoding_doubt=head.encoding_doubt)]
    _sniff_workbook(path, suffix, head, limits)
    sheets = _read_workbook(path)
    # A damaged sheet can hold cells past its own declared size (a legacy sheet's cell at
    # column 65,283 under a DIMENSIONS record of 13): its extent as read is held to the limits
    # too, before any table is built from it.
    _check_extents([Extent(s.name, len(s.rows), max(map(len, s.rows), default=0))
                    for s in sheets], limits)
    return sheets


def _sniff_workbook(path: Path, suffix: str, head: bytes, limits: Limits) -> None:
    if head.startswith(ZIP_MAGIC):
        try:
            unpacked, extents, strings = _unpacked_size(path, int(limits.max_unpacked_mb * MB),
                                                        limits)
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError,
                ValueError):
            raise UnreadableFile(f"文件已损坏（压缩结构不完整），{SAVE_AS}") from None
        if unpacked > limits.max_unpacked_mb * MB:
            raise UnreadableFile(
                f"文件解压后超过 {limits.max_unpacked_mb:g} MB 上限（可能含大量空白行或是异常文件），"
                "请只保留台账数据后重新提交"
            )
        _check_extents(extents, limits)
        # The reader holds every shared string as an object (9 million of them in a 377 KB
        # file took 600 MB); a sheet has at most max_cells cells: a ledger needs no more.
        if strings > limits.max_cells:
            raise UnreadableFile(f"文件中的文字条目有 {strings:,} 个，超过单元格上限 "
                                 f"{limits.max_cells:,} 个（可能是异常文件），{SAVE_AS}")
        if suffix == ".xls":
            raise UnreadableFile("扩展名是 .xls，内容却是 .xlsx 格式：请把扩展名改为 .xlsx 后提交")
        return
    if head.startswith(CFB_MAGIC):
        if suffix != ".xls" and b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00" in path.read_bytes():
            raise UnreadableFile("文件设置了打开密码，系统无法读取：请取消密码后重新提交")
        _check_extents(dimensions.xls_extents(path), limits)
        return
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<html", b"<!doctype", b"<table", b"<?xml", b"<meta")):
        raise UnreadableFile(f"文件内容是网页（HTML/XML）格式而不是 Excel 工作簿，{SAVE_AS}")
    raise UnreadableFile(
        f"文件扩展名为 {suffix}，内容却不是 Excel 工作簿（可能是改了扩展名的其他文件），{SAVE_AS}"
    )


def _unpacked_size(path: Path, cap: int, limits: Limits) -> tuple[int, list[Extent], int]:
    """Bytes the workbook unpacks to, counted by inflating it (headers can lie), stopping past
    cap; and, read on the way, the extent of each sheet (see sprint/reading/dimensions.py) and
    the number of shared strings."""
    total, extents, strings = 0, [], 0
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            shared = info.filename.lower().endswith("sharedstrings.xml")
            with z.open(info) as member:
                def chunks(member=member, shared=shared):
                    nonlocal total, strings
                    cut = b""  # a tag cut in two by the chunks
                    while chunk := member.read(1 << 20):
                        total += len(chunk)
                        if shared:
                            strings += len(_STRING.findall(cut + chunk))
                            cut = chunk[chunk.rfind(b"<"):]
                            cut = b"" if b">" in cut else cut[:16]
                        yield chunk
                        if total > cap:
                            return
                extents += dimensions.xlsx_extents(info.filename, chunks(), limits)
            if total > cap:
                break
    return total, extents, strings


_STRING = re.compile(rb"</(?:\w+:)?si>|<(?:\w+:)?si\s*/>")


def _check_extents(extents: list[Extent], limits: Limits) -> None:
    for extent in extents:
        reason = extent.too_big(limits)
        if reason:
            raise UnreadableFile(
                f"工作表的范围达到 {reason}（可能有远处的单元格被误填或设了格式）：请删去空白和"
                "无关的行列，只保留台账数据后重新提交")


def _read_workbook(path: Path) -> list[Sheet]:
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheets = []
        for meta in book.sheets_metadata:
            rows = book.get_sheet_by_name(meta.name).to_python(skip_empty_area=False)
            sheets.append(Sheet(meta.name, rows,
                                hidden=meta.visible != SheetVisibleEnum.Visible))
        return sheets
    except PasswordError:
        raise UnreadableFile("文件设置了打开密码，系统无法读取：请取消密码后重新提交") from None
    except (CalamineError, OSError, ValueError) as e:
        raise UnreadableFile(
            f"无法按 Excel 文件读取（{type(e).__name__}）：文件可能已损坏或并非真正的"
            f" {path.suffix} 文件，{SAVE_AS}"
        ) from None
    except BaseException as e:
        if type(e).__name__ != "PanicException":  # calamine's own bug, raised as a Rust panic
            raise
        raise UnreadableFile(f"文件结构异常，无法按 Excel 文件读取，{SAVE_AS}") from None


def _cells(rows: list[list[object]], width: int) -> pd.DataFrame:
    """Rows of cells as columns, `width` of them, short rows padded with None."""
    if rows and all(len(r) == len(rows[0]) for r in rows) and len(rows[0]) >= width:
        grid = np.empty((len(rows), len(rows[0])), dtype=object)
        grid[:] = rows  # a workbook's sheet is a rectangle: one C-level copy
        return pd.DataFrame({i: grid[:, i] for i in range(width)})
    body = [(list(r) + [None] * width)[:width] for r in rows]
    return pd.DataFrame(body, columns=range(width), dtype=object)


def as_text(cells: pd.Series) -> pd.Series:
    """Cells as the text a person sees: integral numbers without '.0', dates as YYYY-MM-DD.

    Whole columns at a time where the column holds one kind of cell, as ledgers do."""
    kind = pd.api.types.infer_dtype(cells, skipna=True)
    if kind in ("string", "empty"):
        return cells.fillna("").astype(str).str.strip()
    if kind in ("floating", "integer", "mixed-integer-float"):
        number = pd.to_numeric(cells).astype(float)
        integral = (number % 1 == 0) & (number.abs() < 1e15)
        text = number.astype(str)
        text[integral] = number[integral].astype(np.int64).astype(str)
        return text.where(number.notna(), "")
    if kind in ("datetime", "date", "datetime64"):
        stamp = pd.to_datetime(cells)
        text = stamp.dt.strftime("%Y-%m-%d")
        timed = stamp.notna() & (stamp != stamp.dt.normalize())
        text[timed] = stamp[timed].dt.strftime("%Y-%m-%d %H:%M:%S")
        return text.fillna("").astype(str)
    return cells.map(_one_text).astype(str)


def _one_text(v: object) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time(0) else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v).strip()
