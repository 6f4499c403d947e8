"""Recognising which ledger a file is, and checking it against its template."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from sprint.domain import rules
from sprint.domain.plan import Plan, Template
from sprint.domain.records import Problem
from sprint.reading.bounded import bounded
from sprint.reading.headers import HEADER_SEARCH_ROWS, STRIDE, Header, recognise, same_ledger
from sprint.reading.sheets import UnreadableFile, read_sheets
from sprint.reading.verdict import Verdict

PERIOD_COLUMN = "报送期"
ENCODING = ("文本文件的编码无法识别（不是 UTF-8、UTF-16、GBK 或 GB18030，可能是 Big5 等其他编码）："
            "请以 UTF-8 或 GBK 编码另存为 .csv 后重新提交")
TOTAL_WORDS = ("合计", "总计", "小计", "合  计")
NOTHING_TO_REPORT = "文件只有表头、没有数据行：按本期无数据计为已报送；如有数据漏填，请补齐后重新报送"


def validate_file(path: Path, plan: Plan, unit_code: str | None, as_of: dt.date) -> Verdict:
    """Check one file against the plan's templates; the first `max_problems` problems are listed
    and the rest counted (sprint/reading/bounded.py), nothing raises."""
    return bounded(_validate(path, plan, unit_code, as_of), plan.limits.max_problems)


def _validate(path: Path, plan: Plan, unit_code: str | None, as_of: dt.date) -> Verdict:
    try:
        sheets = read_sheets(path, plan.limits)
    except UnreadableFile as e:
        return Verdict(problems=[Problem(None, "", "", str(e))])
    found = recognise(sheets, plan)
    if found is None:
        if any(s.encoding_doubt for s in sheets):
            return Verdict(problems=[Problem(None, "", "", ENCODING)])
        names = "、".join(t.name for t in plan.templates.values())
        return Verdict(
            problems=[Problem(None, "", "", f"无法识别台账类型：前{HEADER_SEARCH_ROWS}行中找不到"
                              f"任何台账模板的表头（{names}），请使用模板的表头行")]
        )
    key, template, header = found
    verdict = Verdict(template_key=key, template=template, sheet=header.sheet.name,
                      title=" ".join(str(c) for row in header.sheet.rows[:header.index]
                                     for c in row if c not in (None, "")))
    if header.sheet.hidden:
        verdict.problems.append(Problem(None, "", "", f"台账在隐藏的工作表“{header.sheet.name}”中："
                                        "请取消隐藏，或把台账放到可见的工作表后重新提交"))
        return verdict
    group, others = same_ledger(sheets, header, plan)
    for name in others:
        verdict.problems.append(Problem(None, "", "", f"工作表“{name}”的表头与工作表"
                                        f"“{header.sheet.name}”的台账不同，其中的数据未被读取："
                                        "同一台账请用相同的表头，其他内容请另行报送"))
    if len(group) > 1:
        verdict.sheets = tuple(h.sheet.name for h in group)
        verdict.sheet = "、".join(verdict.sheets)
    try:
        _check_rows(verdict, group, plan, unit_code, as_of)
    except UnreadableFile as e:  # found only when all of a text file is read
        verdict.problems.append(Problem(None, "", "", str(e)))
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


def _rows(group: list[Header]) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """The rows under the header: of one sheet, or of several, one after another (numbered
    as STRIDE says)."""
    width = len(group[0].names)
    parts = [h.sheet.table(h.index + h.depth, width) for h in group]
    if len(parts) == 1:
        return parts[0]
    for k, (frame, table) in enumerate(parts, start=1):
        table.index = table.index + k * STRIDE
        frame.index = table.index  # several sheets: a workbook's, whose cells frame holds
    return pd.concat([f for f, _ in parts]), pd.concat([t for _, t in parts])


def _check_rows(verdict: Verdict, group: list[Header], plan: Plan, unit_code: str | None,
                as_of: dt.date) -> None:
    template = verdict.template
    assert template is not None
    found = group[0]
    header, header_row = found.names, found.excel_row
    division = plan.division(unit_code)  # "issued in this county": the ID's first six digits
    frame, table = _rows(group)
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
    if missing:
        return
    if not keep.any():  # the header alone: a unit with nothing to list reports just that
        verdict.notes.append(Problem(None, "", "", NOTHING_TO_REPORT))
        verdict.ledger = pd.DataFrame({c.name: pd.Series(dtype=object)
                                       for c in template.columns if c.name in header})
        verdict.ledger.index.name = "row"
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
        # An ID is the same person however it is written (x or X, full-width digits, spaces).
        key = value.fillna("") if column.type == "id_number" else cells
        if column.unique and len(pc.unique(rules.arrow(key))) < len(cells):
            dup = (key.ne("") & key.duplicated(keep=False)).to_numpy() & ~reasons.bad
            if dup.any():
                rows_of = key[dup].groupby(key[dup]).transform(
                    lambda s: verdict.rows_text(s.index))
                words = np.full(len(cells), "", dtype=object)
                words[dup] = ("在本文件中重复出现（" + rows_of + "）").to_numpy()
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
        if reasons.warnings is not None:
            warned = (reasons.warnings != "") & ~bad
            verdict.notes.extend(verdict.problem(int(r), column.name, "", words) for r, words
                                 in zip(cells.index[warned], reasons.warnings[warned], strict=True))
        if column.type == "id_number" and division:
            elsewhere = ~rules.flags(pc.starts_with(rules.arrow(value.fillna(division)),
                                                    division)) & ~bad
            verdict.notes.extend(
                verdict.problem(int(r), column.name, v[:6], "身份证号不是本县签发（已接收，仅作提示）")
                for r, v in value[elsewhere].items()
            )
    if PERIOD_COLUMN in header:
        hint = text[header.index(PERIOD_COLUMN)]
        verdict.period_hint = next((v for v in hint if v), None)
    if template.duty_column and template.duty_column in header:
        hint = text[header.index(template.duty_column)]
        verdict.duty_hint = next((v for v in hint if v), None)
    found = pd.concat(problems).sort_values(["row"], kind="stable") if problems else None
    if found is not None:  # 100,000 repeated header rows made 800,000 problems, 900 MB
        cap = plan.limits.max_problems
        verdict.unlisted += max(len(found) - cap, 0)
        verdict.problems.extend(verdict.problem(int(r.row), r.column, str(r.value), r.reason)
                                for r in found.head(cap).itertuples())
        del verdict.notes[cap:]
    verdict.ledger = pd.concat(cleaned, axis=1)  # the columns side by side (a third of the
    verdict.ledger.index.name = "row"  # time of DataFrame(), which checks them for alignment)
