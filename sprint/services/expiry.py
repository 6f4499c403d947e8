"""A file for a period past its lock is refused, unless an exception covers it (`sprint unlock`):
the unit is told whom to ask."""

from __future__ import annotations

from sprint.domain.calendar import period_by_id, periods
from sprint.domain.engine.draft import when
from sprint.domain.expiry import locked
from sprint.domain.records import LockedOut, Unlock
from sprint.services.intake import Judgement


def enforced(plan, j: Judgement, unlocks: list[Unlock]) -> Judgement:
    if not j.accepted or j.duty.expiry_workdays is None:
        return j
    period = period_by_id(periods(plan, j.duty), j.period)
    lock = locked(j.duty, period, j.arrival.unit, j.arrival.received_at, unlocks)
    if lock is not None:
        operator = plan.unit(plan.operator).name
        j.verdict.problems.insert(0, LockedOut(None, "", period.id,
                                               f"已过补报期限（{when(lock)}），如需补报请联系{operator}"))
    return j
