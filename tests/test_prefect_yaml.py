"""The plan's deployments and its duties agree (every group is deployed on its duties' rhythm),
and the top-level prefect.yaml is exactly the bundled plan's deployments, as Prefect reads them."""

import datetime as dt
import importlib
import re
from pathlib import Path

import pytest
import yaml

from sprint.config.deployments import load_deployments, prefect_document, read_deployments
from sprint.config.resources import DUTIES
from sprint.domain.calendar import periods

PREFECT_YAML = Path(__file__).resolve().parents[1] / "prefect.yaml"


def test_the_top_level_prefect_yaml_is_the_bundled_plans_deployments(plan):
    """Same deployments in the same order, the same groups, schedules, descriptions, trigger and
    working directory: a Prefect user deploying it gets what `sprint up` deploys."""
    top = yaml.safe_load(PREFECT_YAML.read_text(encoding="utf-8"))
    ours = prefect_document(plan)
    assert top["pull"] == ours["pull"]
    assert [d["name"] for d in top["deployments"]] == [d["name"] for d in ours["deployments"]]
    for mine, theirs in zip(ours["deployments"], top["deployments"], strict=True):
        assert theirs == mine, f"prefect.yaml's {theirs['name']} differs from the plan's " \
                               "(`sprint plan --prefect-yaml` prints the plan's)"
    assert read_deployments(PREFECT_YAML, triggered=True) == load_deployments(plan, triggered=True)


def test_every_group_of_the_plan_is_deployed_and_every_entrypoint_exists(plan):
    deployments = [d for d in load_deployments(plan) if d.entrypoint == DUTIES]
    assert {d.flow for d in deployments} == set(plan.flows)
    for d in deployments:
        assert d.flow in plan.flows, f"deployment {d.name} runs {d.flow!r}, no group of the plan"
        [schedule] = d.schedules
        assert schedule["timezone"] == "Asia/Shanghai"
    for entrypoint in {d.entrypoint for d in load_deployments(plan, triggered=True)}:
        path, _, function = entrypoint.partition(":")
        module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
        assert callable(getattr(module, function))


@pytest.mark.parametrize("name, duty_id", [("labor-ledger", "labor-ledger"),
                                           ("weekly-dispatch", "rectification-ledger")])
def test_a_weekly_rhythm_starts_at_the_first_due_date_and_repeats_with_the_cadence(
        plan, name, duty_id):
    duty = plan.duty(duty_id)
    [main] = [d for d in load_deployments(plan) if d.name == name]
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
    for flow in plan.flows:
        times = {d.reminders.time for d in plan.duties if d.flow == flow and d.reminders.offsets}
        daily = [d for d in load_deployments(plan) if d.flow == flow and "cron" in d.schedules[0]]
        assert daily, f"{flow} has no daily run for its reminders"
        minute, hour, day, months, weekday = daily[0].schedules[0]["cron"].split()
        assert (day, weekday) == ("*", "*")
        assert all(dt.time(int(hour), int(minute)) >= t for t in times)
        due_months = {p.due.month for d in plan.duties if d.flow == flow for p in periods(plan, d)
                      if p.due.year == plan.year}
        assert months == "*" or due_months <= {int(m) for m in months.split(",")}


def test_the_daily_run_fires_at_the_reminder_time(plan):
    duty = plan.duty("labor-ledger")
    [daily] = [d for d in load_deployments(plan) if d.name == "labor-ledger-reminders"]
    [schedule] = daily.schedules
    minute, hour, *rest = schedule["cron"].split()
    assert (int(hour), int(minute)) == (duty.reminders.time.hour, duty.reminders.time.minute)
    assert rest == ["*", "*", "*"] and schedule["timezone"] == "Asia/Shanghai"


def test_the_intake_runs_on_the_events_the_watcher_emits_and_on_no_schedule(plan):
    from sprint.job.watch import LANDED, MAIL_READ

    [intake] = [d for d in load_deployments(plan, triggered=True) if d.name == "intake"]
    assert intake.schedules == () and intake.name not in {d.name for d in load_deployments(plan)}
    [trigger] = intake.triggers
    assert set(trigger["expect"]) == {LANDED, MAIL_READ} and trigger["posture"] == "Reactive"
    assert trigger["match"] == {"prefect.resource.id": "sprint.unit.*"}
    path, _, function = intake.entrypoint.partition(":")
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    assert callable(getattr(module, function))


def test_every_description_says_its_schedule_in_words(plan):
    from sprint.config.deployments import described, in_words

    raw = prefect_document(plan)["deployments"]
    for d in raw:
        assert d["description"] == described(d["description"], d.get("schedules") or [],
                                             bool(d.get("triggers"))), d["name"]
    words = {d["name"]: in_words(d["schedules"][0]) for d in raw if d.get("schedules")}
    assert [d["description"].partition("｜")[0] for d in raw if not d.get("schedules")] == [
        "仅手动运行", "台账落入收件箱即运行"]  # the review form, the intake
    assert words["labor-ledger"] == "每隔一周周五17:30（北京时间），自2020年10月9日起"
    assert words["weekly-dispatch"] == "每周五17:30（北京时间），自2020年10月9日起"
    assert words["labor-ledger-reminders"] == "每天9:00（北京时间）"
    assert words["exit-process"] == "10月、11月、12月每天10:00（北京时间）"


def test_the_review_form_is_deployed_to_run_by_hand_only_and_the_replay_never_runs_it(plan):
    """Issue 26: "in the Prefect UI (a typed form, as the 通报 decision is)". The plan lists the
    review among its deployments; it has no schedule (it waits for a person), so `sprint plan`
    says 仅手动运行 and the replay, which runs the plan's schedules, never runs it."""
    from sprint.job.replay import schedule

    [review] = [d for d in load_deployments(plan) if d.name == "review"]
    assert review.entrypoint == "flows/review.py:review" and review.flow == "review"
    assert review.schedules == () and review.parameters == {}
    assert review.describe() == "review：仅手动运行"
    runs = schedule(load_deployments(plan), dt.date(2020, 9, 22), dt.date(2020, 12, 31))
    assert runs and "review" not in {group for _, group in runs}
    [raw] = [d for d in prefect_document(plan)["deployments"] if d["name"] == "review"]
    assert raw["description"].startswith("仅手动运行｜审核已接收的台账")
    assert raw["work_pool"] == {"name": "sprint"} and raw["schedules"] == []
