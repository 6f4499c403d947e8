"""prefect.yaml and the plan must agree: every duty's flow is deployed on the plan's rhythm."""

import datetime as dt
import importlib
import re

import pytest

from sprint.calendar import periods
from sprint.deployments import load_deployments

BUILT = {"labor_ledger", "target_ledgers", "deadlines", "weekly_dispatch", "household_visits",
         "exit_process"}  # the flows of the plan that exist so far


def test_every_built_flow_of_the_plan_has_a_deployment_whose_entrypoint_exists(plan):
    deployments = load_deployments()
    for duty in plan.duties:
        if duty.flow not in BUILT:
            continue
        mine = [d for d in deployments if d.flow == duty.flow]
        assert mine, f"no deployment runs the flow {duty.flow} of duty {duty.id}"
        module = importlib.import_module(f"flows.{duty.flow}")
        assert getattr(module, duty.flow).name == duty.flow.replace("_", "-")
    for d in deployments:
        [schedule] = d.schedules
        assert schedule["timezone"] == "Asia/Shanghai"


@pytest.mark.parametrize("name, duty_id", [("labor-ledger", "labor-ledger"),
                                           ("weekly-dispatch", "rectification-ledger")])
def test_a_weekly_rhythm_starts_at_the_first_due_date_and_repeats_with_the_cadence(
        plan, name, duty_id):
    duty = plan.duty(duty_id)
    [main] = [d for d in load_deployments() if d.name == name]
    assert main.flow == duty.flow
    [schedule] = main.schedules
    assert schedule["timezone"] == "Asia/Shanghai"
    start = re.search(r"DTSTART:(\d{8})T(\d{4})", schedule["rrule"])
    assert dt.datetime.strptime(start.group(1), "%Y%m%d").date() == duty.cadence.first_due
    assert dt.datetime.strptime(start.group(2), "%H%M").time() > duty.cadence.due_time
    interval = int(re.search(r"INTERVAL=(\d+)", schedule["rrule"]).group(1))
    assert interval * 7 == duty.cadence.every_days
    weekday = re.search(r"BYDAY=(\w\w)", schedule["rrule"]).group(1)
    assert weekday == ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][duty.cadence.first_due.weekday()]


def test_every_flow_with_reminders_runs_daily_at_or_after_the_reminder_time(plan):
    for flow in BUILT:
        times = {d.reminders.time for d in plan.duties if d.flow == flow and d.reminders.offsets}
        daily = [d for d in load_deployments() if d.flow == flow and "cron" in d.schedules[0]]
        assert daily, f"{flow} has no daily run for its reminders"
        minute, hour, day, months, weekday = daily[0].schedules[0]["cron"].split()
        assert (day, weekday) == ("*", "*")
        assert all(dt.time(int(hour), int(minute)) >= t for t in times)
        due_months = {p.due.month for d in plan.duties if d.flow == flow for p in periods(d)
                      if p.due.year == plan.year}
        assert months == "*" or due_months <= {int(m) for m in months.split(",")}


def test_the_daily_run_fires_at_the_reminder_time(plan):
    duty = plan.duty("labor-ledger")
    [daily] = [d for d in load_deployments() if d.name == "labor-ledger-reminders"]
    [schedule] = daily.schedules
    minute, hour, *rest = schedule["cron"].split()
    assert (int(hour), int(minute)) == (duty.reminders.time.hour, duty.reminders.time.minute)
    assert rest == ["*", "*", "*"] and schedule["timezone"] == "Asia/Shanghai"
