"""Cells a unit's office software, or a hostile hand, writes (issue 23, point 7): each read as a
person means it, or refused naming its row and column."""

from __future__ import annotations

import datetime as dt

from sprint.demo.ledgers import write_ledger
from sprint.reading.one_verdict import validate_fenced
from tests.factories import make_ledger

DAY = dt.date(2020, 10, 9)


def test_full_width_numbers_are_read_as_full_width_ids_are(plan, tmp_path):
    """A Chinese input method types １,２３４ and ３５００．５: read as 1234 and 3500.5, as a
    full-width ID number is read as its digits (they were refused as 应为数字)."""
    frame = make_ledger("220802", rows=3)
    frame["月收入(元)"] = frame["月收入(元)"].astype(object)
    frame.loc[0, "月收入(元)"] = "１,２３４"
    frame.loc[1, "月收入(元)"] = "３５００．５"
    verdict = validate_fenced(write_ledger(frame, tmp_path / "a.csv"), plan, "220802", DAY)
    assert verdict.accepted, verdict.problems
    assert verdict.ledger["月收入(元)"].tolist()[:2] == [1234.0, 3500.5]


def test_an_18_mb_cell_is_refused_naming_its_row_and_column(plan, tmp_path):
    """One cell of 6,291,456 characters (18 MB of UTF-8) in a CSV under the 20 MB limit:
    refused at 第4行, 就业单位, over Excel's 32,767 characters a cell (it was refused as 文件内容
    无法处理（Error）, the CSV reader's own limit)."""
    frame = make_ledger("220802", rows=6)
    frame.loc[2, "就业单位"] = "厂" * (6 * 1024 * 1024)
    path = write_ledger(frame, tmp_path / "a.csv")
    assert 18 * 1024 * 1024 < path.stat().st_size < 20 * 1024 * 1024
    [problem] = validate_fenced(path, plan, "220802", DAY).problems
    assert (problem.row, problem.column) == (4, "就业单位")
    assert problem.reason.startswith("单元格内容超过 32,767 个字符")
