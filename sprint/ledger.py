"""Recognising which ledger a file is, and checking it against its template."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from sprint import rules
from sprint.plan import Plan, Template
from sprint.reading import Sheet, UnreadableFile, read_sheets

HEADER_SEARCH_ROWS = 10  # county offices put a title row or two above the header
PERIOD_COLUMN = "报送期"
_HEADER_FIXES = str.maketrans({"（": "(", "）": ")", "\u3000": ""})


@dataclass(frozen=True)
class Problem:
    row: int | None  # the row number Excel shows; None for the file as a whole
    column: str
    value: str
    reason: str

    def describe(self) -> str:
        where = f"第{self.row}行" if self.row else "整个文件"
        column = f"“{self.column}”列" if self.column else ""
        value = f"（值：{self.value}）" if self.value else ""
        return f"{where}{column}{value}：{self.reason}"


@dataclass
class Verdict:
    template_key: str | None = None
    template: Template | None = None
    sheet: str = ""
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)
    ledger: pd.DataFrame = field(default_factory=pd.DataFrame)
    period_hint: str | None = None

    @property
    def accepted(self) -> bool:
        return self.template is not None and not self.problems


def clean_header(cell: object) -> str:
    return re.sub(r"\s+", "", str(cell if cell is not None else "")).translate(_HEADER_FIXES)


def recognise(sheets: list[Sheet], plan: Plan) -> tuple[str, Template, Sheet, int] | None:
    """The template whose columns best match a header row among the first rows of a sheet.

    A header must hold at least half of a template's required columns, so that a file with one
    column missing is still recognised and told which column is missing.
    """
    best: tuple[int, str, Template, Sheet, int] | None = None
    for sheet in sheets:
        for index, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]):
            names = {clean_header(c) for c in row}
            for key, template in plan.templates.items():
                hits = sum(name in names for name in template.required_names)
                if hits * 2 >= len(template.required_names) and (best is None or hits > best[0]):
                    best = (hits, key, template, sheet, index)
    return best[1:] if best else None


def validate_file(path: Path, plan: Plan, unit_code: str | None, as_of: dt.date) -> Verdict:
    """Check one file against the plan's templates; every problem is listed, nothing raises."""
    try:
        sheets = read_sheets(path)
    except UnreadableFile as e:
        return Verdict(problems=[Problem(None, "", "", str(e))])
    found = recognise(sheets, plan)
    if found is None:
        names = "、".join(t.name for t in plan.templates.values())
        return Verdict(
            problems=[Problem(None, "", "", f"无法识别台账类型：前{HEADER_SEARCH_ROWS}行中找不到"
                              f"任何台账模板的表头（{names}），请使用模板的表头行")]
        )
    key, template, sheet, header_index = found
    verdict = Verdict(template_key=key, template=template, sheet=sheet.name)
    try:
        _check_rows(verdict, sheet, header_index, plan, unit_code, as_of)
    except Exception as e:  # a file no rule foresaw must still get an answer, not a traceback
        verdict.problems.append(Problem(None, "", "", f"文件内容无法处理（{type(e).__name__}），"
                                        "请用 Excel 另存为 .xlsx 后重新提交"))
    return verdict


def _frame(sheet: Sheet, header_index: int) -> tuple[pd.DataFrame, list[str]]:
    header = [clean_header(c) for c in sheet.rows[header_index]]
    width = len(header)
    body = [(list(r) + [None] * width)[:width] for r in sheet.rows[header_index + 1 :]]
    frame = pd.DataFrame(body, columns=range(width), dtype=object)
    frame.index = frame.index + header_index + 2  # Excel's row numbers, 1-based, after the header
    return frame, header


def _check_rows(verdict: Verdict, sheet: Sheet, header_index: int, plan: Plan,
                unit_code: str | None, as_of: dt.date) -> None:
    template = verdict.template
    assert template is not None
    frame, header = _frame(sheet, header_index)
    header_row = header_index + 1
    text = {i: rules.as_text(frame[i]) for i in frame.columns}
    blank = pd.concat(text.values(), axis=1).eq("").all(axis=1) if text else frame.index == frame.index
    keep = ~blank
    missing = [c.name for c in template.columns if c.required and c.name not in header]
    for name in missing:
        verdict.problems.append(Problem(header_row, name, "", "缺少必填列（请使用模板的表头）"))
    if not keep.any():
        verdict.problems.append(Problem(None, "", "", "文件中没有数据行"))
    if missing or not keep.any():
        return
    cleaned = {}
    problems = []
    for column in template.columns:
        if column.name not in header:
            continue
        i = header.index(column.name)
        raw, cells = frame[i][keep], text[i][keep]
        value, reason = rules.check(column, raw, cells, as_of)
        if column.unique:
            dup = cells.ne("") & cells.duplicated(keep=False) & reason.eq("")
        if column.unique and dup.any():
            rows_of = cells[dup].groupby(cells[dup]).transform(
                lambda s: "、".join(str(r) for r in s.index)
            )
            reason[dup] = "在本文件中重复出现（第" + rows_of + "行）"
        bad = reason.ne("")
        problems.append(pd.DataFrame({"row": reason.index[bad], "column": column.name,
                                      "value": cells[bad].to_numpy(), "reason": reason[bad].to_numpy()}))
        cleaned[column.name] = value
        if column.type == "id_number" and unit_code and unit_code.isdigit():
            elsewhere = value.notna() & ~value.astype(str).str.startswith(unit_code) & ~bad
            verdict.notes.extend(
                Problem(int(r), column.name, v[:6], "身份证号不是本县签发（已接收，仅作提示）")
                for r, v in value[elsewhere].items()
            )
    if PERIOD_COLUMN in header:
        hint = text[header.index(PERIOD_COLUMN)][keep]
        verdict.period_hint = next((v for v in hint if v), None)
    found = pd.concat(problems).sort_values(["row"], kind="stable") if problems else None
    if found is not None:
        verdict.problems.extend(
            Problem(int(r.row), r.column, str(r.value), r.reason) for r in found.itertuples()
        )
    verdict.ledger = pd.DataFrame(cleaned)
    verdict.ledger.index.name = "row"
