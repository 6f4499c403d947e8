"""A stock figure's view of the ledgers: each unit's latest accepted ledger up to the period
summed up, so that a month in which only some units resend still counts every unit's counters,
and the summary says which were carried forward (通榆县、镇赉县11月报送；洮北区沿用10月台账)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sprint.domain.calendar import Period, periods
from sprint.domain.engine.book import Book
from sprint.domain.plan import Duty, Plan


@dataclass(frozen=True)
class Stock:
    ledger: pd.DataFrame  # each unit's latest accepted ledger, compiled
    sent_for: dict[str, Period]  # unit -> the period its latest ledger was sent for
    period: Period  # the period summed up
    monthly: bool

    def _when(self, p: Period) -> str:
        return f"{p.end.month}月" if self.monthly else p.label()

    def words(self, plan: Plan, submitted: set[str]) -> str:
        """Who reported this period and who is carried forward from which, or "" when every
        unit counted reported this period."""
        carried: dict[str, list[str]] = {}
        for unit, p in self.sent_for.items():
            if p.id != self.period.id:
                carried.setdefault(self._when(p), []).append(plan.unit(unit).name)
        if not carried:
            return ""
        now = [plan.unit(u).name for u in self.sent_for if self.sent_for[u].id == self.period.id]
        said = [f"{'、'.join(now)}{self._when(self.period)}报送"] if now else []
        said += [f"{'、'.join(names)}沿用{when}台账" for when, names in carried.items()]
        return "；".join(said)


def stock_of(plan: Plan, book: Book, duty: Duty, period: Period) -> Stock | None:
    """The stock view of a duty with a stock target: for each unit, its latest accepted file
    sent for this period or one before."""
    if not any(t.stock for t in duty.targets) or duty.template is None:
        return None
    known = {p.id: p for p in periods(plan, duty)}
    latest = {}
    for r in book.of(duty.id):  # in the order received: the last one of a unit stands
        if r.accepted and r.period in known and r.period <= period.id:
            latest[r.unit] = r
    order = sorted(latest, key=lambda u: [x.code for x in plan.units].index(u))
    return Stock(book.compiled(duty.template, [latest[u] for u in order]),
                 {u: known[latest[u].period] for u in order}, period,
                 bool(duty.cadence and duty.cadence.monthly))
