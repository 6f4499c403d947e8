"""The plan's window: the days on which it acts, and what to say about a moment outside them.

The window opens on the plan's first day and closes at the end of the working day after the
last thing its calendar does (a due time, a reminder or a 通报 of any period), so the daily runs
still send what that last act leaves: for the Baicheng plan, the hundred days run 2020-09-22 to
12-30, the last periods fall due on 12-30, and their late reminders run into January.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sprint.domain.calendar import BEIJING, add_workdays, at, periods
from sprint.domain.plan import Plan


@dataclass(frozen=True)
class Window:
    title: str
    campaign: str
    first_day: dt.date
    hundredth_day: dt.date  # the last of the sprint's days
    last_day: dt.date  # the last day any period still acts on

    @property
    def opens(self) -> dt.datetime:
        return at(self.first_day, dt.time(0))

    @property
    def closes(self) -> dt.datetime:
        """The first moment after the window."""
        return at(self.last_day + dt.timedelta(days=1), dt.time(0))

    def __contains__(self, moment: dt.datetime) -> bool:
        return self.opens <= _beijing(moment) < self.closes

    def days(self) -> str:
        return f"{self.campaign}为{self.first_day:%Y-%m-%d}至{self.hundredth_day:%Y-%m-%d}"


def window(plan: Plan) -> Window:
    last = plan.sprint.end
    for duty in plan.duties:
        for p in periods(plan, duty):
            due = p.due.date()
            acts = [due, *(r.at.date() for r in p.reminders),
                    *(add_workdays(due, n) for n in duty.escalate)]
            last = max(last, *acts)
    if last > plan.sprint.end:
        last = add_workdays(last, 1)
    return Window(plan.title, plan.campaign, plan.sprint.start, plan.sprint.end, last)


def outside(plan: Plan, moment: dt.datetime) -> str | None:
    """None when `moment` is inside the plan's window; otherwise the sentence that says why a
    run at that moment does nothing (for its state and its artifact)."""
    w = window(plan)
    moment = _beijing(moment)
    if moment in w:
        return None
    when = f"运行时点{moment:%Y-%m-%d %H:%M}"
    if moment < w.opens:
        return (f"{when}尚未到方案期限：《{w.title}》的{w.campaign}自{w.first_day:%Y-%m-%d}开始，"
                "此前不处理任何事项。")
    return (f"{when}已过方案期限：《{w.title}》的{w.days()}，各期报送、提醒与汇总至"
            f"{w.last_day:%Y-%m-%d}结束，此后不处理任何事项。")


def finished(plan: Plan, now: dt.datetime) -> str | None:
    """Why the plan's schedules are paused at `now` (its window has closed), or None."""
    w = window(plan)
    if _beijing(now) < w.closes:
        return None
    return (f"方案已于{w.last_day:%Y-%m-%d}结束（{w.days()}），定时运行已暂停；"
            "仍可手动运行任一日期。")


def default_day(plan: Plan, today: dt.date) -> tuple[dt.date, str | None]:
    """The day a command acts on when given none: today, or, when today is past the plan's
    window, its last day, with the sentence that says so."""
    w = window(plan)
    if today <= w.last_day:
        return today, None
    return w.last_day, (f"今天（{today:%Y-%m-%d}）已过方案期限（{w.days()}，各项事项至"
                        f"{w.last_day:%Y-%m-%d}结束），按方案最后一天{w.last_day:%Y-%m-%d}计算；"
                        "其他日期请用 --as-of 指定。")


def _beijing(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=BEIJING)
