"""Targets held against compiled ledgers: one evaluator for every target of the plan.

Every figure comes with the formula and the counts behind it ("获贷 1 户 ÷ 可贷范围内贫困户
5 户 = 20.0%"), so that an official can check it before signing. A target held `each` village
or budget unit judges every part: a unit's sum never hides a part that falls short.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from fractions import Fraction

import pandas as pd

from sprint.domain import idcard
from sprint.domain.engine.book import of_unit
from sprint.domain.engine.per_household import collapse
from sprint.domain.figures import exact, number, percent, points, total, whole
from sprint.domain.plan import Plan, Target, Values

CITY = "city"
CITY_TOTAL = "全市合计"


@dataclass(frozen=True)
class Result:
    target: Target
    unit: str  # a unit code, or CITY
    name: str
    value: Fraction | None  # exact; None: nothing to measure
    met: bool | None  # None: not judged (nothing submitted, nothing to divide, no threshold,
    # a baseline not given, a share over the whole it is part of)
    formula: str  # the counts behind the figure
    verdict: str  # 达标, the shortfall in words, 未报送 ...
    parts: tuple[Result, ...] = ()  # per `each` value
    notes: tuple[str, ...] = field(default=())  # beside figures, averages, counts

    def shown(self) -> str:
        if self.value is None:
            return "—"
        if self.target.metric in ("share", "ratio"):
            return percent(self.value, (self.target.at_least, self.target.stretch))
        return number(self.value)


def matching(frame: pd.DataFrame, conditions: Values) -> pd.Series:
    """Rows where every column holds one of its listed values (all rows when none is listed)."""
    mask = pd.Series(True, index=frame.index)
    for column, values in conditions.items():
        mask &= frame[column].isin(values)
    return mask


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
    total_line = _city_total(t, out, [u for u in owners if u in held]) if t.city_total else None
    return out + ([total_line] if total_line else [])


def _city_total(t: Target, out: list[Result], held: list[str]) -> Result | None:
    """The units' figures added up beside them, judged against their thresholds added up only
    once every unit has reported and every threshold is given."""
    measured = [r for r in out if r.value is not None]
    if not measured:
        return None
    w, unit_word = t.words, t.words.get("unit", "")
    value = sum((r.value for r in measured), Fraction(0))
    formula = f"{w.get('figure', t.title)} {number(value)} {unit_word}（{len(measured)}个单位已报送）"
    lines = [t.at_least_by_unit.get(u) for u in held]
    if None in lines:
        said = f"{w.get('threshold', '基数')}数据未提供，暂不判定" if t.baseline else "仅列示"
        return Result(t, CITY, CITY_TOTAL, value, None, formula, said)
    if len(measured) < len(held):
        return Result(t, CITY, CITY_TOTAL, value, None, formula,
                      f"{len(held) - len(measured)}个单位未报送，暂不判定")
    threshold = sum(lines)
    formula += f"，{w.get('threshold', '目标')} {threshold} {unit_word}".rstrip()
    return _judged(t, CITY, CITY_TOTAL, value, threshold, formula, unit_word, [])


def _result(t: Target, unit: str, name: str, rows: pd.DataFrame, as_of: dt.date,
            by_unit: int | None) -> Result:
    if t.each:
        parts = tuple(_one(t, unit, str(key), part, as_of, None)
                      for key, part in rows.groupby(t.each, sort=True)) if len(rows) else ()
        whole_ = _one(t, unit, name, rows, as_of, by_unit)
        short = [p for p in parts if p.met is False]
        wrong = [p for p in parts if p.value is not None and p.met is None and _over_whole(t, p.value)]
        if not t.judged:
            return Result(t, unit, name, whole_.value, None, whole_.formula,
                          _said(["方案未设比例，仅列示"], wrong),
                          tuple(sorted(parts, key=lambda p: (p.value is None, p.value or 0))))
        met = None if whole_.value is None or (wrong and not short) else not short
        verdict = ("达标" if met else _said(["未达标：" + "、".join(
            f"{p.name} {p.shown()}" for p in short)] if short else [], wrong)
                   ) if whole_.value is not None else whole_.verdict
        return Result(t, unit, name, whole_.value, met, whole_.formula, verdict,
                      tuple(short + wrong), whole_.notes)
    return _one(t, unit, name, rows, as_of, by_unit)


def _said(words: list[str], wrong: list[Result]) -> str:
    """The verdict with the parts whose share is over the whole they are part of."""
    if wrong:
        words = [*words, "数据有误：" + "、".join(f"{p.name} {p.shown()}" for p in wrong)
                 + "（超过100%，请核实）"]
    return "；".join(words)


def _over_whole(t: Target, value: Fraction) -> bool:
    return t.part_of_whole and value > 1


def _one(t: Target, unit: str, name: str, rows: pd.DataFrame, as_of: dt.date,
         by_unit: int | None) -> Result:
    w = t.words
    scoped = rows[matching(rows, t.where)] if len(rows) else rows
    notes: list[str] = []
    if t.metric in ("count", "sum"):
        value = Fraction(len(scoped)) if t.metric == "count" else \
            total(scoped[t.column]) if len(scoped) else Fraction(0)
        formula = f"{w.get('figure', t.title)} {number(value)} {w.get('unit', '')}".strip()
        threshold = by_unit if by_unit is not None else t.at_least
        if by_unit is not None:
            formula += f"，{w.get('threshold', '目标')} {by_unit} {w.get('unit', '')}".rstrip()
        elif t.baseline:
            return Result(t, unit, name, value, None, formula,
                          f"{w.get('threshold', '基数')}数据未提供，暂不判定")
        return _judged(t, unit, name, value, threshold, formula, w.get("unit", ""), notes)
    if t.metric == "ratio":
        num = sum((_total(scoped, c) for c in t.numerator), Fraction(0))
        den = sum((_total(scoped, c) for c in t.denominator), Fraction(0))
        unit_word = w.get("unit", "")
        for words, columns in (("denominator", t.denominator), ("numerator", t.numerator)):
            if len(scoped) and not any(_filled(scoped, c) for c in columns):  # 未填 is not 0 元
                said = w.get(words, "分母" if words == "denominator" else "分子")
                return Result(t, unit, name, None, None, f"{said} 未填", f"{said}未填，无法计算")
        if not den:
            return Result(t, unit, name, None, None, f"{w.get('denominator', '分母')} 0 {unit_word}",
                          f"无{w.get('denominator', '分母')}，无法计算")
        value = num / den
        formula = (f"{w.get('numerator', '分子')} {number(num)} {unit_word} ÷ "
                   f"{w.get('denominator', '分母')} {number(den)} {unit_word} = "
                   f"{percent(value, (t.at_least, t.stretch))}")
        if _over_whole(t, value):
            return Result(t, unit, name, value, None, formula,
                          f"数据有误：{w.get('numerator', '分子')}超过{w.get('denominator', '分母')}"
                          f"（{percent(value)}），请核实")
        return _judged(t, unit, name, value, t.at_least, formula, "", notes)
    return _share(t, unit, name, rows, as_of)


def _share(t: Target, unit: str, name: str, rows: pd.DataFrame, as_of: dt.date) -> Result:
    w = t.words
    if t.household and len(rows):  # a household's loans on several rows are one household
        rows = collapse(rows, t.household, (t.hit, t.count_also), t.average)
    hits, eligible = _hits(t, rows, t.population, as_of)
    notes = []
    # 平均户贷量 and 逾期 are over every household of the population that borrowed (已贷款贫困户):
    # the lending scope limits the rate's denominator only.
    borrowed = rows[matching(rows, t.population) & matching(rows, t.where)
                    & matching(rows, t.hit)] if len(rows) else rows
    if t.average and len(borrowed):
        amounts = borrowed[t.average].dropna()
        if len(amounts):
            summed = total(amounts)
            notes.append(f"{t.average_words} {number(whole(summed / len(amounts)))} 元"
                         f"（{number(summed)} 元 ÷ {len(amounts)} {w.get('unit', '')}）")
    if t.count_also:
        notes.append(f"{t.count_also_words} {int(matching(borrowed, t.count_also).sum())} "
                     f"{w.get('unit', '')}")
    for b in t.beside:
        h, e = _hits(t, rows, b.population, as_of)
        notes.append(f"{b.label}：" + _share_words(b.words, len(h), e))
    if not eligible:
        return Result(t, unit, name, None, None, _share_words(w, 0, 0),
                      f"无{w.get('eligible', '可计算对象')}，无法计算", notes=tuple(notes))
    value = Fraction(len(hits), eligible)
    return _judged(t, unit, name, value, t.at_least,
                   _share_words(w, len(hits), eligible, (t.at_least, t.stretch)), "", notes)


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


def _share_words(w: dict[str, str], hits: int, eligible: int, lines=()) -> str:
    u = w.get("unit", "")
    text = f"{w.get('hit', '符合')} {hits} {u} ÷ {w.get('eligible', '总数')} {eligible} {u}"
    return text + (f" = {percent(Fraction(hits, eligible), lines)}" if eligible else "")


def _filled(rows: pd.DataFrame, column: str) -> bool:
    return bool(pd.to_numeric(rows[column], errors="coerce").notna().any())


def _total(rows: pd.DataFrame, column: str) -> Fraction:
    return total(rows[column]) if len(rows) else Fraction(0)


def _judged(t: Target, unit: str, name: str, value: Fraction, threshold: float | None,
            formula: str, unit_word: str, notes: list[str]) -> Result:
    if threshold is None:
        return Result(t, unit, name, value, None, formula, "方案未定数量，仅列示", notes=tuple(notes))
    ratio = t.metric in ("share", "ratio")
    line = exact(threshold)
    if value < line:
        gap = (f"差{points(line - value)}个百分点" if ratio
               else f"差{number(line - value)}{unit_word}")
        shown = f"{number(line * 100)}%" if ratio else number(line)
        return Result(t, unit, name, value, False, formula, f"低于{shown}，{gap}", notes=tuple(notes))
    verdict = "达标"
    if t.stretch is not None:
        aim = exact(t.stretch)
        verdict += (f"，达到争取目标{number(aim * 100)}%" if value >= aim else
                    f"，距争取目标{number(aim * 100)}%差{points(aim - value)}个百分点")
    if t.noted_above is not None and value > exact(t.noted_above):
        verdict += f"（超过{number(t.noted_above)}{unit_word}，方案要求为"\
                   f"{number(threshold)}-{number(t.noted_above)}{unit_word}，不作为未达标）"
    return Result(t, unit, name, value, True, formula, verdict, notes=tuple(notes))
