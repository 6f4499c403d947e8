"""The spreadsheets we send print as a recipient needs them: each attachment of a sent mail is
opened in LibreOffice and printed to PDF, and its pages are read back (poppler's pdftotext)."""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from sprint.demo.inbox import seed
from sprint.demo.target_rows import roster_rows, visit_rows
from sprint.mailout.workbook import masked, to_xlsx
from tests.factories import beijing, drop, make_ledger

TOOLS = ("libreoffice", "pdftotext", "pdfinfo")
if not all(shutil.which(t) for t in TOOLS):
    # CI installs them (.ci/run); elsewhere the check is skipped, said so.
    pytestmark = pytest.mark.skipif(not os.environ.get("CI"), reason="needs LibreOffice and poppler-utils")

UNITS = ["洮北区", "镇赉县", "通榆县", "洮南市", "大安市", "白城经济开发区", "查干浩特旅游经济开发区"]


def printed(workbook: bytes, folder: Path, name: str) -> list[str]:
    """The text of each page of the workbook printed by LibreOffice, checked to be landscape."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.xlsx"
    path.write_bytes(workbook)
    subprocess.run(["libreoffice", f"-env:UserInstallation=file://{folder / 'profile'}",
                    "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(path)],
                   check=True, capture_output=True, timeout=180)
    pdf = path.with_suffix(".pdf")
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], check=True,
                          capture_output=True, text=True).stdout
    sizes = re.findall(r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)", info)
    assert sizes and all(float(w) > float(h) for w, h in sizes), "every page is landscape"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    pages = text.split("\f")[:len(sizes)]
    assert len(pages) == len(sizes)
    return pages


def assert_every_page_carries_the_header_and_whose_rows(pages: list[str], columns: list[str]):
    for number, page in enumerate(pages, start=1):
        lines = page.splitlines()
        rows = [line for line in lines if re.search(r"\d{6}\*{8}\d{3}[\dX]", line)]
        assert rows, number
        header = "".join(lines[:lines.index(rows[0])])  # a title may wrap onto a second line
        # Every column's title on every page: no column was pushed to a page of its own.
        assert all(c in header for c in columns), (number, header)
        assert all(re.match(rf"\s*\w+\s+({'|'.join(UNITS)})\s", r) for r in rows), number
        assert f"第 {number} 页，共 {len(pages)} 页" in page


@pytest.mark.integration
def test_the_labor_summary_and_a_long_problem_list_print_well(prefect_server, home, sink):
    from tests.factories import labor_ledger

    seed(home / "inbox")  # the bench's demo: 7 labor ledgers, 4,130 rows
    broken = make_ledger("220882", rows=260)
    broken["身份证号"] = broken["身份证号"].str[:17].map(lambda s: s + ("1" if s[-1] != "1" else "2"))
    drop(home / "inbox", "220882", "大安市台账.xlsx", broken, "2020-10-09 15:00")
    state = labor_ledger(as_of=beijing("2020-10-12 12:00"), return_state=True)
    assert state.is_completed(), state.message

    attachments = {part.get_filename(): part.get_payload(decode=True)
                   for _, message in sink.handler.received for part in message.iter_attachments()
                   if (part.get_filename() or "").endswith(".xlsx")}
    summary = attachments["贫困劳动力转移就业台账汇总_2020-10-09.xlsx"]
    rows = len(pd.read_excel(pd.io.common.BytesIO(summary)))
    pages = printed(summary, home / "print", "summary")
    # 252 portrait pages before, the later ones without the unit or name columns.
    assert len(pages) <= math.ceil(rows / 40), (len(pages), rows)
    assert_every_page_carries_the_header_and_whose_rows(
        pages, ["填报单位", "单位名称", "序号", "乡镇", "村", "姓名", "身份证号", "人员类别", "务工区域",
                "务工地点", "就业单位", "就业形式", "务工开始日期", "月收入", "联系电话"])

    problems = printed(attachments["问题清单.xlsx"], home / "print", "problems")
    assert len(problems) <= math.ceil(260 / 25)
    for page in problems:
        assert re.search(r"行\s+列\s+值\s+问题", page)
        assert "校验码错误" in page


@pytest.mark.integration  # LibreOffice
def test_the_widest_ledger_fits_one_page_wide_with_names_on_every_page(plan, tmp_path):
    template = max(plan.templates.values(), key=lambda t: len(t.columns))
    assert template.name == "入户走访记录"
    parts = []
    for unit in plan.owners(plan.duty("household-visits")):
        frame = visit_rows(roster_rows(unit.code, 60, 7, dt.date(2020, 10, 1)), 55, 4,
                           dt.date(2020, 10, 15), 7)
        frame.insert(0, "单位名称", unit.name)
        frame.insert(0, "填报单位", unit.code)
        parts.append(frame)
    ledger = masked(pd.concat(parts, ignore_index=True), ["户主身份证号"])
    pages = printed(to_xlsx({"汇总台账": ledger}), tmp_path, "visits")
    assert 1 < len(pages) <= math.ceil(len(ledger) / 40)
    titles = ["填报单位", "单位名称", *(c.name for c in template.columns)]
    # A title wider than its column goes on two lines: look for its first characters.
    assert_every_page_carries_the_header_and_whose_rows(pages, [t[:3] for t in titles])
