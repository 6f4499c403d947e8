"""Recurring ledgers: where every unit stands in every period so far, reminders to those who
owe the open or the just-closed period, and the closed period's summary, once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sprint.domain.calendar import BEIJING, Period, open_and_closing, periods
from sprint.domain.engine.book import Book
from sprint.domain.engine.draft import Draft
from sprint.domain.engine.reminders import remind
from sprint.domain.engine.states import row
from sprint.domain.plan import Duty, Plan
from sprint.domain.status import Rates, Standing, State, rates, standings


@dataclass
class Measured:
    duty: Duty
    periods: list[Period]
    everything: list[Standing]  # every period opened so far
    active: list[Standing]  # the closing and the open period: who gets reminders
    closing: list[Standing]  # the period just due, once its due time has passed
    rates: Rates


def measure(plan: Plan, book: Book, duty: Duty, now: dt.datetime) -> Measured:
    all_periods = periods(plan, duty)
    units = [u.code for u in plan.owners(duty)]
    started = [p for p in all_periods if p.opens <= now or p.due <= now]
    everything = standings(started, units, book.of(duty.id), now)
    active_ids = {p.id for p in open_and_closing(all_periods, now)}
    closing = [p for p in all_periods if p.due < now][-1:]
    return Measured(duty, all_periods, everything,
                    [x for x in everything if x.period.id in active_ids],
                    [x for x in everything if closing and x.period.id == closing[0].id],
                    rates(everything, now))


def reminders(plan: Plan, book: Book, m: Measured, now: dt.datetime) -> list[Draft]:
    by_period: dict[str, list[Standing]] = {}
    for s in m.active:
        if s.state.owes:
            by_period.setdefault(s.period.id, []).append(s)
    drafts = []
    for rows in by_period.values():
        owing = {s.unit: {"rejected": s.state is State.REJECTED} for s in rows}
        drafts += remind(plan, book, m.duty, rows[0].period, owing, now)
    return drafts


def state_rows(plan: Plan, m: Measured, marks: dict | None = None) -> list[dict]:
    """`marks`: the office's review of each (unit, duty, period), shown as its progress."""
    marks = marks or {}
    office = plan.unit(plan.operator).name
    basis = f"周期为方案规定，报送日由{office}确定" if m.duty.cadence.office else "方案规定"
    return [row(m.duty.title, x.period.id, plan.unit(x.unit).name, x.unit, str(x.state),
                marks.get((x.unit, m.duty.id, x.period.id), ""),
                f"{x.period.due:%Y-%m-%d %H:%M}",
                f"{x.submitted_at.astimezone(BEIJING):%Y-%m-%d %H:%M}" if x.submitted_at else "",
                basis)
            for x in m.everything]


def silent_running(rows: list[Standing], periods_back: int, now: dt.datetime) -> set[str]:
    """Units that sent nothing valid for each of the last `periods_back` periods due."""
    by_period: dict[str, list[Standing]] = {}
    for s in [x for x in rows if x.period.due < now]:
        by_period.setdefault(s.period.id, []).append(s)
    recent = sorted(by_period)[-periods_back:]
    if len(recent) < periods_back:
        return set()
    return set.intersection(*[{s.unit for s in by_period[p] if not s.state.submitted}
                              for p in recent])
