"""The same bytes again: a ledger unchanged since last month, sent in this month's window, is
this month's report; sent twice within one period, it is nothing new, unless the lock refused
it and the office has opened an exception since."""

from __future__ import annotations

import datetime as dt

from sprint.domain.calendar import period_for_receipt, periods
from sprint.domain.plan import Plan, PlanError
from sprint.store.store import Store


def resent(plan: Plan, unit: str,
           before: list[tuple[str | None, str | None, dt.datetime, bool]],
           received: dt.datetime, done: dict[tuple[str, str], set[str]]) -> bool:
    """Whether content the unit sent `before` (duty, period, received, refused by the lock),
    arriving again at `received` (not the very file seen again: `seen_again`), is to be judged
    again: it falls in the window of a period of the same duty it was not yet taken for, or
    every earlier file of it came after its period's lock (an exception may have opened
    since). Content of no duty, and the same bytes twice within one period, are not."""
    if all(locked for *_, locked in before):
        return True
    for duty_id in {d for d, *_ in before if d}:
        try:
            all_periods = periods(plan, plan.duty(duty_id))
        except PlanError:  # a duty the plan no longer has
            continue
        period = period_for_receipt(all_periods, received, done.get((unit, duty_id), set()))
        if period.id not in {p for d, p, *_ in before if d == duty_id}:
            return True
    return False


def seen_again(before: list[tuple[str | None, str | None, dt.datetime, bool]],
               received: dt.datetime) -> bool:
    """The very file taken in before: its content, received at the same time."""
    return any(abs((received - at).total_seconds()) < 1 for _, _, at, _ in before)


def fulfilled(store: Store) -> dict[tuple[str, str], set[str]]:
    """The periods each (unit, duty) has an accepted file for."""
    out: dict[tuple[str, str], set[str]] = {}
    for r in store.receipts():
        if r.accepted and r.duty and r.period:
            out.setdefault((r.unit, r.duty), set()).add(r.period)
    return out
