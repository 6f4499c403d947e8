"""A row whose part is over its whole (wages over the solar income they are paid from): taken,
and named to the unit in its acceptance, row by row, so the unit checks it before the summary
calls it 数据有误."""

from __future__ import annotations

from fractions import Fraction

import pandas as pd

from sprint.domain.figures import number, percent, total
from sprint.domain.plan import Duty
from sprint.domain.records import Problem


def over_whole(duty: Duty, ledger: pd.DataFrame) -> list[Problem]:
    notes = []
    for t in duty.targets:
        columns = (*t.numerator, *t.denominator)
        if not t.part_of_whole or not len(ledger) or any(c not in ledger for c in columns):
            continue
        w, unit = t.words, t.words.get("unit", "")
        for row, cells in ledger[list(columns)].iterrows():
            part = sum((total([cells[c]]) for c in t.numerator), Fraction(0))
            whole = sum((total([cells[c]]) for c in t.denominator), Fraction(0))
            if whole and part > whole:
                notes.append(Problem(int(row), t.numerator[0], "", (
                    f"{w.get('numerator', '分子')} {number(part)} {unit}超过"
                    f"{w.get('denominator', '分母')} {number(whole)} {unit}（{percent(part / whole)}），"
                    "请核实（已接收，仅作提示）")))
    return notes
