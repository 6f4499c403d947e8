"""Finding a ledger's header among a workbook's first rows, and the sheets that share it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sprint.domain.plan import Plan, Template
from sprint.reading.sheets import Sheet

HEADER_SEARCH_ROWS = 20  # county offices put title rows and notes above the header
# A ledger spread over several sheets is checked as one table: the k-th sheet's rows are
# numbered k * STRIDE + the row Excel shows (no sheet has a million rows and more).
STRIDE = 10_000_000
_HEADER_FIXES = str.maketrans({"（": "(", "）": ")", "\u3000": ""})


def clean_header(cell: object) -> str:
    return re.sub(r"\s+", "", str(cell if cell is not None else "")).translate(_HEADER_FIXES)


@dataclass(frozen=True)
class Header:
    sheet: Sheet
    index: int  # 0-based row of the (first) header row
    depth: int  # 1, or 2 when merged group cells stand above the column names
    names: list[str]

    @property
    def excel_row(self) -> int:
        return self.index + self.depth


def _candidates(sheet: Sheet):
    rows = [[clean_header(c) for c in r] for r in sheet.rows[: HEADER_SEARCH_ROWS + 1]]
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        yield Header(sheet, i, 1, row)
        if i + 1 < len(rows):
            lower = rows[i + 1] + [""] * (len(row) - len(rows[i + 1]))
            upper = row + [""] * (len(lower) - len(row))
            yield Header(sheet, i, 2, [b or a for a, b in zip(upper, lower, strict=True)])


def recognise(sheets: list[Sheet], plan: Plan) -> tuple[str, Template, Header] | None:
    """The template whose columns best match a header among the first rows of a sheet.

    A header must hold at least half of a template's required columns, so that a file with one
    column missing is still recognised and told which column is missing. A header may span two
    rows when group cells are merged above the column names. Visible sheets come first.
    """
    best: tuple[tuple, str, Template, Header] | None = None
    for sheet in sheets:
        for header in _candidates(sheet):
            names = set(header.names)
            for key, template in plan.templates.items():
                required = template.required_names
                hits = len(required & names)
                # More columns matched wins; on a tie, the template the header fills more fully.
                score = (not sheet.hidden, hits, hits / len(required), -header.depth)
                if hits * 2 >= len(required) and (best is None or score > best[0]):
                    best = (score, key, template, header)
    return best[1:] if best else None


def same_ledger(sheets: list[Sheet], found: Header, plan: Plan
                ) -> tuple[list[Header], list[str]]:
    """The visible sheets holding the same ledger under the same header, in the workbook's
    order (`found` among them), and the names of the visible sheets holding a ledger under
    another header: their rows are not read, and the unit must be told so."""
    group, others = [], []
    width = _width(found.names)
    for sheet in sheets:
        if sheet is found.sheet:
            group.append(found)
            continue
        if sheet.hidden:
            continue
        same = next((h for h in _candidates(sheet) if _width(h.names) == width), None)
        if same is not None:
            group.append(Header(sheet, same.index, same.depth, found.names))
        elif recognise([sheet], plan) is not None:
            others.append(sheet.name)
    return group, others


def _width(names: list[str]) -> tuple[str, ...]:
    """A header's names without the empty cells at its end (a sheet can be wider elsewhere)."""
    end = len(names)
    while end and not names[end - 1]:
        end -= 1
    return tuple(names[:end])
