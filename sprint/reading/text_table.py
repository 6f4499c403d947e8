"""A submitted text file (.csv, .txt) as UTF-8 bytes: its encoding found, its delimiter
sniffed, its first rows parsed for finding the header, and the rest parsed by Arrow once the
header is known (a Python CSV reader costs twenty times Arrow's parse)."""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from sprint.reading.unreadable import SAVE_AS, UnreadableFile

TEXT_ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 reads GBK and GB2312 too
MB = 1024 * 1024
DELIMITERS = (",", "\t", ";")
HEADER_LINES = 24  # lines looked at for the delimiter: the header is among the first ones
HEAD_BYTES = 16 * 1024  # a text file's header is found among its first rows, read from here
# Arrow parses a text file in blocks (1 MB unless told), one per thread, leaving each column in
# pieces that later steps join again, a copy each time. A county's file of a few MB is one
# block; a bigger one is still parsed by several threads.
BLOCK = 8 * MB
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


class _Dialect(csv.excel):
    """Excel's CSV (double quotes, "" inside them), with the delimiter the file uses."""


def _delimiter(text: str) -> str:
    """The delimiter that splits some line of the first ones most: the header has a dozen, and a
    title row above it (which foils csv.Sniffer) has none, or only the sheet's width of them."""
    lines = re.split(r"\r\n|\r|\n", text[:HEAD_BYTES], maxsplit=HEADER_LINES)[:HEADER_LINES]
    counts = {d: max((line.count(d) for line in lines), default=0) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: counts[d])  # on a tie, the first: a comma


def _dialect(delimiter: str) -> type[csv.Dialect]:
    return type("_Sniffed", (_Dialect,), {"delimiter": delimiter})


def read_rows(data: bytes, delimiter: str) -> list[list[object]]:
    """Every row of a text file (already turned into UTF-8 by read_head), split by the
    delimiter read_head found."""
    text = _utf8(data)
    if "\x00" in text:
        raise UnreadableFile(f"文件内容不是文本表格（含二进制数据），{SAVE_AS}")
    # newline="": a line ends at CR, LF or CRLF, and a quoted cell keeps its line breaks. A
    # cell may be as long as the file (the rules then name its row and column as too long).
    csv.field_size_limit(max(csv.field_size_limit(), len(data) + 1))
    return [list(row) for row in csv.reader(io.StringIO(text, newline=""), _dialect(delimiter))]


@dataclass(frozen=True)
class TextHead:
    """A text file as UTF-8 bytes, with its first rows parsed for finding the header."""
    data: bytes
    rows: list[list[object]]
    delimiter: str
    lines: tuple[int, ...]  # physical lines read after each of the first rows (a quoted cell
    # may hold a line break, and Arrow skips lines, not rows)
    encoding_doubt: bool  # read as GB18030 but does not read as Chinese


def read_head(data: bytes) -> TextHead:
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
    dialect = _dialect(_delimiter(head))
    if len(data) > HEAD_BYTES:
        head = head[: max(head.rfind("\n"), head.rfind("\r")) + 1]  # whole lines only
    reader = csv.reader(io.StringIO(head, newline=""), dialect)
    rows, lines = [], []
    for row in reader:
        rows.append(list(row))
        lines.append(reader.line_num)
    return TextHead(data, rows, dialect.delimiter, tuple(lines), doubt)


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


def arrow_table(data: bytes, delimiter: str, skip: int, start: int,
                 width: int) -> pd.DataFrame | None:
    """The rows from `start` (which begins after `skip` physical lines) as trimmed text, or None
    when the file is not a regular table."""
    names = [str(i) for i in range(width)]
    data = _without_trailing_blanks(data, delimiter)
    data, lines = _without_empty_lines(data, skip)
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
    rows = pa.array(lines if lines is not None and len(lines) == table.num_rows
                    else np.arange(start + 1, start + 1 + table.num_rows))
    # Blank rows go before pandas, which makes an object of every cell: 5 million blank lines
    # after six rows took 1.3 GB there. Their row numbers go with the rows that stay.
    filled = functools.reduce(pc.or_, (pc.greater(pc.utf8_length(c), 0) for c in columns))
    if not pc.all(filled).as_py():
        columns, rows = [pc.filter(c, filled) for c in columns], pc.filter(rows, filled)
    frame = pa.table(columns, names=names).to_pandas()
    frame.columns = range(width)
    frame.index = pd.Index(rows.to_numpy(), dtype="int64")
    return frame


def _without_empty_lines(data: bytes, skip: int) -> tuple[bytes, np.ndarray | None]:
    """The text without its empty lines after the first `skip`, and the line number (from 1)
    of each line left after them; (data, None) when there are none, or when a quoted cell may
    hold a line break (then lines are not rows). Arrow would make a row of each empty line,
    5 million of them 640 MB of empty cells."""
    if b'"' in data or (b"\n\n" not in data and b"\n\r\n" not in data):
        return data, None
    text = np.frombuffer(data, np.uint8)
    ends = np.flatnonzero(text == 10)  # each line's LF
    begins = np.concatenate(([0], ends[:-1] + 1))
    empty = (ends == begins) | ((ends == begins + 1) & (text[np.minimum(begins, len(text) - 1)] == 13))
    empty[:skip] = False
    keep = np.ones(len(text), dtype=bool)
    keep[ends[empty]] = False
    keep[begins[empty & (ends > begins)]] = False  # the CR of an empty CRLF line
    numbers = np.flatnonzero(~empty[skip:]) + skip + 1
    tail = data[ends[-1] + 1:] if len(ends) else data
    if tail.strip(b"\r"):  # a last line without its line break
        numbers = np.append(numbers, len(ends) + 1)
    return text[keep].tobytes(), numbers


def _without_trailing_blanks(data: bytes, delimiter: str) -> bytes:
    """The text without the blank lines (or lines of bare delimiters) at its end."""
    end = len(data.rstrip(b"\r\n \t" + delimiter.encode()))
    line_end = _LINE_END.search(data, end)
    return data if line_end is None else data[: line_end.end()]


_LINE_END = re.compile(rb"\r\n|\r|\n")


