"""What checking one file found: the template it is, its problems and notes by row, column and
sheet, and the ledger's rows when it is accepted."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from sprint.domain.plan import Template
from sprint.domain.records import Problem
from sprint.reading.headers import STRIDE


@dataclass
class Verdict:
    template_key: str | None = None
    template: Template | None = None
    sheet: str = ""
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    ledger: pd.DataFrame = field(default_factory=pd.DataFrame)
    period_hint: str | None = None
    duty_hint: str | None = None
    title: str = ""  # the rows above the header, where offices write what the file is for
    failure: str | None = None  # what broke while reading, for the operator (not the unit)
    sheets: tuple[str, ...] = ()  # the sheets of a ledger spread over several (see STRIDE)
    unlisted: int = 0  # problems past the plan's max_problems, counted, not listed

    @property
    def accepted(self) -> bool:
        return self.template is not None and not self.problems

    def place(self, index: int) -> tuple[int, str]:
        """The row Excel shows and the name of its sheet ("" for a ledger on one sheet)."""
        if self.sheets and index >= STRIDE:
            return index % STRIDE, self.sheets[index // STRIDE - 1]
        return index, ""

    def rows_text(self, indexes) -> str:
        """第2、7行 (工作表“一组”第2行 over sheets); the first ten places and how many."""
        indexes = list(indexes)
        more = f"等{len(indexes)}处" if len(indexes) > 10 else ""
        if not self.sheets:
            return "第" + "、".join(str(i) for i in indexes[:10]) + "行" + more
        return "、".join("工作表“{1}”第{0}行".format(*self.place(i)) for i in indexes[:10]) + more

    def problem(self, index: int, column: str, value: str, reason: str) -> Problem:
        """A problem of one row, its sheet named when the ledger spans several."""
        row, sheet = self.place(index)
        return Problem(row, column, value, f"{reason}（工作表“{sheet}”）" if sheet else reason)
