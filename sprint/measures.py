"""Figures from compiled ledgers: breakdowns per unit and the duty's target."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sprint.plan import Target

UNIT_COLUMN = "填报单位"


@dataclass(frozen=True)
class TargetStanding:
    unit: str
    value: int
    threshold: int | None
    submitted: bool

    @property
    def met(self) -> bool | None:
        if self.threshold is None or not self.submitted:
            return None
        return self.value >= self.threshold

    @property
    def shortfall(self) -> int:
        return max(0, (self.threshold or 0) - self.value)


def matching(frame: pd.DataFrame, conditions: dict[str, tuple[str, ...]]) -> pd.Series:
    """Rows where every column holds one of its listed values (all rows when none is listed)."""
    mask = pd.Series(True, index=frame.index)
    for column, values in conditions.items():
        mask &= frame[column].isin(values)
    return mask


def target_standings(target: Target, ledger: pd.DataFrame, units: list[str],
                     submitted: set[str]) -> list[TargetStanding]:
    """Each unit's value of a 'rows' target: the rows that match every `where` condition."""
    mask = matching(ledger, target.where)
    counts = ledger.loc[mask, UNIT_COLUMN].value_counts() if len(ledger) else pd.Series(dtype=int)
    return [
        TargetStanding(u, int(counts.get(u, 0)), target.at_least_by_unit.get(u), u in submitted)
        for u in units
    ]


def breakdown(ledger: pd.DataFrame, column: str, units: list[str],
              categories: tuple[str, ...]) -> pd.DataFrame:
    """Rows per unit and category, every unit and category present, with a total column."""
    if len(ledger):
        table = pd.crosstab(ledger[UNIT_COLUMN], ledger[column])
    else:
        table = pd.DataFrame()
    table = table.reindex(index=units, columns=list(categories), fill_value=0).fillna(0).astype(int)
    table["合计"] = table.sum(axis=1)
    return table
