"""A target over the season (`over: season`): the periods' ledgers so far added together, each
unit's counting file of each period, so a weekly ledger of hectares sown is held to the season's
total by its sum, never week by week. Until the duty's last period the figure is a running
one, said with what is still missing; the summary of the last period judges it."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import pandas as pd

from sprint.domain.engine.targets import Result
from sprint.domain.figures import number
from sprint.domain.status import Standing


@dataclass(frozen=True)
class Season:
    ledger: pd.DataFrame  # every period's counting files so far, compiled
    submitted: set[str]  # units with an accepted file in any of those periods
    done: int  # periods closed so far, this one included
    periods: int  # periods in the season
    words: str  # how the summary says it: 全季累计（第2期，共8期）

    @property
    def last(self) -> bool:
        return self.done >= self.periods

    def judge(self, r: Result) -> Result:
        """The result as the season stands: judged in its last period, a running figure
        before (nothing short yet: there are periods to come)."""
        t = r.target
        limit = t.at_least_by_unit.get(r.unit, t.at_least)
        if self.last or r.value is None or limit is None:
            return r
        if t.metric in ("count", "sum"):
            unit = t.words.get("unit", "")
            verdict = (f"已达到全季目标{number(limit)}{unit}" if r.value >= limit else
                       f"全季目标{number(limit)}{unit}，尚差{number(limit - r.value)}{unit}（季末判定）")
        else:
            verdict = f"目前{r.shown()}，全季目标{limit * 100:g}%（季末判定）"
        return dataclasses.replace(r, met=None, verdict=verdict)


def season_of(book, duty, everything: list[Standing], closing_id: str, periods: int,
              now: dt.datetime | None = None) -> Season | None:
    """The season as of the period `closing_id` (None when no target of the duty is over the
    season); with `now`, a period still open counts its files but not as done. `book` is the
    run's Book (typed loosely: book.py needs nothing of this module)."""
    if not any(t.over == "season" for t in duty.targets):
        return None
    counted = [s for s in everything if s.period.id <= closing_id]
    dues = {s.period.id: s.period.due for s in counted}
    done = sum(now is None or due < now for due in dues.values())
    ledger = book.period_ledger(duty.template, counted)
    submitted = {s.unit for s in counted if s.state.submitted}
    words = (f"全季累计（共{periods}期）" if done >= periods
             else f"全季累计，截至本期（第{len(dues)}期，共{periods}期）")
    return Season(ledger, submitted, done, periods, words)
