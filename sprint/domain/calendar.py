"""Periods, due dates and reminder times, on China's official working days."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import chinese_calendar

from sprint.domain.plan import Duty, Plan

BEIJING = ZoneInfo("Asia/Shanghai")


class CalendarError(ValueError):
    pass


@functools.cache  # a fact about a date; chinese_calendar scans its whole table on each call
def is_workday(day: dt.date) -> bool:
    """China's official working days; in a year the official calendar does not cover yet
    (see `uncovered_years`), Monday to Friday."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def uncovered_years(first: dt.date, last: dt.date) -> list[int]:
    """The years from `first` to `last` whose holidays and 调休 days the official calendar does
    not know (it is published a year at a time), so `is_workday` counts weekends alone."""
    out = []
    for year in range(first.year, last.year + 1):
        try:
            chinese_calendar.is_workday(dt.date(year, 1, 1))
        except NotImplementedError:
            out.append(year)
    return out


def next_workday(day: dt.date) -> dt.date:
    """The day itself when people work on it, else the first working day after it."""
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def add_workdays(day: dt.date, n: int) -> dt.date:
    """Move n working days from a working day: -1 is the working day before, +1 the one after."""
    step = dt.timedelta(days=1 if n > 0 else -1)
    for _ in range(abs(n)):
        day += step
        while not is_workday(day):
            day += step
    return day


def workdays_after(day: dt.date, until: dt.date) -> int:
    """How many working days fall after `day`, up to and including `until`."""
    count, current = 0, day
    while current < until:
        current += dt.timedelta(days=1)
        count += is_workday(current)
    return count


def at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=BEIJING)


@dataclass(frozen=True)
class Reminder:
    offset: int
    at: dt.datetime


@dataclass(frozen=True)
class Period:
    duty: str
    id: str
    start: dt.date
    end: dt.date
    due: dt.datetime
    reminders: tuple[Reminder, ...]

    @property
    def opens(self) -> dt.datetime:
        """When submissions for this period start to count as this period's (its first reminder)."""
        first = self.reminders[0].at if self.reminders else at(self.start, dt.time(0))
        return min(first, self.due)

    def label(self) -> str:
        return f"{self.start:%Y-%m-%d}至{self.end:%Y-%m-%d}"


def due_day(plan: Plan, nominal: dt.date, kind: str = "") -> dt.date:
    """The day a date of the plan falls due on (see CalendarRules): an event's day stays put; a
    month's last day that is a rest day moves to the working day before it (so "10月底" is the
    same day for every duty); any other rest day moves to the next working day; and nothing of
    the sprint falls due after its last day."""
    if kind == "event":
        return nominal
    rules = plan.calendar
    last = plan.sprint.end
    if rules.clip_to_sprint and nominal > last:
        nominal = last
    month_end = (nominal + dt.timedelta(days=1)).day == 1
    if month_end and rules.month_end == "last_workday_before" or nominal == last:
        return last_workday(nominal)
    return next_workday(nominal)


def last_workday(day: dt.date) -> dt.date:
    """The day itself when people work on it, else the last working day before it."""
    while not is_workday(day):
        day -= dt.timedelta(days=1)
    return day


