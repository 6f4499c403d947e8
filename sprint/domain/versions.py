"""A new version of a ledger against the one it replaces, row by row on its key column: which
rows came in, which went, which changed (and in which columns)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from sprint.domain.records import Problem

LISTED = 50  # rows named one by one in a reply; the counts always cover all


@dataclass(frozen=True)
class Row:
    key: str
    row: int | None  # the row Excel shows in the file it is in (the old one for a removal)
    name: str = ""  # a name beside the key, to help the reader (姓名, 户主姓名 …)
    columns: tuple[str, ...] = ()  # what changed


@dataclass(frozen=True)
class Changes:
    key: str
    added: list[Row] = field(default_factory=list)
    removed: list[Row] = field(default_factory=list)
    changed: list[Row] = field(default_factory=list)

    def counts(self) -> tuple[int, int, int]:
        return len(self.added), len(self.removed), len(self.changed)

    def summary(self) -> str:
        a, r, c = self.counts()
        return f"较上一版：新增{a}行，删除{r}行，修改{c}行"

    def notes(self) -> list[Problem]:
        """The summary, then each row named (up to LISTED), as notes of the new file."""
        lines = [Problem(None, "", "", self.summary())]
        for label, rows in (("新增", self.added), ("删除", self.removed), ("修改", self.changed)):
            for r in rows:
                what = f"（{'、'.join(r.columns)}）" if r.columns else ""
                name = f" {r.name}" if r.name else ""
                lines.append(Problem(r.row, "", "", f"{label}：{self.key} {r.key}{name}{what}"))
        return lines[: LISTED + 1]


def cell_text(value) -> str:
    """A cell as compared: empty for missing, dates and numbers in one spelling."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value).strip()


def compare(old: pd.DataFrame, new: pd.DataFrame, key: str, columns: Iterable[str],
            ignore: Iterable[str] = (), name: str | None = None) -> Changes:
    """Rows of `new` against `old` on `key`; `columns` are compared, less `ignore` (a 序号 that
    only counts rows). Rows with an empty key are left out: they have no identity to follow."""
    ignored = set(ignore) | {key}
    compared = [c for c in columns if c not in ignored and c in old.columns and c in new.columns]

    def rows(frame: pd.DataFrame) -> dict[str, tuple[int | None, pd.Series]]:
        out = {}
        for index, row in frame.iterrows():
            k = cell_text(row.get(key))
            if k:
                out.setdefault(k, (int(index) if isinstance(index, int) else None, row))
        return out

    before, after = rows(old), rows(new)

    def named(row: pd.Series) -> str:
        return cell_text(row.get(name)) if name else ""

    changes = Changes(key)
    for k, (at, row) in after.items():
        if k not in before:
            changes.added.append(Row(k, at, named(row)))
            continue
        differ = tuple(c for c in compared if cell_text(before[k][1].get(c)) != cell_text(row.get(c)))
        if differ:
            changes.changed.append(Row(k, at, named(row), differ))
    changes.removed.extend(Row(k, at, named(row)) for k, (at, row) in before.items()
                           if k not in after)
    return changes
