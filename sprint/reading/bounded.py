"""A verdict's problems bounded: a file wrong on every row (100,000 repeated header rows, a
workbook of 200 foreign sheets) is refused with its first problems listed and the rest counted,
not with megabytes of text the unit cannot read and the reader cannot hold. The bound is the
plan's `limits.max_problems`."""

from __future__ import annotations

from sprint.domain.records import Problem


def bounded(verdict, cap: int):
    """The verdict (a reading.ledger.Verdict) with at most `cap` problems listed, and one line
    more saying how many were not."""
    verdict.unlisted += max(len(verdict.problems) - cap, 0)
    del verdict.problems[cap:]
    del verdict.notes[cap:]
    if verdict.unlisted:
        total = len(verdict.problems) + verdict.unlisted
        verdict.problems.append(Problem(None, "", "", (
            f"以上列出前 {len(verdict.problems)} 处问题，另有 {verdict.unlisted} 处未逐一列出（共 "
            f"{total} 处）：多为同类错误，请按以上提示整体修改后重新提交")))
    return verdict
