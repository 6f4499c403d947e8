"""A plan carries its groups' schedules: `sprint plan`, `sprint run`, the replay and `sprint up`
take them from the live plan, so SPRINT_PLAN switches the schedules with everything else."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from sprint.config.deployments import load_deployments, prefect_document, write_deployments
from sprint.domain.calendar import BEIJING
from sprint.domain.plan import BUNDLED_PLAN, PlanError, load_plan
from sprint.job.replay import schedule
from tests.test_cli import sprint

SIPING = Path(__file__).parent / "plans" / "siping-2021.yaml"


def _variant(tmp_path: Path, change) -> Path:
    """A copy of the Siping plan with its data changed by `change(raw)`."""
    raw = yaml.safe_load(SIPING.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "plan.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.integration  # `sprint` subprocesses
def test_sprint_plan_lists_the_second_plans_own_schedules(tmp_path):
    """Siping's weekly sowing ledger is due "每周五16:00" from 2021-03-12 (its `office:`
    rhythm), reminders at 08:30: its plan deploys `sowing` every Friday 16:30 from 2021-03-12
    and `sowing-reminders` and `dates` daily at 08:30. A state folder where `sprint up` once
    deployed Baicheng's changes nothing: the schedules are the live plan's."""
    home = tmp_path / "var"
    write_deployments(home / "prefect.yaml", load_plan(BUNDLED_PLAN))  # an earlier `sprint up`
    run = sprint("plan", env={"SPRINT_PLAN": str(SIPING)}, home=home)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == f"计划文件：{SIPING}（原日程，未平移）"
    assert lines[1].startswith("部署：按计划文件的日程，3个部署（3个定时运行），另有即时收件随台账落入运行")
    assert ("    flow sowing  sowing：每周五16:30（北京时间），自2021年3月12日起；"
            "sowing-reminders：每天8:30（北京时间）") in lines
    assert "    flow dates  dates：每天8:30（北京时间）" in lines
    assert "not deployed" not in run.stdout and "labor-ledger" not in run.stdout

    rows = json.loads(sprint("plan", "--json", env={"SPRINT_PLAN": str(SIPING)}, home=home).stdout)
    sowing = next(r for r in rows if r["duty"] == "weekly-sowing")
    assert sowing["deployments"] == ["sowing", "sowing-reminders"]
    assert sowing["schedules"] == [
        {"deployment": "sowing", "rrule": "DTSTART:20210312T163000\nRRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=FR",
         "timezone": "Asia/Shanghai"},
        {"deployment": "sowing-reminders", "cron": "30 8 * * *", "timezone": "Asia/Shanghai"}]


@pytest.mark.integration  # `sprint` subprocesses
def test_a_group_without_schedules_says_it_runs_only_by_hand_and_is_still_deployed(tmp_path):
    """A plan that gives the group `dates` no deployment: `sprint plan` says 仅手动运行, and
    `sprint up` deploys it under its own name, with no schedule, so the UI can run it."""
    path = _variant(tmp_path, lambda raw: raw.update(
        deployments=[d for d in raw["deployments"] if d["flow"] != "dates"]))
    run = sprint("plan", env={"SPRINT_PLAN": str(path)}, home=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "    flow dates  dates：仅手动运行" in run.stdout.splitlines()
    assert "3个部署（2个定时运行，1个仅手动运行）" in run.stdout
    [dates] = [d for d in prefect_document(load_plan(path))["deployments"] if d["name"] == "dates"]
    assert dates["schedules"] == [] and dates["parameters"] == {"flow": "dates", "dry_run": False}
    assert dates["description"] == "仅手动运行｜时限事项"


def test_the_replay_and_up_take_the_second_plans_groups_and_times():
    """Thursday 2021-03-11 and Friday 03-12 of Siping's plan: the daily runs of both groups at
    08:30 each day, and the sowing summary run at 16:30 on the Friday (due 16:00)."""
    plan = load_plan(SIPING)
    runs = schedule(load_deployments(plan), dt.date(2021, 3, 11), dt.date(2021, 3, 12))
    assert [(f"{t:%m-%d %H:%M}", group) for t, group in runs] == [
        ("03-11 08:30", "dates"), ("03-11 08:30", "sowing"),
        ("03-12 08:30", "dates"), ("03-12 08:30", "sowing"), ("03-12 16:30", "sowing")]
    assert all(t.tzinfo == BEIJING for t, _ in runs)
    deployed = prefect_document(plan)["deployments"]
    assert [(d["name"], d["parameters"].get("flow")) for d in deployed] == [
        ("sowing", "sowing"), ("sowing-reminders", "sowing"), ("dates", "dates"),
        ("review", None), ("intake", None)]
    assert {d["entrypoint"] for d in deployed} == {
        "flows/duties.py:duties", "flows/review.py:review", "flows/intake.py:intake"}


@pytest.mark.integration  # `sprint` subprocesses
def test_sprint_run_names_the_live_plans_deployments(tmp_path):
    """Under SPRINT_PLAN=siping, Baicheng's deployment names mean nothing, and the message
    lists Siping's."""
    run = sprint("run", "labor-ledger-reminders", "--dry-run",
                 env={"SPRINT_PLAN": str(SIPING)}, home=tmp_path)
    assert run.returncode == 2
    assert "没有名为 'labor-ledger-reminders' 的部署、事项组或事项" in run.stderr
    assert ("  部署（5 个）：sowing、sowing-reminders、dates、review（审核表单，在界面运行或用 "
            "sprint review）、intake（收到文件时自动运行）") in run.stderr


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(flow="harvest"),
     "deployments.0 (sowing).flow: 'harvest' is not one of the plan's flows (sowing, dates)"),
    (lambda d: d.update(schedules=[{"cron": "30 8 * * MON"}]),
     "cron '30 8 * * MON': only numbers"),
    (lambda d: d.update(schedules=[{"cron": "30 25 * * *"}]),
     "cron '30 25 * * *': '25' is outside 0-23"),
    (lambda d: d.update(schedules=[{"rrule": "RRULE:FREQ=WEEKLY;BYDAY=FR"}]),
     "rrule needs DTSTART"),
    (lambda d: d.update(schedules=[{"rrule": "DTSTART:20210312T163000\nRRULE:FREQ=FORTNIGHTLY"}]),
     "cannot be read"),
    (lambda d: d.update(schedules=[{"cron": "30 8 * * *", "timezone": "UTC"}]),
     "deployments.0.schedules.0.timezone: Input should be 'Asia/Shanghai'"),
    (lambda d: d.update(name="intake"), "'intake' is the deployment that answers files"),
    (lambda d: d.update(name="sowing-reminders"), "the name 'sowing-reminders' appears twice"),
    (lambda d: d.update(flow="review", schedules=[{"cron": "30 8 * * *"}]),
     "deployments.0 (sowing): the review waits for a person's decision in its form, so it runs "
     "only by hand: schedules: []"),
])
def test_a_bad_schedule_stops_the_plan_with_its_key_and_reason(tmp_path, change, message):
    path = _variant(tmp_path, lambda raw: change(raw["deployments"][0]))
    with pytest.raises(PlanError) as caught:
        load_plan(path)
    assert message in str(caught.value)


