"""Moving a plan and its schedules in time by whole weeks (a drill).

Whole weeks keep every weekday: a Friday due date stays a Friday, a weekly schedule stays on
its day. Every date and date-time of the data moves, wherever it sits (no list of fields), and
every schedule whose days a week's move would not keep (a cron limited to some months or days
of the month, an rrule by month) becomes the list of its times in the plan's window, moved.
"""

from __future__ import annotations

import datetime as dt
import re

from dateutil.rrule import rrulestr

WEEK = dt.timedelta(weeks=1)
_DATE_TOKEN = re.compile(r"(?<!\d)(\d{8})(T\d{6})?(?!\d)")
_FIELD = re.compile(r"\*|\d+(-\d+)?")
_NOT_WEEKLY = re.compile(r"FREQ=(MONTHLY|YEARLY)|BY(MONTH|MONTHDAY|YEARDAY|WEEKNO|SETPOS|EASTER)=")


class ShiftError(ValueError):
    pass


def weeks_between(first: dt.date, chosen: dt.date) -> int:
    """Whole weeks from the week (Monday to Sunday) of `first` to the week of `chosen`."""
    def monday(day: dt.date) -> dt.date:
        return day - dt.timedelta(days=day.weekday())

    return (monday(chosen) - monday(first)).days // 7


# Dates about the world, not the schedule: a ledger's column limits (work started not before
# 2015) and a target's fixed dates (a contract running to the end of 2025 at least). A drill
# rehearses the plan's days with real files, so these stay as the plan says.
WORLD = frozenset({"templates", "done_date_at_least"})


def shifted(value, delta: dt.timedelta, keep: frozenset[str] = frozenset()):
    """`value` with every date and date-time in it, at any depth (keys too), moved by delta;
    what sits under a key named in `keep` stays as it is."""
    if isinstance(value, dt.date):  # a datetime is a date too
        return value + delta
    if isinstance(value, dict):
        return {shifted(k, delta): v if k in keep else shifted(v, delta, keep)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(shifted(v, delta, keep) for v in value)
    return value


def on_due_day(day: dt.date, due_day: int | str) -> dt.date:
    """The first date on or after `day` that falls on a monthly `due_day` (a day of the month,
    or 'last'): a monthly cadence keeps its day of the month when its dates move by weeks."""
    for months in range(3):
        year, month = divmod(day.month - 1 + months, 12)
        first = dt.date(day.year + year, month + 1, 1)
        following = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
        last = following - dt.timedelta(days=1)
        due = last if due_day == "last" else first.replace(day=min(int(due_day), last.day))
        if due >= day:
            return due
    raise ShiftError(f"no due day {due_day} after {day}")  # unreachable: a month has one


def shifted_schedule(schedule: dict, delta: dt.timedelta, start: dt.datetime,
                     end: dt.datetime) -> dict | None:
    """A prefect.yaml schedule moved by `delta` (whole weeks); `start`..`end` (naive, in the
    schedule's zone) is the span whose times matter when the rule must be listed out. None when
    it has no time in that span."""
    if delta % WEEK:
        raise ShiftError(f"a drill moves by whole weeks, not by {delta}")
    out = shifted(dict(schedule), delta)
    if "cron" in out:
        minute, hour, day, month, weekday = _fields(out["cron"])
        if day == "*" and month == "*":
            return out
        times = cron_times(out.pop("cron"), start, end)
        out.pop("day_or", None)
    elif "rrule" in out:
        if not _NOT_WEEKLY.search(out["rrule"]):
            out["rrule"] = _DATE_TOKEN.sub(lambda m: _moved_token(m, delta), out["rrule"])
            return out
        times = rrulestr(out["rrule"], forceset=True).between(start, end, inc=True)
    else:  # an interval: its anchor, a date-time, has moved with everything else
        return out
    if not times:
        return None
    out["rrule"] = as_rrule([t + delta for t in times])
    return out


def as_rrule(times: list[dt.datetime]) -> str:
    """An iCalendar rule with exactly these (naive, increasing) times."""
    head = f"DTSTART:{times[0]:%Y%m%dT%H%M%S}"
    gaps = {b - a for a, b in zip(times, times[1:], strict=False)}
    if len(gaps) <= 1:
        step = gaps.pop() if gaps else dt.timedelta(days=1)
        if step % dt.timedelta(days=1) == dt.timedelta(0):
            return f"{head}\nRRULE:FREQ=DAILY;INTERVAL={step.days};COUNT={len(times)}"
    return f"{head}\nRDATE:" + ",".join(f"{t:%Y%m%dT%H%M%S}" for t in times)


def _moved_token(match: re.Match, delta: dt.timedelta) -> str:
    day = dt.datetime.strptime(match.group(1), "%Y%m%d") + delta
    return f"{day:%Y%m%d}{match.group(2) or ''}"


def _fields(cron: str) -> list[str]:
    fields = cron.split()
    if len(fields) != 5:
        raise ShiftError(f"cron {cron!r}: five fields expected (minute hour day month weekday)")
    return fields


def _values(field: str, low: int, high: int, cron: str) -> set[int]:
    out: set[int] = set()
    for part in field.split(","):
        spec, _, step = part.partition("/")
        if not _FIELD.fullmatch(spec) or (step and not step.isdigit()):
            raise ShiftError(f"cron {cron!r}: only numbers, '*', ranges, lists and steps can be "
                             "moved (write the names of months and weekdays as numbers)")
        if spec == "*":
            first, last = low, high
        elif "-" in spec:
            first, last = (int(x) for x in spec.split("-"))
        else:
            first = int(spec)
            last = high if step else first
        out.update(range(first, last + 1, int(step or 1)))
    return out


def check_cron(cron: str) -> None:
    """ShiftError unless `cron` is five fields of numbers within their ranges, as the replay
    and a drill read it."""
    for field, (low, high) in zip(_fields(cron), _RANGES, strict=True):
        values = _values(field, low, high, cron)
        if not values or min(values) < low or max(values) > high:
            raise ShiftError(f"cron {cron!r}: {field!r} is outside {low}-{high}")


_RANGES = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))


def cron_times(cron: str, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """The times a cron fires from `start` to `end` (Vixie cron: when both the day of the month
    and the weekday are limited, a day matching either fires)."""
    minute, hour, day, month, weekday = _fields(cron)
    minutes, hours = sorted(_values(minute, 0, 59, cron)), sorted(_values(hour, 0, 23, cron))
    days, months = _values(day, 1, 31, cron), _values(month, 1, 12, cron)
    weekdays = {d % 7 for d in _values(weekday, 0, 7, cron)}  # cron: 0 and 7 are Sunday
    out = []
    current = start.date()
    while current <= end.date():
        by_day, by_weekday = current.day in days, (current.isoweekday() % 7) in weekdays
        fires = (by_day or by_weekday) if day != "*" and weekday != "*" else (by_day and by_weekday)
        if current.month in months and fires:
            out.extend(t for h in hours for m in minutes
                       if start <= (t := dt.datetime.combine(current, dt.time(h, m))) <= end)
        current += dt.timedelta(days=1)
    return out
