"""Targets held against compiled ledgers: each unit's (or the city's) figure and its shortfall."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from sprint import idcard
from sprint.measures import UNIT_COLUMN, matching
from sprint.plan import Target


@dataclass(frozen=True)
class Standing:
    target: Target
    unit: str  # a unit code, or "city"
    value: float | None  # None: nothing submitted to measure
    met: bool | None
    shortfall: str  # in words, "" when met
    extras: dict[str, float]

    def shown(self) -> str:
        if self.value is None:
            return "未报送"
        if self.target.metric in ("share", "ratio"):
            return f"{self.value * 100:.1f}%"
        return f"{self.value:g}"


def _threshold_words(t: Target, value: float) -> str:
    def fmt(x: float) -> str:
        return f"{x * 100:.0f}%" if t.metric in ("share", "ratio") else f"{x:g}"

    if t.at_least is not None and value < t.at_least:
        gap = t.at_least - value
        return f"低于{fmt(t.at_least)}，差{fmt(gap) if t.metric in ('share', 'ratio') else f'{gap:g}'}"
    if t.at_most is not None and value > t.at_most:
        return f"超过{fmt(t.at_most)}"
    return ""


def _value(t: Target, part: pd.DataFrame, as_of: dt.date) -> tuple[float, dict[str, float]]:
    extras: dict[str, float] = {}
    rows = part[matching(part, t.where)]
    if t.metric == "rows":
        return float(len(rows)), extras
    if t.metric == "sum":
        return float(pd.to_numeric(rows[t.column], errors="coerce").sum()), extras
    if t.metric == "ratio":
        num = sum(pd.to_numeric(rows[c], errors="coerce").fillna(0).sum() for c in t.numerator)
        den = sum(pd.to_numeric(rows[c], errors="coerce").fillna(0).sum() for c in t.denominator)
        return (float(num / den) if den else 0.0), extras
    eligible = rows[matching(rows, t.eligible)]
    if t.eligible_age is not None:
        rule = t.eligible_age
        age = idcard.ages_on(eligible[rule.column].astype(str), pd.Timestamp(as_of))
        eligible = eligible[age.between(rule.min, rule.max)]
    hits = eligible[matching(eligible, t.hit)]
    extras["eligible"] = float(len(eligible))
    extras["hits"] = float(len(hits))
    if t.average:
        amounts = pd.to_numeric(hits[t.average], errors="coerce")
        extras["average"] = float(amounts.mean()) if len(amounts.dropna()) else 0.0
    if t.count_also:
        extras["also"] = float(matching(hits, t.count_also).sum())
    return (len(hits) / len(eligible) if len(eligible) else 0.0), extras


def evaluate(t: Target, ledger: pd.DataFrame, units: list[str], submitted: set[str],
             as_of: dt.date) -> list[Standing]:
    """The target's standing per unit (only units that submitted are measured), or city-wide."""
    if t.scope == "city":
        if not submitted:
            return [Standing(t, "city", None, None, "无单位报送", {})]
        value, extras = _value(t, ledger, as_of)
        words = _threshold_words(t, value)
        return [Standing(t, "city", value, not words, words, extras)]
    out = []
    for unit in units:
        if unit not in submitted:
            out.append(Standing(t, unit, None, None, "未报送", {}))
            continue
        value, extras = _value(t, ledger[ledger[UNIT_COLUMN] == unit], as_of)
        threshold = t.at_least_by_unit.get(unit)
        if threshold is not None:
            words = f"低于{threshold}，差{threshold - value:g}" if value < threshold else ""
        else:
            words = _threshold_words(t, value)
        out.append(Standing(t, unit, value, not words, words, extras))
    return out
