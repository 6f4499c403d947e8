"""Recognising which ledger a file is, and checking it against its template."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from sprint import rules
from sprint.plan import Plan, Template
from sprint.reading import Sheet, UnreadableFile, read_sheets

HEADER_SEARCH_ROWS = 10  # county offices put a title row or two above the header
PERIOD_COLUMN = "报送期"
TOTAL_WORDS = ("合计", "总计", "小计", "合  计")
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
    duty_hint: str | None = None
    failure: str | None = None  # what broke while reading, for the operator (not the unit)

    @property
    def accepted(self) -> bool:
        return self.template is not None and not self.problems


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


def validate_file(path: Path, plan: Plan, unit_code: str | None, as_of: dt.date) -> Verdict:
    """Check one file against the plan's templates; every problem is listed, nothing raises."""
    try:
        sheets = read_sheets(path, plan.limits)
    except UnreadableFile as e:
        return Verdict(problems=[Problem(None, "", "", str(e))])
    found = recognise(sheets, plan)
    if found is None:
        names = "、".join(t.name for t in plan.templates.values())
        return Verdict(
            problems=[Problem(None, "", "", f"无法识别台账类型：前{HEADER_SEARCH_ROWS}行中找不到"
                              f"任何台账模板的表头（{names}），请使用模板的表头行")]
        )
    key, template, header = found
    verdict = Verdict(template_key=key, template=template, sheet=header.sheet.name)
    if header.sheet.hidden:
        verdict.problems.append(Problem(None, "", "", f"台账在隐藏的工作表“{header.sheet.name}”中："
                                        "请取消隐藏，或把台账放到可见的工作表后重新提交"))
        return verdict
    try:
        _check_rows(verdict, header, plan, unit_code, as_of)
    except Exception as e:  # a file no rule foresaw must still get an answer, not a traceback
        verdict.problems.append(Problem(None, "", "", f"文件内容无法处理（{type(e).__name__}），"
                                        "请用 Excel 另存为 .xlsx 后重新提交"))
    return verdict


def _is_total(text: dict[int, pd.Series], header: list[str], template: Template) -> pd.Series:
    """Rows like 合计/小计 that offices add below the data: a total word and no ID number."""
    first = next(iter(text.values()))
    ids = [header.index(c.name) for c in template.columns if c.type == "id_number" and c.name in header]
    no_id = text[ids[0]].eq("").to_numpy() if ids else np.ones(len(first), dtype=bool)
    word = np.zeros(len(first), dtype=bool)
    if no_id.any():  # most ledgers have an ID on every row: no row to look at
        for series in text.values():
            word |= series.isin(TOTAL_WORDS).to_numpy()
    return pd.Series(word & no_id, index=first.index)


def _when(conditions: dict[str, tuple[str, ...]], column_of) -> tuple[np.ndarray | None, str]:
    """Rows where any condition holds, and the conditions in words."""
    held = None
    for name, values in conditions.items():
        cells = column_of(name)
        if cells is not None:
            here = cells.isin(values).to_numpy()
            held = here if held is None else held | here
    words = "或".join(f"“{n}”为“{'/'.join(v)}”" for n, v in conditions.items())
    return held, words


def _cross_rules(column, empty: np.ndarray, column_of) -> rules.Reasons:
    """Rules between columns: required when another column says so, empty unless it does."""
    reasons = rules.Reasons(len(empty))
    if not (column.required_when or column.empty_unless or column.required_when_filled):
        return reasons
    if column.required_when:
        held, words = _when(column.required_when, column_of)
        if held is not None:
            reasons.add(held & empty, f"{words}时必填")
    if column.empty_unless:
        held, words = _when(column.empty_unless, column_of)
        if held is not None:
            reasons.add(~held & ~empty, f"仅在{words}时填写，否则应为空")
    if column.required_when_filled:
        other = column_of(column.required_when_filled)
        if other is not None:
            reasons.add(other.ne("").to_numpy() & empty,
                        f"填写了“{column.required_when_filled}”时必填")
    return reasons


