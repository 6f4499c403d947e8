"""What every command that shows the plan says first: which plan file and which drill are live,
and which days are counted without the official calendar."""

from __future__ import annotations

import datetime as dt
import importlib.metadata

from sprint.config.drill import itself
from sprint.config.settings import Settings
from sprint.domain.calendar import BEIJING, at, uncovered_years
from sprint.domain.plan import BUNDLED_PLAN
from sprint.domain.window import default_day


def plan_line(s: Settings) -> str:
    path = (s.plan_file or BUNDLED_PLAN).resolve()
    drill = itself(s.home)
    if drill is not None and drill.plan_file.resolve() == path:
        return f"计划文件：{path}（{drill.describe()}）"
    return f"计划文件：{path}（原日程，未平移）"


def weekends_note(first: dt.date, last: dt.date) -> str | None:
    """The plain warning for days in years the official calendar does not cover yet."""
    years = uncovered_years(first, last)
    if not years:
        return None
    version = importlib.metadata.version("chinese-calendar")
    named = "、".join(f"{y}年" for y in years)
    return (f"注意：官方节假日日历（chinese-calendar {version}）尚未收录{named}的放假安排，"
            f"{named}的工作日只按周末计算（周一至周五算工作日），法定节假日和调休都未计入；"
            "国务院公布放假安排、chinese-calendar 更新后，请升级（bin/setup）。")


def as_of_moment(s: Settings, given: dt.datetime | None) -> tuple[dt.datetime, str | None]:
    """The moment a command acts at: the one given, else now, or the end of the plan's last
    day when now is past the plan."""
    if given is not None:
        return given, None
    now = dt.datetime.now(BEIJING)
    day, note = default_day(s.plan, now.date())
    if note is None:
        return now, None
    return at(day + dt.timedelta(days=1), dt.time(0)) - dt.timedelta(seconds=1), note
