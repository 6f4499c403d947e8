"""Thresholds the office gives through a department's ledger (last year's figures, 6①): each
unit's figure from the latest accepted baseline ledger, beside (and under) those the office
sets in the plan file itself."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sprint.domain.engine.book import Book
from sprint.domain.plan import Duty, Plan


def given(plan: Plan, book: Book, duty: Duty, now: dt.datetime) -> tuple[Duty, dict[str, set[str]]]:
    """The duty with each baseline target's thresholds filled from its baseline ledger, and,
    per target, the units whose figure came from that ledger."""
    targets, sourced = [], {}
    for t in duty.targets:
        rule = t.baseline_from
        if rule is None:
            targets.append(t)
            continue
        codes = {u.name: u.code for u in plan.units}
        found: dict[str, int] = {}
        for r in book.latest(rule.duty, now).values():
            rows = book.ledgers.ledger(r)
            values = pd.to_numeric(rows[rule.value], errors="coerce")
            for name, value in zip(rows[rule.unit], values, strict=True):
                if name in codes and pd.notna(value):
                    found[codes[name]] = int(value)
        sourced[t.id] = set(found) - set(t.at_least_by_unit)
        targets.append(t.model_copy(update={"at_least_by_unit": found | t.at_least_by_unit}))
    return duty.model_copy(update={"targets": tuple(targets)}), sourced
