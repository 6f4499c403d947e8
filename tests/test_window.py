"""The plan knows its window: the days it acts on, and what it says about a moment outside."""

import datetime as dt

import pytest

from sprint.domain.calendar import is_workday, uncovered_years
from sprint.domain.window import default_day, finished, outside, window
from tests.factories import beijing


def test_the_window_runs_from_the_first_day_to_the_day_after_the_last_reminder(plan):
    w = window(plan)
    assert (w.first_day, w.hundredth_day) == (dt.date(2020, 9, 22), dt.date(2020, 12, 30))
    # The December visits are due 2021-01-05 and reminded on 01-07; the daily runs send what
    # that leaves on the next working day.
    assert w.last_day == dt.date(2021, 1, 5)
    assert beijing("2020-09-22 00:00") in w and beijing("2021-01-05 23:59") in w
    assert beijing("2020-09-21 23:59") not in w and beijing("2021-01-09 00:00") not in w


@pytest.mark.parametrize("moment", ["2020-09-22 00:00", "2020-10-12 12:00", "2021-01-05 18:00"])
def test_a_moment_inside_the_window_has_nothing_to_say(plan, moment):
    assert outside(plan, beijing(moment)) is None


def test_a_moment_after_the_window_is_named_with_the_plans_days(plan):
    said = outside(plan, beijing("2026-12-03 09:00"))
    assert said == ("运行时点2026-12-03 09:00已过方案期限：《白城市决战决胜脱贫攻坚“百日冲刺”行动实施方案》"
                    "的百日冲刺为2020-09-22至2020-12-30，各期报送、提醒与汇总至2021-01-05结束，"
                    "此后不处理任何事项。")


def test_a_moment_before_the_window_says_when_it_starts(plan):
    said = outside(plan, dt.datetime(2020, 9, 21, 17, 30))  # naive: Beijing time
    assert said.startswith("运行时点2020-09-21 17:30尚未到方案期限")
    assert "百日冲刺自2020-09-22开始" in said


def test_the_schedules_pause_only_once_the_window_has_closed(plan):
    assert finished(plan, beijing("2021-01-05 12:00")) is None
    assert finished(plan, beijing("2026-12-03 12:00")) == (
        "方案已于2021-01-05结束（百日冲刺为2020-09-22至2020-12-30），定时运行已暂停；仍可手动运行任一日期。")


def test_a_command_given_no_date_acts_on_today_or_on_the_plans_last_day(plan):
    assert default_day(plan, dt.date(2020, 10, 12)) == (dt.date(2020, 10, 12), None)
    day, note = default_day(plan, dt.date(2026, 12, 3))
    assert day == dt.date(2021, 1, 5)
    assert note.startswith("今天（2026-12-03）已过方案期限") and "按方案最后一天2021-01-05计算" in note


def test_a_year_the_official_calendar_does_not_cover_counts_weekends_alone():
    assert uncovered_years(dt.date(2020, 1, 1), dt.date(2026, 12, 31)) == []
    assert uncovered_years(dt.date(2026, 12, 1), dt.date(2028, 2, 1)) == [2027, 2028]
    assert is_workday(dt.date(2027, 1, 1))  # a Friday; New Year's Day is not known yet
    assert not is_workday(dt.date(2027, 1, 2))  # a Saturday
    assert not is_workday(dt.date(2026, 10, 1))  # the official calendar where it has the year
