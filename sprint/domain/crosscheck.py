"""Cross-checks of one accepted ledger against the other units' ledgers of the same period and
against the unit's own ledger of the period before (the rules: sprint/domain/plan/checks.py).

Each finding is a Problem whose reason reads whole in a reply and in the dispatch report."""

from __future__ import annotations

import pandas as pd

from sprint.domain.plan.checks import Checks, Jump, Roster
from sprint.domain.plan.ledgers import Template
from sprint.domain.versions import cell_text

SAME_PERSON, COPIED, JUMP = "same-person", "copied", "jump"
OFF_ROSTER, BEFORE_ROSTER = "off-roster", "before-roster"


def _row(index) -> str:
    return f"第{index}行：" if isinstance(index, int) else ""


def same_people(template: Template, frame: pd.DataFrame,
                others: list[tuple[str, pd.DataFrame]]) -> list[tuple[str, str]]:
    """One ID number in this ledger and in another unit's of the same period."""
    out = []
    for column in template.id_columns:
        if column not in frame:
            continue
        mine = {cell_text(v): i for i, v in frame[column].items() if cell_text(v)}
        for name, other in others:
            theirs = {cell_text(v) for v in other.get(column, pd.Series(dtype=object))}
            out += [(SAME_PERSON, f"{_row(mine[k])}{column} {k} 也在{name}同一报送期的台账中")
                    for k in mine if k in theirs]
    return out


def _rows(template: Template, frame: pd.DataFrame) -> list[tuple[str, ...]]:
    columns = [c.name for c in template.columns if c.name in frame and c.name != template.numbering]
    return sorted(tuple(cell_text(v) for v in row) for row in frame[columns].itertuples(index=False))


def twins(template: Template, frame: pd.DataFrame,
          others: list[tuple[str, pd.DataFrame]]) -> list[str]:
    """The units whose ledger has this one's rows, all of them (its numbering aside)."""
    if frame.empty:  # two header-only ledgers say the same nothing, honestly
        return []
    mine = _rows(template, frame)
    return [name for name, other in others if len(other) == len(frame) and _rows(template, other) == mine]


def copies(template: Template, frame: pd.DataFrame, names: list[str]) -> list[tuple[str, str]]:
    return [(COPIED, f"与{name}同一报送期的台账内容完全相同（{len(frame)}行），"
                     "请核实是否误用了其他单位的台账") for name in names]


def _totals(frame: pd.DataFrame, rule: Jump) -> dict[str, float]:
    if rule.column not in frame:
        return {}
    rows = frame
    for column, values in rule.where.items():
        if column in rows:
            rows = rows[rows[column].isin(values)]
    figures = pd.to_numeric(rows[rule.column], errors="coerce").fillna(0)
    if rule.by is None:
        return {"": float(figures.sum())}
    if rule.by not in rows:
        return {}
    return {cell_text(k): float(v) for k, v in figures.groupby(rows[rule.by].map(cell_text)).sum().items()}


def jumps(rule: Jump, frame: pd.DataFrame, previous: pd.DataFrame) -> list[tuple[str, str]]:
    """A figure far from the unit's previous period's, by the plan's thresholds."""
    now, before = _totals(frame, rule), _totals(previous, rule)
    where = "、".join(v for values in rule.where.values() for v in values)
    out = []
    for key, was in before.items():
        if key not in now or was <= 0:
            continue
        figure = now[key]
        what = (f"{rule.by}“{key}”的" if rule.by else f"{where}的" if where else "") + \
            f"“{rule.column}”{'' if rule.by else '合计'}由上期 {was:g} 变为 {figure:g}"
        if rule.below is not None and figure < was * rule.below:
            out.append((JUMP, f"{what}，不到上期的 {rule.below:.0%}"))
        elif rule.above is not None and figure > was * rule.above:
            out.append((JUMP, f"{what}，超过上期的 {rule.above:g} 倍"))
    return out


def on_roster(rule: Roster, name: str, frame: pd.DataFrame,
              roster: pd.DataFrame) -> list[tuple[str, str]]:
    """Each row's person on the roster `name`, and dated no earlier than they entered it."""
    if rule.key not in frame or rule.roster_key not in roster:
        return []
    since = {}
    for _, r in roster.iterrows():
        k = cell_text(r[rule.roster_key])
        since[k] = cell_text(r.get(rule.since)) if rule.since else ""
    out = []
    for i, row in frame.iterrows():
        k = cell_text(row[rule.key])
        if not k:
            continue
        if k not in since:
            out.append((OFF_ROSTER, f"{_row(i)}{rule.key} {k} 不在本单位最新的《{name}》中"))
            continue
        day = cell_text(row.get(rule.date)) if rule.date else ""
        if day and since[k] and day[:10] < since[k][:10]:
            out.append((BEFORE_ROSTER, f"{_row(i)}{rule.date} {day[:10]} 早于该户{rule.since} "
                                       f"{since[k][:10]}（{rule.key} {k}）"))
    return out


def findings(checks: Checks, template: Template, frame: pd.DataFrame,
             others: list[tuple[str, pd.DataFrame]],
             previous: pd.DataFrame | None,
             roster: tuple[str, pd.DataFrame] | None = None) -> list[tuple[str, str]]:
    """(kind, reason) of every finding: those about the whole file first (a copied ledger, an
    implausible move), then row by row (same person, off the roster): a reply lists only the
    first ones, and a pasted ledger has a finding on every row."""
    # A copy is one finding: its people, all in the unit copied, would say it again per row.
    copied = twins(template, frame, others) if checks.copied else []
    out = copies(template, frame, copied)
    if previous is not None:
        for rule in checks.jumps:
            out += jumps(rule, frame, previous)
    if checks.same_person:
        out += same_people(template, frame, [(n, o) for n, o in others if n not in copied])
    if checks.roster is not None and roster is not None:
        out += on_roster(checks.roster, roster[0], frame, roster[1])
    return out