def periods(plan: Plan, duty: Duty) -> list[Period]:
    """Every period of a duty: many for a recurring ledger, one for a deadline or an event.

    A recurring period covers `every_days` days ending on its nominal due date, or a calendar
    month; its id is the nominal due date. It falls due on the day `due_day` gives, at
    `due_time` Beijing time. Reminders fall `offset` working days from that day. A deadline's or
    event's one period ends on its date.
    """
    if duty.kind in ("deadline", "event") and duty.due is not None:
        return [_period(plan, duty, duty.due, duty.due, duty.due, duty.due_time)]
    cadence = duty.cadence
    if cadence is None:
        return []
    out = []
    if cadence.monthly:
        month = cadence.first_due.replace(day=1)
        if cadence.due_day != "last":
            month = (month - dt.timedelta(days=1)).replace(day=1)
        while month <= cadence.until:
            last = (month + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
            nominal = last if cadence.due_day == "last" else (last + dt.timedelta(days=cadence.due_day))
            out.append(_period(plan, duty, nominal, month, last, cadence.due_time))
            month = last + dt.timedelta(days=1)
        return out
    nominal = cadence.first_due
    step = dt.timedelta(days=cadence.every_days)
    while nominal <= cadence.until:
        out.append(_period(plan, duty, nominal, nominal - step + dt.timedelta(days=1), nominal,
                           cadence.due_time))
        nominal += step
    return out


def _period(plan: Plan, duty: Duty, nominal: dt.date, start: dt.date, end: dt.date,
            due_time: dt.time) -> Period:
    due = due_day(plan, nominal, duty.kind)
    end = min(end, plan.sprint.end) if plan.calendar.clip_to_sprint else end
    reminders = tuple(
        Reminder(off, at(add_workdays(due, off), duty.reminders.time))
        for off in duty.reminders.offsets
    )
    if duty.kind in ("deadline", "event") and reminders:
        start = min(start, reminders[0].at.date())
    return Period(duty=duty.id, id=nominal.isoformat(), start=start, end=end,
                  due=at(due, due_time), reminders=reminders)


def period_for_receipt(all_periods: list[Period], received: dt.datetime,
                       fulfilled: frozenset[str] | set[str] = frozenset()) -> Period:
    """The period a file received at `received` counts for.

    A file counts for the period in whose window it arrived: after the due time of the period
    before, up to its own due time. It counts for the period just past only when the unit
    still owes that one (`fulfilled` holds the ids of periods it has sent an accepted file
    for) and the file came within one working day of its due time. Files before the first
    period count for the first, files after the last for the last.
    """
    if not all_periods:
        raise CalendarError("the duty has no periods")
    for i, period in enumerate(all_periods):
        if received <= period.due:
            before = all_periods[i - 1] if i > 0 else None
            if before is not None and before.id not in fulfilled and received <= grace(before):
                return before
            return period
    return all_periods[-1]


def grace(period: Period) -> dt.datetime:
    """The end of the working day after the due time, up to which a late file still counts
    for the period just past."""
    due = period.due.astimezone(BEIJING)
    return at(add_workdays(due.date(), 1), due.timetz().replace(tzinfo=None))


def named_period(all_periods: list[Period], text: str) -> Period | None:
    """The period a file names: a date in a 报送期 column, a title row or a file name
    (2020-10-09, 2020/10/9, 20201009, 2020年10月9日), or a month (2020年10月, 2020-10) for a
    monthly ledger. A date is a period's id (its nominal due date) or a day it covers. None
    when it names none of this duty's periods."""
    for match in _DATE_IN_TEXT.finditer(text):
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            if day is not None:
                named = dt.date(year, month, day)
                found = next((p for p in all_periods if p.id == named.isoformat()), None) \
                    or period_by_id(all_periods, named)
            else:
                first = dt.date(year, month, 1)
                found = next((p for p in all_periods if p.start == first), None)
        except ValueError:
            continue
        if found is not None:
            return found
    return None


_DATE_IN_TEXT = re.compile(
    r"(?<!\d)(20\d{2})\s*[-/.年]?\s*(1[0-2]|0?[1-9])(?:\s*[-/.月]?\s*(3[01]|[12]\d|0?[1-9])\s*日?)?(?!\d)")


def period_by_id(all_periods: list[Period], value: str | dt.date) -> Period | None:
    """The period named by a 报送期 value: its id (due date) or any day it covers. The id
    comes first: a last period clipped by `until` is named by a day it no longer covers."""
    day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
    for period in all_periods:
        if period.id == day.isoformat():
            return period
    for period in all_periods:
        if period.start <= day <= period.end:
            return period
    return None


def open_and_closing(all_periods: list[Period], now: dt.datetime) -> list[Period]:
    """The period that fell due most recently (closing) and the next one to fall due (open)."""
    past = [p for p in all_periods if p.due < now]
    future = [p for p in all_periods if p.due >= now]
    return past[-1:] + future[:1]