def _check_rows(verdict: Verdict, found: Header, plan: Plan, unit_code: str | None,
                as_of: dt.date) -> None:
    template = verdict.template
    assert template is not None
    header, header_row = found.names, found.excel_row
    frame, table = found.sheet.table(found.index + found.depth, len(header))
    text = {i: table[i] for i in table.columns}
    arrays = {i: rules.arrow(column) for i, column in text.items()}
    empties = {i: rules.flags(pc.equal(a, "")) for i, a in arrays.items()}  # once, for all rules
    if text:
        blank = np.logical_and.reduce(list(empties.values()))
        keep = ~pd.Series(blank, index=table.index) & ~_is_total(text, header, template)
    else:
        keep = pd.Series(False, index=table.index)
    missing = [c.name for c in template.columns if c.required and c.name not in header]
    for name in missing:
        verdict.problems.append(Problem(header_row, name, "", "缺少必填列（请使用模板的表头）"))
    if not keep.any():
        verdict.problems.append(Problem(None, "", "", "文件中没有数据行"))
    if missing or not keep.any():
        return
    cleaned = {}
    problems = []
    if not keep.all():  # blank and total rows out; most files have none, and skip the copies
        text = {i: cells[keep] for i, cells in text.items()}
        arrays = {i: rules.arrow(cells) for i, cells in text.items()}
        empties = {i: empty[keep.to_numpy()] for i, empty in empties.items()}
        frame = frame[keep] if frame is not None else None
    for column in template.columns:
        if column.name not in header:
            continue
        i = header.index(column.name)
        cells = text[i]
        raw = frame[i] if frame is not None else None
        value, reasons = rules.check(column, raw, cells, as_of, arrays[i], empties[i])
        if column.unique and len(pc.unique(arrays[i])) < len(cells):
            dup = (cells.ne("") & cells.duplicated(keep=False)).to_numpy() & ~reasons.bad
            if dup.any():
                rows_of = cells[dup].groupby(cells[dup]).transform(
                    lambda s: "、".join(str(r) for r in s.index)
                )
                words = np.full(len(cells), "", dtype=object)
                words[dup] = ("在本文件中重复出现（第" + rows_of + "行）").to_numpy()
                reasons.add(dup, words)
        cross = _cross_rules(column, empties[i], lambda name: text[header.index(name)]
                             if name in header else None)
        if cross.bad.any():
            reasons.add(cross.bad & ~reasons.bad, cross.text)
        bad = reasons.bad
        if bad.any():
            problems.append(pd.DataFrame({"row": cells.index[bad], "column": column.name,
                                          "value": cells[bad].to_numpy(),
                                          "reason": reasons.text[bad]}))
        cleaned[column.name] = value
        if column.type == "id_number" and unit_code and unit_code.isdigit():
            elsewhere = ~rules.flags(pc.starts_with(rules.arrow(value.fillna(unit_code)),
                                                    unit_code)) & ~bad
            verdict.notes.extend(
                Problem(int(r), column.name, v[:6], "身份证号不是本县签发（已接收，仅作提示）")
                for r, v in value[elsewhere].items()
            )
    if PERIOD_COLUMN in header:
        hint = text[header.index(PERIOD_COLUMN)]
        verdict.period_hint = next((v for v in hint if v), None)
    if template.duty_column and template.duty_column in header:
        hint = text[header.index(template.duty_column)]
        verdict.duty_hint = next((v for v in hint if v), None)
    found = pd.concat(problems).sort_values(["row"], kind="stable") if problems else None
    if found is not None:
        verdict.problems.extend(
            Problem(int(r.row), r.column, str(r.value), r.reason) for r in found.itertuples()
        )
    verdict.ledger = pd.concat(cleaned, axis=1)  # the columns side by side (a third of the
    verdict.ledger.index.name = "row"  # time of DataFrame(), which checks them for alignment)
