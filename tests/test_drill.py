"""A drill moves the whole plan and its schedules by whole weeks; the commands then act on it
and say so."""

import datetime as dt
import json
import re

import pytest
import yaml

from sprint.config.deployments import read_deployments, write_deployments
from sprint.config.drill import make_live, next_monday, plan_drill, write_plan
from sprint.domain.calendar import is_workday, periods
from sprint.domain.plan import BUNDLED_PLAN, load_plan
from sprint.domain.shift import WORLD, shifted, shifted_schedule, weeks_between
from sprint.domain.window import window
from tests.test_cli import sprint

MONDAY = dt.date(2026, 12, 7)
SPAN = (dt.datetime(2020, 9, 22), dt.datetime(2021, 1, 9))


def _dates(value, found=None, skip=frozenset()):
    found = [] if found is None else found
    if isinstance(value, dt.date):
        found.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _dates(k, found, skip)
            if k not in skip:
                _dates(v, found, skip)
    elif isinstance(value, list):
        for v in value:
            _dates(v, found, skip)
    return found


def test_a_drill_starts_in_the_week_of_the_chosen_day_and_by_default_next_monday():
    assert next_monday(dt.date(2026, 12, 3)) == MONDAY  # a Thursday
    assert next_monday(MONDAY) == dt.date(2026, 12, 14)
    weeks = weeks_between(dt.date(2020, 9, 22), MONDAY)
    assert dt.date(2020, 9, 22) + dt.timedelta(weeks=weeks) == dt.date(2026, 12, 8)  # a Tuesday
    assert weeks_between(dt.date(2020, 9, 22), dt.date(2026, 12, 13)) == weeks  # its Sunday


def test_every_date_of_the_schedule_moves_by_the_same_whole_weeks(tmp_path, plan):
    """Every date of the schedule moves by the drill's whole weeks (the ledgers' rules, about
    the world, stay), but a monthly cadence's first due date,
    which must fall on its day of the month (due_day 5, or the month's last day): it becomes
    the first such day on or after its moved date (2020-11-05 + 324 weeks = 2027-01-21 →
    2027-02-05; 2020-10-31 + 324 weeks = 2027-01-16 → 2027-01-31)."""
    drill = plan_drill(tmp_path, BUNDLED_PLAN, plan, MONDAY)
    moved = write_plan(drill)
    source = yaml.safe_load(BUNDLED_PLAN.read_text(encoding="utf-8"))
    monthly = [d["cadence"]["first_due"] for d in source["duties"]
               if (d.get("cadence") or {}).get("monthly")]
    before = _dates(source, skip=WORLD)
    after = _dates(yaml.safe_load(drill.plan_file.read_text(encoding="utf-8")), skip=WORLD)
    kept_days = {dt.date(2020, 11, 5) + drill.delta: dt.date(2027, 2, 5),
                 dt.date(2020, 10, 31) + drill.delta: dt.date(2027, 1, 31)}
    assert len(monthly) >= 4 and set(monthly) <= {dt.date(2020, 11, 5), dt.date(2020, 10, 31)}
    expected = [d + drill.delta for d in before]
    assert len(before) > 40 and len(after) == len(expected)
    assert all(a == e or (kept_days.get(e) == a) for a, e in zip(after, expected, strict=True))
    assert sum(a != e for a, e in zip(after, expected, strict=True)) == len(monthly)
    assert moved.sprint.start == dt.date(2026, 12, 8)
    assert moved.duty("labor-ledger").cadence.first_due == dt.date(2026, 12, 25)  # still a Friday


def test_a_drill_moves_the_schedule_not_the_rules_about_the_world(tmp_path, plan):
    """Clause 5: every contract renewed runs "to the end of 2025" at least. A drill 6 years on
    keeps it (a date under `templates` would stay too: the labor ledger's old "not before 2015"
    went with issue 22, the plan setting no such limit)."""
    moved = write_plan(plan_drill(tmp_path, BUNDLED_PLAN, plan, MONDAY))
    week6 = dt.timedelta(weeks=324)
    rule = {"templates": {"labor": {"columns": [{"not_before": dt.date(2015, 1, 1)}]}},
            "sprint": {"start": dt.date(2020, 9, 22)}}
    assert shifted(rule, week6, WORLD) == {
        "templates": {"labor": {"columns": [{"not_before": dt.date(2015, 1, 1)}]}},
        "sprint": {"start": dt.date(2026, 12, 8)}}
    raw = drill_text = (tmp_path / "drill-2026-12-08" / "plan.yaml").read_text(encoding="utf-8")
    assert "date: 2025-12-31" in raw and "rules kept" in drill_text
    assert moved.sprint.start == dt.date(2026, 12, 8)  # while the days move


def test_the_move_knows_no_field_names_a_new_date_anywhere_moves_too():
    delta = dt.timedelta(weeks=2)
    data = {"new_field": {"dates": [dt.date(2020, 10, 1)], dt.date(2020, 1, 1): "a key"},
            "at": dt.datetime(2020, 10, 1, 9, 30), "time": "17:00", "year": 2020}
    assert shifted(data, delta) == {
        "new_field": {"dates": [dt.date(2020, 10, 15)], dt.date(2020, 1, 15): "a key"},
        "at": dt.datetime(2020, 10, 15, 9, 30), "time": "17:00", "year": 2020}


