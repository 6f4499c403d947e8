"""A ledger measured per household when a household may take several rows (two loans of one
household on two rows): the plan's figures count households (户贷率, 已贷款贫困户的平均户贷量),
and sets no "one row per household" rule."""

from __future__ import annotations

import pandas as pd

from sprint.domain.figures import total
from sprint.domain.plan import Values


def collapse(rows: pd.DataFrame, key: str, any_of: tuple[Values, ...],
             summed: str | None) -> pd.DataFrame:
    """One row per household (`key`), in the order first seen: a condition of `any_of` holds for
    the household when it holds on any of its rows (a loan taken, a loan overdue); `summed` is
    the sum of its rows (empty when every row is); every other column is its first row's."""
    if not rows[key].duplicated().any():
        return rows
    households = rows[key]
    first = rows.groupby(households, sort=False).head(1).set_index(key, drop=False)
    for conditions in any_of:
        for column, values in conditions.items():
            held = rows[column].isin(values).groupby(households, sort=False).any()
            first.loc[held[held].index, column] = values[0]
    if summed:
        amounts = rows[summed].groupby(households, sort=False)
        first[summed] = amounts.agg(lambda s: total(s) if s.notna().any() else None)
    return first.reset_index(drop=True)
