"""Targets held against compiled ledgers: one evaluator for every target of the plan.

Every figure comes with the formula and the counts behind it ("获贷 1 户 ÷ 可贷范围内贫困户
5 户 = 20.0%"), so that an official can check it before signing. A target held `each` village
or budget unit judges every part: a unit's sum never hides a part that falls short.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from sprint.domain import idcard
from sprint.domain.engine.book import of_unit
from sprint.domain.plan import Plan, Target, Values

CITY = "city"


@dataclass(frozen=True)
class Result:
    target: Target
    unit: str  # a unit code, or CITY
    name: str
    value: float | None  # None: nothing to measure
    met: bool | None  # None: not judged (nothing submitted, nothing to divide, no threshold)
    formula: str  # the counts behind the figure
    verdict: str  # 达标, the shortfall in words, 未报送 ...
    parts: tuple[Result, ...] = ()  # per `each` value
    notes: tuple[str, ...] = field(default=())  # beside figures, averages, counts

    def shown(self) -> str:
        if self.value is None:
            return "—"
        return percent(self.value) if self.target.metric in ("share", "ratio") else number(self.value)


def matching(frame: pd.DataFrame, conditions: Values) -> pd.Series:
    """Rows where every column holds one of its listed values (all rows when none is listed)."""
    mask = pd.Series(True, index=frame.index)
    for column, values in conditions.items():
        mask &= frame[column].isin(values)
    return mask


def percent(x: float) -> str:
    return f"{x * 100:.1f}%"


def number(x: float) -> str:
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def evaluate(plan: Plan, t: Target, ledger: pd.DataFrame, owners: list[str], submitted: set[str],
             as_of: dt.date) -> list[Result]:
    """The target's standing for each unit held to it (only units that submitted are measured),
    or for the whole city."""
    if t.scope == CITY:
        if not submitted:
            return [Result(t, CITY, plan.everyone, None, None, "", "尚无单位报送")]
        return [_result(t, CITY, plan.everyone, ledger, as_of, None)]
    held = plan.group(t.units) if t.units else owners
    out = []
    for unit in [u for u in owners if u in held]:
        name = plan.unit(unit).name
        if unit not in submitted:
            out.append(Result(t, unit, name, None, None, "", "未报送"))
            continue
        out.append(_result(t, unit, name, of_unit(ledger, unit), as_of,
                           t.at_least_by_unit.get(unit)))
    return out


def _result(t: Target, unit: str, name: str, rows: pd.DataFrame, as_of: dt.date,
            by_unit: int | None) -> Result:
    if t.each:
        parts = tuple(_one(t, unit, str(key), part, as_of, None)
                      for key, part in rows.groupby(t.each, sort=True)) if len(rows) else ()
        whole = _one(t, unit, name, rows, as_of, by_unit)
        short = [p for p in parts if p.met is False]
        if not t.judged:
            return Result(t, unit, name, whole.value, None, whole.formula, "方案未设比例，仅列示",
                          tuple(sorted(parts, key=lambda p: (p.value is None, p.value or 0))))
        met = None if whole.value is None else not short
        verdict = ("达标" if met else "未达标：" + "、".join(
            f"{p.name} {p.shown()}" for p in short)) if met is not None else whole.verdict
        return Result(t, unit, name, whole.value, met, whole.formula, verdict,
                      tuple(short), whole.notes)
    return _one(t, unit, name, rows, as_of, by_unit)


def _one(t: Target, unit: str, name: str, rows: pd.DataFrame, as_of: dt.date,
         by_unit: int | None) -> Result:
    w = t.words
    scoped = rows[matching(rows, t.where)] if len(rows) else rows
    notes: list[str] = []
    if t.metric in ("count", "sum"):
        value = float(len(scoped)) if t.metric == "count" else \
            float(pd.to_numeric(scoped[t.column], errors="coerce").sum()) if len(scoped) else 0.0
        formula = f"{w.get('figure', t.title)} {number(value)} {w.get('unit', '')}".strip()
        threshold = by_unit if by_unit is not None else t.at_least
        if by_unit is not None:
            formula += f"，{w.get('threshold', '目标')} {by_unit} {w.get('unit', '')}".rstrip()
        return _judged(t, unit, name, value, threshold, formula, w.get("unit", ""), notes)
    if t.metric == "ratio":
        num = sum(_total(scoped, c) for c in t.numerator)
        den = sum(_total(scoped, c) for c in t.denominator)
        unit_word = w.get("unit", "")
        if not den:
            return Result(t, unit, name, None, None, f"{w.get('denominator', '分母')} 0 {unit_word}",
                          f"无{w.get('denominator', '分母')}，无法计算")
        value = num / den
        formula = (f"{w.get('numerator', '分子')} {number(num)} {unit_word} ÷ "
                   f"{w.get('denominator', '分母')} {number(den)} {unit_word} = {percent(value)}")
        return _judged(t, unit, name, value, t.at_least, formula, "", notes)
    return _share(t, unit, name, rows, as_of)


def _share(t: Target, unit: str, name: str, rows: pd.DataFrame, as_of: dt.date) -> Result:
    w = t.words
    hits, eligible = _hits(t, rows, t.population, as_of)
    notes = []
    if t.average and len(hits):
        amounts = pd.to_numeric(hits[t.average], errors="coerce").dropna()
        if len(amounts):
            notes.append(f"{t.average_words} {number(round(amounts.mean()))} 元"
                         f"（{number(amounts.sum())} 元 ÷ {len(amounts)} {w.get('unit', '')}）")
    if t.count_also:
        notes.append(f"{t.count_also_words} {int(matching(hits, t.count_also).sum())} "
                     f"{w.get('unit', '')}")
    for b in t.beside:
        h, e = _hits(t, rows, b.population, as_of)
        notes.append(f"{b.label}：" + _share_words(b.words, len(h), e))
    if not eligible:
        return Result(t, unit, name, None, None, _share_words(w, 0, 0),
                      f"无{w.get('eligible', '可计算对象')}，无法计算", notes=tuple(notes))
    value = len(hits) / eligible
    return _judged(t, unit, name, value, t.at_least, _share_words(w, len(hits), eligible), "",
                   notes)


def _hits(t: Target, rows: pd.DataFrame, population: Values,
          as_of: dt.date) -> tuple[pd.DataFrame, int]:
    if not len(rows):
        return rows, 0
    scope = rows[matching(rows, population) & matching(rows, t.where)]
    scope = scope[matching(scope, t.eligible)]
    if t.eligible_age is not None and len(scope):
        rule = t.eligible_age
        age = idcard.ages_on(scope[rule.column].astype(str), pd.Timestamp(as_of))
        scope = scope[age.between(rule.min, rule.max)]
    return scope[matching(scope, t.hit)], len(scope)


def _share_words(w: dict[str, str], hits: int, eligible: int) -> str:
    u = w.get("unit", "")
    text = f"{w.get('hit', '符合')} {hits} {u} ÷ {w.get('eligible', '总数')} {eligible} {u}"
    return text + (f" = {percent(hits / eligible)}" if eligible else "")


def _total(rows: pd.DataFrame, column: str) -> float:
    return float(pd.to_numeric(rows[column], errors="coerce").fillna(0).sum()) if len(rows) else 0.0


def _judged(t: Target, unit: str, name: str, value: float, threshold: float | None,
            formula: str, unit_word: str, notes: list[str]) -> Result:
    if threshold is None:
        return Result(t, unit, name, value, None, formula, "方案未定数量，仅列示", notes=tuple(notes))
    ratio = t.metric in ("share", "ratio")
    if value < threshold:
        gap = (f"差{(threshold - value) * 100:.1f}个百分点" if ratio
               else f"差{number(threshold - value)}{unit_word}")
        shown = f"{threshold * 100:g}%" if ratio else number(threshold)
        return Result(t, unit, name, value, False, formula, f"低于{shown}，{gap}", notes=tuple(notes))
    verdict = "达标"
    if t.stretch is not None:
        aim = f"{t.stretch * 100:g}%"
        verdict += (f"，达到争取目标{aim}" if value >= t.stretch else
                    f"，距争取目标{aim}差{(t.stretch - value) * 100:.1f}个百分点")
    if t.noted_above is not None and value > t.noted_above:
        verdict += f"（超过{number(t.noted_above)}{unit_word}，方案要求为"\
                   f"{number(threshold)}-{number(t.noted_above)}{unit_word}，不作为未达标）"
    return Result(t, unit, name, value, True, formula, verdict, notes=tuple(notes))