def test_the_moved_plan_carries_its_schedules_moved_keeping_their_weekdays(tmp_path, plan):
    """The drill's plan file is the live plan: its deployments move with its dates, and what
    `sprint up` deploys for the drill is the moved plan's."""
    drill = plan_drill(tmp_path, BUNDLED_PLAN, plan, MONDAY)
    write_plan(drill)
    path = write_deployments(tmp_path / "prefect.yaml", load_plan(drill.plan_file))
    deployed = read_deployments(path)
    moved = {d.name: d.schedules[0] for d in deployed if d.schedules}
    assert [d.schedules for d in deployed if d.name == "review"] == [()]  # by hand, moved or not
    assert moved["labor-ledger"]["rrule"] == (
        "DTSTART:20261225T173000\nRRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=FR")
    assert moved["labor-ledger-reminders"]["cron"] == "0 9 * * *"
    # "October to December" (0 10 * 10,11,12 *) becomes its 92 days inside the plan's window
    # (10-01..12-31 of 2020), listed out and moved: from 2020-10-01 + 324 weeks = 2026-12-17.
    assert moved["exit-process"]["rrule"] == "DTSTART:20261217T100000\nRRULE:FREQ=DAILY;INTERVAL=1;COUNT=92"
    assert all("active" not in s for s in moved.values())


def test_a_schedule_by_days_of_the_month_is_listed_out_moved():
    schedule = {"cron": "30 8 1,2,20 10 *", "timezone": "Asia/Shanghai"}
    moved = shifted_schedule(schedule, dt.timedelta(weeks=1), *SPAN)
    assert moved == {"timezone": "Asia/Shanghai",
                     "rrule": "DTSTART:20201008T083000\nRDATE:20201008T083000,20201009T083000,20201027T083000"}
    first_and_fifteenth = {"cron": "0 9 1,15 10 *", "timezone": "Asia/Shanghai"}
    assert shifted_schedule(first_and_fifteenth, dt.timedelta(weeks=1), *SPAN)["rrule"] == (
        "DTSTART:20201008T090000\nRRULE:FREQ=DAILY;INTERVAL=14;COUNT=2")


def test_a_finished_plan_deploys_every_schedule_paused(tmp_path, plan):
    path = write_deployments(tmp_path / "prefect.yaml", plan, paused=True)
    schedules = [s for d in read_deployments(path) for s in d.schedules]
    assert schedules and all(s["active"] is False for s in schedules)


@pytest.mark.integration  # `sprint` subprocesses
def test_calendar_and_plan_say_which_plan_and_drill_are_live(tmp_path, plan):
    run = sprint("calendar", "--from", "2020-10-01", "--to", "2020-10-09", home=tmp_path)
    assert run.stdout.splitlines()[0] == f"计划文件：{BUNDLED_PLAN}（原日程，未平移）"
    assert "注意" not in run.stdout

    drill = plan_drill(tmp_path, BUNDLED_PLAN, plan, MONDAY)
    write_plan(drill)
    make_live(tmp_path, drill)
    for command in ("calendar", "plan"):
        first = sprint(command, home=tmp_path).stdout.splitlines()[0]
        assert first == (f"计划文件：{drill.plan_file}（平移演练：由 baicheng-2020.yaml 整体平移324周"
                         f"（2020-09-22 → 2026-12-08），状态目录 {drill.home}）")
    # The drill's plan is the live plan: `sprint plan` shows its schedules moved (2020-10-09 +
    # 324 weeks = 2026-12-25, still a Friday), with no `sprint up` having deployed them.
    moved = sprint("plan", home=tmp_path).stdout
    assert "labor-ledger：每隔一周周五17:30（北京时间），自2026年12月25日起" in moved
    make_live(tmp_path, None)
    assert "未平移" in sprint("plan", home=tmp_path).stdout.splitlines()[0]


@pytest.mark.integration  # `sprint` subprocesses
def test_a_drill_started_today_shows_this_weeks_due_dates_and_reminders_on_working_days(
        tmp_path, plan):
    """Done when: a drill started on 2026-12-03 for that very week."""
    drill = plan_drill(tmp_path, BUNDLED_PLAN, plan, dt.date(2026, 12, 3))
    write_plan(drill)
    make_live(tmp_path, drill)
    run = sprint("calendar", "--from", "2026-11-30", "--to", "2026-12-06", "--json", home=tmp_path)
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    assert {"labor-ledger", "holiday-sales"} <= {r["duty"] for r in rows}
    this_week = [dt.datetime.fromisoformat(r["at"]).date() for row in rows for r in row["reminders"]]
    this_week = [d for d in this_week if dt.date(2026, 11, 30) <= d <= dt.date(2026, 12, 6)]
    assert this_week and all(is_workday(d) for d in this_week)
    assert "平移演练" in run.stderr


@pytest.mark.integration  # `sprint` subprocesses
def test_the_calendar_says_plainly_when_a_year_counts_weekends_alone(tmp_path, plan):
    drill = plan_drill(tmp_path, BUNDLED_PLAN, plan, MONDAY)
    moved = write_plan(drill)
    make_live(tmp_path, drill)
    run = sprint("calendar", home=tmp_path)
    assert run.returncode == 0, run.stderr
    note = run.stdout.splitlines()[1]
    assert note.startswith("注意：官方节假日日历（chinese-calendar ")
    assert "尚未收录2027年的放假安排，2027年的工作日只按周末计算" in note
    # Every due date and reminder of the drill still falls on a working day of that count.
    for duty in moved.duties:
        for p in periods(plan, duty):
            days = [r.at.date() for r in p.reminders] + ([] if duty.kind == "event" else [p.due.date()])
            assert all(is_workday(d) for d in days), (duty.id, p.id)
    assert re.search(r"labor-ledger  2026-12-12\.\.2026-12-25  截止 2026-12-25 17:00", run.stdout)
    assert window(moved).first_day == dt.date(2026, 12, 8)
