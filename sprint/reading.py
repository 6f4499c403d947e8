"""Reading a submitted file into rows of cells, whatever program wrote it.

Before a byte is parsed the file is sized and sniffed, so an oversized file, a zip bomb, a
password-protected workbook or a file that only pretends to be a spreadsheet gets a clear
answer in Chinese instead of a crash or a machine out of memory.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from python_calamine import CalamineError, CalamineWorkbook, PasswordError, SheetVisibleEnum

from sprint import dimensions
from sprint.dimensions import Extent
from sprint.plan import Limits

EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".ods"}
TEXT_SUFFIXES = {".csv", ".txt"}
SUFFIXES = EXCEL_SUFFIXES | TEXT_SUFFIXES
TEXT_ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 reads GBK and GB2312 too
ZIP_MAGIC, CFB_MAGIC = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MB = 1024 * 1024
SAVE_AS = "请用 Excel 打开后“另存为” .xlsx 再提交"


class UnreadableFile(ValueError):
    """The file cannot be read as a spreadsheet; the message says what to do, in Chinese."""


DELIMITERS = (",", "\t", ";")
HEADER_LINES = 24  # lines looked at for the delimiter: the header is among the first ones
HEAD_BYTES = 16 * 1024  # a text file's header is found among its first rows, read from here
# Arrow parses a text file in blocks (1 MB unless told), one per thread, leaving each column in
# pieces that later steps join again, a copy each time. A county's file of a few MB is one
# block; a bigger one is still parsed by several threads.
BLOCK = 8 * MB


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
            text = _arrow_table(self.data, self.delimiter, skip, start, width)
            if text is not None:
                return None, text
            rows = _read_text(self.data)  # ragged rows, a stray quote: the patient reader
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
        return [_text_sheet(path.name, path.read_bytes())]
    _sniff_workbook(path, suffix, head, limits)
    return _read_workbook(path)


def _sniff_workbook(path: Path, suffix: str, head: bytes, limits: Limits) -> None:
    if head.startswith(ZIP_MAGIC):
        try:
            unpacked, extents = _unpacked_size(path, int(limits.max_unpacked_mb * MB), limits)
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error, NotImplementedError,
                ValueError):
            raise UnreadableFile(f"文件已损坏（压缩结构不完整），{SAVE_AS}") from None
        if unpacked > limits.max_unpacked_mb * MB:
            raise UnreadableFile(
                f"文件解压后超过 {limits.max_unpacked_mb:g} MB 上限（可能含大量空白行或是异常文件），"
                "请只保留台账数据后重新提交"
            )
        _check_extents(extents, limits)
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


def _unpacked_size(path: Path, cap: int, limits: Limits) -> tuple[int, list[Extent]]:
    """Bytes the workbook unpacks to, counted by inflating it (headers can lie), stopping past
    cap; and, read on the way, the extent of each sheet (see sprint/dimensions.py)."""
    total, extents = 0, []
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            with z.open(info) as member:
                def chunks(member=member):
                    nonlocal total
                    while chunk := member.read(1 << 20):
                        total += len(chunk)
                        yield chunk
                        if total > cap:
                            return
                extents += dimensions.xlsx_extents(info.filename, chunks(), limits)
            if total > cap:
                break
    return total, extents


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


ENCODING_UNKNOWN = "文本文件的编码无法识别，请以 UTF-8 或 GBK 编码保存为 .csv 后重新提交"


def decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" is UTF-16
        try:  # a file cut short may end in half a character: that half is dropped
            return data[: len(data) - len(data) % 2].decode("utf-16")
        except UnicodeDecodeError:
            raise UnreadableFile(ENCODING_UNKNOWN) from None
    for encoding in TEXT_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFile(ENCODING_UNKNOWN)


def _utf8(data: bytes) -> str:
    """A text file already taken for UTF-8 (by its first 16 KB, as Arrow reads it). A file cut
    short loses its last half character; bytes of another encoding further on refuse it."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.reason == "unexpected end of data":
            return data[: e.start].decode("utf-8", errors="replace")
        line = data[: e.start].count(b"\n") + 1
        raise UnreadableFile(f"文件第{line}行附近的内容不是 UTF-8 编码（同一文件中混用了几种编码）："
                             "请以 UTF-8 或 GBK 编码重新另存为 .csv 后提交") from None


