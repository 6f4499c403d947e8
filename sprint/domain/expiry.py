"""The lock after expiry: a period's files are taken up to `expiry_workdays` working days after
its due time (at the same time of day), then only under an exception the operator opened."""

from __future__ import annotations

import datetime as dt

from sprint.domain.calendar import BEIJING, Period, add_workdays, at
from sprint.domain.plan import Duty
from sprint.domain.records import Unlock


def locks_at(period: Period, workdays: int) -> dt.datetime:
    due = period.due.astimezone(BEIJING)
    return at(add_workdays(due.date(), workdays), due.timetz().replace(tzinfo=None))


def locked(duty: Duty, period: Period, unit: str, received: dt.datetime,
           unlocks: list[Unlock]) -> dt.datetime | None:
    """When the period locked, if a file received at `received` comes after it and no
    exception of the unit for that period covers the day; else None."""
    if duty.expiry_workdays is None:
        return None
    lock = locks_at(period, duty.expiry_workdays)
    if received <= lock or any(u.covers(unit, duty.id, period.id, received) for u in unlocks):
        return None
    return lock
