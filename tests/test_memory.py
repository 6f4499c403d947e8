"""Files that cost a reader its memory (issue 23, point 6) and that list problems without end
(point 7): each read behind the fence as a run reads it. Peak memories measured by hand are in
the README's faults table (a fresh process reading each file unfenced, its ru_maxrss)."""

from __future__ import annotations

import datetime as dt
import zipfile

import pandas as pd
import pytest

from sprint.reading.one_verdict import validate_fenced
from tests.factories import make_ledger

DAY = dt.date(2020, 10, 9)


def csv_bytes(rows=6) -> bytes:
    return make_ledger("220802", rows=rows).to_csv(index=False).encode("utf-8")


def test_a_csv_followed_by_five_million_blank_lines_is_read_as_its_six_rows(plan, tmp_path):
    """6 rows and 5,000,000 blank lines (5 MB): blank lines are dropped while reading, so it is
    accepted with its 6 rows by a reader given 384 MB (it took 1,280 MB, and the plan's 1,536 MB
    reader died of it as ArrowMemoryError)."""
    path = tmp_path / "a.csv"
    path.write_bytes(csv_bytes() + b"\n" * 5_000_000)
    tight = plan.model_copy(update={"limits": plan.limits.model_copy(
        update={"reader_memory_mb": 384})})
    verdict = validate_fenced(path, tight, "220802", DAY)
    assert verdict.accepted, verdict.problems[:3]
    assert len(verdict.ledger) == 6


def test_five_million_blank_lines_between_rows_are_dropped_too(plan, tmp_path):
    """The same 5,000,000 blank lines (CRLF, as Windows writes them) between the third and
    fourth rows: accepted by a reader given 160 MB (Arrow made a row of each: 787 MB), the rows
    after them named by their own lines: a wrong region on the 5th row is line 5,000,006."""
    frame = make_ledger("220802", rows=6)
    frame.loc[4, "务工区域"] = "外省"
    lines = frame.to_csv(index=False, lineterminator="\r\n").encode().split(b"\r\n")
    path = tmp_path / "a.csv"
    path.write_bytes(b"\r\n".join(lines[:4] + [b""] * 5_000_000 + lines[4:]))
    tight = plan.model_copy(update={"limits": plan.limits.model_copy(
        update={"reader_memory_mb": 160})})
    [problem] = validate_fenced(path, tight, "220802", DAY).problems
    assert (problem.row, problem.column, problem.value) == (5_000_006, "务工区域", "外省")


def test_rows_are_still_named_by_their_line_after_blank_lines(plan, tmp_path):
    """A blank line between rows is skipped, and the rows after it keep the numbers a person
    sees: the header is line 1, rows 2-3, a blank line 4, and a bad region on line 6."""
    frame = make_ledger("220802", rows=4)
    frame.loc[3, "务工区域"] = "外省"
    lines = frame.to_csv(index=False).encode().split(b"\n")
    path = tmp_path / "a.csv"
    path.write_bytes(b"\n".join(lines[:3] + [b""] + lines[3:]) + b"\n\n\n")
    [problem] = validate_fenced(path, plan, "220802", DAY).problems
    assert (problem.row, problem.column, problem.value) == (6, "务工区域", "外省")


def test_a_header_repeated_100000_times_is_refused_with_a_bounded_list(plan, tmp_path):
    """A 15 MB CSV of 6 rows and its header again 100,000 times: refused for what it holds, its
    first 1,000 problems listed (the plan's max_problems) and a line counting the rest (it made
    800,000 problems and 900 MB, and was refused only because the reader ran out of memory)."""
    data = csv_bytes()
    header = data.split(b"\n")[0] + b"\n"
    path = tmp_path / "a.csv"
    path.write_bytes(data + header * 100_000)
    verdict = validate_fenced(path, plan, "220802", DAY)
    assert not verdict.accepted and verdict.failure is None
    assert len(verdict.problems) == 1001
    assert verdict.problems[0].row == 8
    last = verdict.problems[-1].reason
    assert last.startswith("以上列出前 1000 处问题，另有 ") and "未逐一列出" in last


@pytest.mark.integration  # ~10 s
def test_a_workbook_of_200_sheets_gives_a_bounded_problem_list(plan, tmp_path):
    """200 sheets of one ledger, the same 10 rows on each, every 务工区域 wrong: 2,000 wrong
    regions and 2,000 repeated IDs, of which the first 1,000 are listed and 3,000 counted, each
    repeated ID naming its first ten places and how many (each named all 200: 8 MB of text)."""
    frame = make_ledger("220802", rows=10)
    frame["务工区域"] = "外省"
    path = tmp_path / "a.xlsx"
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for i in range(200):
            frame.to_excel(writer, index=False, sheet_name=f"第{i + 1}组")
    verdict = validate_fenced(path, plan, "220802", DAY)
    assert len(verdict.problems) == 1001
    assert "另有 3000 处未逐一列出（共 4000 处）" in verdict.problems[-1].reason
    assert verdict.problems[0].reason.startswith("在本文件中重复出现（工作表“第1组”第2行、")
    assert "工作表“第10组”第2行等200处）" in verdict.problems[0].reason
    assert sum(len(p.reason) for p in verdict.problems) < 250_000


@pytest.mark.integration  # ~10 s
def test_an_xlsx_of_nine_million_shared_strings_is_refused_before_it_is_parsed(plan, tmp_path):
    """A 377 KB workbook whose shared-string table holds 9,000,000 strings (its reader peaked
    at 609 MB) is refused by their count, over the plan's max_cells (5,000,000), before any
    reader holds them."""
    source = tmp_path / "six.xlsx"
    from sprint.demo.ledgers import write_ledger

    write_ledger(make_ledger("220802", rows=6), source)
    path = tmp_path / "strings.xlsx"
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == "[Content_Types].xml":
                body = body.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" '
                                    b'ContentType="application/vnd.openxmlformats-officedocument.'
                                    b'spreadsheetml.sharedStrings+xml"/></Types>')
            z.writestr(item, body)
        z.writestr("xl/sharedStrings.xml", b'<sst xmlns="http://schemas.openxmlformats.org/'
                   b'spreadsheetml/2006/main">' + b"<si><t>x</t></si>" * 9_000_000 + b"</sst>")
    [problem] = validate_fenced(path, plan, "220802", DAY).problems
    assert problem.reason.startswith("文件中的文字条目有 9,000,000 个，超过单元格上限 5,000,000 个")