def test_a_plan_that_lists_no_review_form_still_gets_it_by_hand_under_its_name(tmp_path):
    """Siping's plan lists its review form (`flow: review`, no schedule); without that line the
    plan still gets one, named `review`, so every campaign's office can review in the UI; and a
    group's deployment may then not take that name."""
    from sprint.config.deployments import described
    from sprint.domain.plan.schedules import REVIEW_ABOUT

    listed = [d for d in prefect_document(load_plan(SIPING))["deployments"]
              if d["entrypoint"] == "flows/review.py:review"]
    assert [d["description"] for d in listed] == ["仅手动运行｜审核已接收的春播进度台账：逐份标为有疑问、已审核或已退回并附意见"]
    path = _variant(tmp_path, lambda raw: raw.update(
        deployments=[d for d in raw["deployments"] if d["flow"] != "review"]))
    [review] = [d for d in prefect_document(load_plan(path))["deployments"]
                if d["entrypoint"] == "flows/review.py:review"]
    assert review["name"] == "review" and review["schedules"] == [] and review["parameters"] == {}
    assert review["description"] == described(REVIEW_ABOUT, [])
    clash = _variant(tmp_path, lambda raw: raw.update(deployments=[
        d | {"name": "review"} if d["name"] == "dates" else d
        for d in raw["deployments"] if d["flow"] != "review"]))
    with pytest.raises(PlanError) as caught:
        load_plan(clash)
    assert "the name 'review' is the review form's" in str(caught.value)
