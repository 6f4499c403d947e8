"""Opening an exception to a period's lock after expiry, for one unit: checked against the
plan, recorded with its end date, reason and who opened it. `sprint unlock` and the replay's
office open them here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sprint.domain.calendar import Period, period_by_id, periods
from sprint.domain.plan import Duty, PlanError, Unit
from sprint.services.context import Services


class NotOpened(ValueError):
    """The exception cannot be opened; the message says why, in Chinese."""


@dataclass(frozen=True)
class Opened:
    number: int
    unit: Unit
    duty: Duty
    period: Period
    until: dt.date
    reason: str
    by: str


def open_exception(services: Services, unit_code: str, duty_id: str, day: dt.date | str,
                   until: dt.date, reason: str, by: str, now: dt.datetime) -> Opened:
    """Open an exception for the unit's period of the duty that `day` names (its id or a day
    it covers), taken up to the end of `until`."""
    plan = services.plan
    try:
        unit, duty = plan.unit(unit_code), plan.duty(duty_id)
    except PlanError:
        raise NotOpened(f"计划中没有单位 {unit_code!r} 或事项 {duty_id!r}。") from None
    if unit.code not in {u.code for u in plan.owners(duty)}:
        raise NotOpened(f"{unit.name}无需报送《{duty.title}》。")
    period = period_by_id(periods(plan, duty), day)
    if period is None:
        raise NotOpened(f"{day} 不在《{duty.title}》的任何报送期内。")
    number = services.store.unlocks.open(unit.code, duty.id, period.id, until, reason, by, now)
    return Opened(number, unit, duty, period, until, reason, by)


def opened_for(services: Services, unit: str, duty: str, period: str) -> bool:
    """Whether an exception was ever opened for the unit's period of the duty."""
    return any((u.unit, u.duty, u.period) == (unit, duty, period)
               for u in services.store.unlocks.all())
