"""What the engine reads of the store for one run: the files taken in, the mail recorded, who
was told what and when, the 通报 drafts, and the validated table of each accepted file."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd

from sprint.domain.plan import Plan
from sprint.domain.records import REVIEWED, NoticeRecord, OutboxKey, Receipt, Unlock
from sprint.domain.status import Standing

UNIT_COLUMN, NAME_COLUMN = "填报单位", "单位名称"  # what a compiled ledger adds in front


class Ledgers(Protocol):
    def ledger(self, receipt: Receipt) -> pd.DataFrame:
        """The validated table of an accepted file."""


@dataclass
class Book:
    plan: Plan
    receipts: list[Receipt]  # every file taken in, in the order received
    recorded: set[OutboxKey]  # every key a recorded message settles
    ledgers: Ledgers
    told: dict[tuple[str, str], list[dt.datetime]] = field(default_factory=dict)  # (duty, unit)
    notices: list[NoticeRecord] = field(default_factory=list)
    unlocks: list[Unlock] = field(default_factory=list)  # exceptions to the lock after expiry
    # What was measured of accepted files, which never change: the caller may keep it across
    # runs (the shelf does), so that a replay's 615 runs measure each file once, not each run.
    measures: dict = field(default_factory=dict)

    def measured(self, key: tuple, compute):
        """compute() once per key; the key names what is measured (the duty, the unit) and
        of which files (their kept paths), so that it holds for the plan the book is of."""
        if key not in self.measures:
            self.measures[key] = compute()
        return self.measures[key]

    def of(self, duty_id: str) -> list[Receipt]:
        return [r for r in self.receipts if r.duty == duty_id]

    def compiled(self, template_key: str, receipts: list[Receipt]) -> pd.DataFrame:
        """The rows of these files stacked, with each unit's code and name in front."""
        names = [c.name for c in self.plan.templates[template_key].columns]
        parts = []
        for r in receipts:
            frame = self.ledgers.ledger(r).reindex(columns=names)
            frame.insert(0, NAME_COLUMN, self.plan.unit(r.unit).name)
            frame.insert(0, UNIT_COLUMN, r.unit)
            parts.append(frame)
        if not parts:
            return pd.DataFrame(columns=[UNIT_COLUMN, NAME_COLUMN, *names])
        return pd.concat(parts, ignore_index=True)

    def period_ledger(self, template_key: str, rows: list[Standing],
                      reviewed_only: bool = False) -> pd.DataFrame:
        """The period's compiled ledger: each submitted unit's counting version (only those
        the office marked 已审核, when the duty's summary says so)."""
        return self.compiled(template_key, [
            s.receipt for s in rows if s.state.submitted and s.receipt is not None
            and (not reviewed_only or s.receipt.review == REVIEWED)])

    def latest_ledger(self, duty_id: str, now: dt.datetime) -> pd.DataFrame:
        """Each unit's latest accepted file of a duty received by `now`, whatever its period."""
        duty = self.plan.duty(duty_id)
        return self.compiled(duty.template, list(self.latest(duty_id, now).values()))

    def latest(self, duty_id: str, now: dt.datetime) -> dict[str, Receipt]:
        found: dict[str, Receipt] = {}
        for r in self.of(duty_id):
            if r.accepted and r.received_at <= now:
                found[r.unit] = r
        return found

    def told_by(self, duty_id: str, unit: str, cutoff: dt.datetime) -> bool:
        """Whether a reminder or a list about this duty reached the unit by `cutoff`."""
        return any(t <= cutoff for t in self.told.get((duty_id, unit), ()))


def of_unit(frame: pd.DataFrame, unit: str) -> pd.DataFrame:
    return frame[frame[UNIT_COLUMN] == unit] if len(frame) else frame