def _cells(rows: list[list[object]], width: int) -> pd.DataFrame:
    """Rows of cells as columns, `width` of them, short rows padded with None."""
    if rows and all(len(r) == len(rows[0]) for r in rows) and len(rows[0]) >= width:
        grid = np.empty((len(rows), len(rows[0])), dtype=object)
        grid[:] = rows  # a workbook's sheet is a rectangle: one C-level copy
        return pd.DataFrame({i: grid[:, i] for i in range(width)})
    body = [(list(r) + [None] * width)[:width] for r in rows]
    return pd.DataFrame(body, columns=range(width), dtype=object)


class _Dialect(csv.excel):
    """Excel's CSV (double quotes, "" inside them), with the delimiter the file uses."""


def _dialect(text: str) -> type[csv.Dialect]:
    """The delimiter that splits some line of the first ones most: the header has a dozen, and a
    title row above it (which foils csv.Sniffer) has none, or only the sheet's width of them."""
    lines = re.split(r"\r\n|\r|\n", text[:HEAD_BYTES], maxsplit=HEADER_LINES)[:HEADER_LINES]
    counts = {d: max((line.count(d) for line in lines), default=0) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])  # on a tie, the first: a comma
    return type("_Sniffed", (_Dialect,), {"delimiter": best})


def _read_text(data: bytes) -> list[list[object]]:
    """Every row of a text file (already turned into UTF-8 by _text_sheet)."""
    text = _utf8(data)
    if "\x00" in text:
        raise UnreadableFile(f"文件内容不是文本表格（含二进制数据），{SAVE_AS}")
    # newline="": a line ends at CR, LF or CRLF, and a quoted cell keeps its line breaks
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), _dialect(text))]


def _text_sheet(name: str, data: bytes) -> Sheet:
    """A text file as UTF-8 bytes, with its first rows parsed for finding the header."""
    doubt = False
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif not _is_utf8(data[:HEAD_BYTES]):
        text = decode_text(data)  # GBK, UTF-16: Arrow reads UTF-8 only
        doubt = not data.startswith((b"\xff\xfe", b"\xfe\xff")) and _not_chinese(text)
        data = text.encode("utf-8")
    head = data[:HEAD_BYTES].decode("utf-8", errors="ignore")
    if "\x00" in head:
        raise UnreadableFile(f"文件内容不是文本表格（含二进制数据），{SAVE_AS}")
    dialect = _dialect(head)
    if len(data) > HEAD_BYTES:
        head = head[: max(head.rfind("\n"), head.rfind("\r")) + 1]  # whole lines only
    reader = csv.reader(io.StringIO(head, newline=""), dialect)
    rows, lines = [], []
    for row in reader:
        rows.append(list(row))
        lines.append(reader.line_num)
    return Sheet(name, rows, data=data, delimiter=dialect.delimiter, lines=tuple(lines),
                 encoding_doubt=doubt)


def _not_chinese(text: str) -> bool:
    """Whether text decoded as GB18030 reads as something else: a Chinese office's GBK text
    is nearly all characters of GB2312, where Big5 or Shift-JIS bytes read as GB18030 give
    rare characters by the half."""
    wide = [c for c in text[:HEAD_BYTES] if ord(c) > 0x7F]
    if not wide:
        return False
    common = sum(1 for c in wide if _in_gb2312(c))
    return common < 0.8 * len(wide)


def _in_gb2312(c: str) -> bool:
    try:
        c.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _is_utf8(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as e:
        return e.start > len(head) - 4  # only the last character was cut in half
    return True


def _arrow_table(data: bytes, delimiter: str, skip: int, start: int,
                 width: int) -> pd.DataFrame | None:
    """The rows from `start` (which begins after `skip` physical lines) as trimmed text, or None
    when the file is not a regular table."""
    names = [str(i) for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(skip_rows=skip, column_names=names,
                                           block_size=BLOCK),
            # A quoted cell may hold a line break; letting Arrow look for them costs, so only
            # a file with quotes in it pays.
            parse_options=pacsv.ParseOptions(delimiter=delimiter, ignore_empty_lines=False,
                                             newlines_in_values=b'"' in data),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False,
                quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # a row with more or fewer cells than the header, a broken quote, bad UTF-8
    columns = [pc.utf8_trim_whitespace(table.column(i)) for i in range(width)]
    frame = pa.table(columns, names=names).to_pandas()
    frame.columns = range(width)
    frame.index = pd.RangeIndex(start + 1, start + 1 + len(frame))
    return frame


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
