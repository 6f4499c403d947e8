"""A workbook's size as it declares it, found before it is parsed.

A reader lays each sheet out as a grid from A1 to its last cell, so one cell at XFD1048576
makes it ask for 1,048,576 x 16,384 cells (550 GB): the process aborts. The size is read
from the file's own records instead: an .xlsx sheet's `<dimension ref=...>` and the references
of its cells (a dimension can lie or be missing), an .xls sheet's DIMENSIONS record.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sprint.domain.plan import Limits

_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="(?:[A-Z]*\d*:)?([A-Z]+)(\d+)"')
OVERLAP = 256  # bytes carried from one inflated chunk to the next: a reference cut in two


@dataclass(frozen=True)
class Extent:
    sheet: str
    rows: int  # the last row, counted from 1 (the grid starts at A1)
    columns: int

    def too_big(self, limits: Limits) -> str | None:
        """What passes the limits, in Chinese, or None."""
        if self.rows > limits.max_rows:
            return f"{self.rows:,} 行，超过上限 {limits.max_rows:,} 行"
        if self.columns > limits.max_columns:
            return f"{self.columns:,} 列，超过上限 {limits.max_columns:,} 列"
        if self.rows * self.columns > limits.max_cells:
            return (f"{self.rows:,} 行 × {self.columns:,} 列，超过上限 {limits.max_cells:,} 个"
                    "单元格")
        return None


def column_number(letters: bytes) -> int:
    n = 0
    for b in letters:
        n = n * 26 + b - 64
    return n


def _far_cell(limits: Limits) -> re.Pattern[bytes]:
    """Cell references that could pass a limit: as many letters as the widest column allowed,
    or as many digits as the longest row. Nearly every cell has fewer, and a search for the
    literal ` r="` skips them at memchr's pace (8 MB of sheet in 10 ms, where a pattern for
    every cell took 230 ms)."""
    letters = len(column_letters(limits.max_columns))
    digits = len(str(limits.max_rows))
    return re.compile(rb' r="(?:([A-Z]{%d,})(\d+)|([A-Z]+)(\d{%d,}))"' % (letters, digits))


def column_letters(n: int) -> str:
    """The column's letters as Excel writes them: 1 is A, 27 is AA."""
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def xlsx_extents(part: str, chunks: Iterator[bytes], limits: Limits) -> list[Extent]:
    """The declared extent of a sheet part and every far cell reference in it, read while the
    part is inflated chunk by chunk (`chunks`, drained whatever the part is)."""
    if not _SHEET.match(part):
        for _ in chunks:
            pass
        return []
    far = _far_cell(limits)
    found: list[Extent] = []
    tail = b""
    for chunk in chunks:
        text = tail + chunk
        if not tail:
            declared = _DIMENSION.search(text[:4096])
            if declared:
                found.append(Extent(part, int(declared[2]), column_number(declared[1])))
        for m in far.finditer(text):  # one in the carried tail is found twice: a maximum
            letters, digits = (m[1], m[2]) if m[1] else (m[3], m[4])
            found.append(Extent(part, int(digits), column_number(letters)))
        tail = text[-OVERLAP:]
    return found


def xls_extents(path: Path) -> list[Extent]:
    """Each sheet's DIMENSIONS record of a legacy .xls (BIFF8, or BIFF5's shorter one); found
    from the BOUNDSHEET records of the workbook's globals, a few records per sheet."""
    import olefile  # only for .xls files

    try:
        with olefile.OleFileIO(str(path)) as ole:
            name = next((n for n in ("Workbook", "Book") if ole.exists(n)), None)
            if name is None:
                return []
            data = ole.openstream(name).read()
    except (OSError, ValueError, struct.error):
        return []  # not readable as a compound file: the reader says what is wrong
    extents = []
    for sheet, offset in _boundsheets(data):
        for kind, body in _records(data, offset, 64):
            if kind == 0x0200 and len(body) >= 14:
                _, last_row, _, last_col = struct.unpack_from("<IIHH", body)
                extents.append(Extent(sheet, last_row, last_col))
                break
            if kind == 0x0200 and len(body) >= 10:
                _, last_row, _, last_col = struct.unpack_from("<HHHH", body)
                extents.append(Extent(sheet, last_row, last_col))
                break
    return extents


def _records(data: bytes, offset: int, most: int) -> Iterator[tuple[int, bytes]]:
    for _ in range(most):
        if offset + 4 > len(data):
            return
        kind, size = struct.unpack_from("<HH", data, offset)
        yield kind, data[offset + 4: offset + 4 + size]
        if kind == 0x000A:  # EOF of this substream
            return
        offset += 4 + size


def _boundsheets(data: bytes) -> list[tuple[str, int]]:
    sheets = []
    for kind, body in _records(data, 0, 100_000):
        if kind == 0x0085 and len(body) >= 4:
            sheets.append((f"sheet {len(sheets) + 1}", struct.unpack_from("<I", body)[0]))
    return sheets
