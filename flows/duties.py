"""Every duty of the plan, run by its deployment group: take in the inbox, judge what is owed,
send it, ask a person about each 通报 draft, and account for it all in the UI."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import Failed
from prefect.utilities.annotations import quote
from pydantic import BeforeValidator, Field, WithJsonSchema

from flows.ending import finish
from sprint.config.settings import load_settings
from sprint.domain.calendar import open_and_closing, periods
from sprint.domain.clock import AS_OF_HELP, PATTERN, NotAMoment, moment, parse
from sprint.domain.window import outside
from sprint.services.approval import NO_WAIT
from sprint.services.context import connect
from tasks.approval import apply, ask, draft_notices, waiting
from tasks.artifacts import idle, publish
from tasks.intake import collect, validate
from tasks.mail import judge, render, report, send

# A date or a date and time, read by sprint.domain.clock. The form shows it as one text field with
# examples: as an anyOf of date-time, date and null, Prefect's form offered three tabs and,
# left empty, "Property is type None". Its pattern refuses what is no date in the form, before
# a run starts; a date that only looks like one (2020-13-40) is kept as text and ends the run
# with one Chinese line, never a traceback.
AsOf = Annotated[dt.datetime | dt.date | str | None,
                 BeforeValidator(lambda v: _read(v) if isinstance(v, str) and v.strip() else v or None),
                 WithJsonSchema({"type": "string", "title": "as_of（运行时点）",
                                 "description": AS_OF_HELP, "pattern": PATTERN,
                                 "examples": ["2020-10-12", "2020-10-12 12:00"]}),
                 Field(description=AS_OF_HELP)]
Group = Annotated[str, Field(title="flow（事项组，由部署确定）",
                             description="本部署运行的事项组；由部署确定，改了也不生效")]
DryRun = Annotated[bool, Field(title="dry_run（试运行）",
                               description="试运行（只生成邮件，不发送）：邮件生成到 var/dry-run")]


def _read(text: str):
    try:
        return parse(text)
    except NotAMoment:
        return text


def waits() -> bool:
    """Whether this run waits for a person's decision: a deployment's run suspends (holding no
    worker); a run from the shell never waits (`sprint run` returns, the drafts wait for the
    next run or `sprint approve`); any other run started by hand pauses."""
    from prefect.runtime import deployment

    return bool(deployment.id) or NO_WAIT not in (flow_run.tags or [])


def fixed_group(given: str) -> str:
    """The group a deployment runs is the deployment's own: a `flow` typed into the UI's form
    cannot start another group's duties under its name."""
    from uuid import UUID

    from prefect import get_client
    from prefect.runtime import deployment

    if not deployment.id:
        return given
    with get_client(sync_client=True) as client:  # the deployment's own, not the run's
        own = (client.read_deployment(UUID(deployment.id)).parameters or {}).get("flow")
    return own or given


def run_name() -> str:
    """Group, period and clock, as the UI's list of runs should read:
    `labor-ledger 2020-10-09 @2020-10-12 12:00`."""
    group = fixed_group(flow_run.parameters.get("flow", ""))
    try:
        now = moment(flow_run.parameters.get("as_of"))
    except NotAMoment:
        return f"{group} @日期有误"
    plan = load_settings().plan
    recurring = [d for d in plan.in_flow(group) if d.cadence is not None]
    period = f" {open_and_closing(periods(plan, recurring[0]), now)[0].id}" if recurring else ""
    dry = " (试运行)" if flow_run.parameters.get("dry_run") else ""
    return f"{group}{period} @{now:%Y-%m-%d %H:%M}{dry}"


@flow(name="sprint-duties", flow_run_name=run_name, log_prints=True)
# The UI's form lists the fields in this order: the group, fixed by the deployment, comes last.
def duties(as_of: AsOf = None, dry_run: DryRun = False, flow: Group = ""):
    """Run the duties of one group of the plan (labor-ledger, weekly-dispatch, ...).

    Args:
        as_of: 按此时点运行；只写日期表示当日24时（北京时间）；留空表示现在。例：2020-10-12、2020/10/12、2020年10月12日、2020-10-12 12:00
        dry_run: 试运行（只生成邮件，不发送）
        flow: 事项组，由部署确定（如 labor-ledger）；在此修改不生效
    """
    # quote(x): a task gets x as it is, Prefect not walking it for futures (the drafts hold
    # thousands of rows; walking them took 40 ms a task).
    if (own := fixed_group(flow)) != flow:
        print(f"本部署只运行事项组 {own}；表单中填写的 {flow} 不生效")
        flow = own
    if flow not in load_settings().plan.flows:
        return Failed(message=f"没有事项组 {flow!r}；请从部署运行（Deployments → 部署名 → Run）")
    try:
        now = moment(as_of)
    except NotAMoment as e:
        return Failed(message=str(e))
    services = connect()
    if why := outside(services.plan, now):  # before or after the plan's days: nothing to do
        return idle(flow, why)
    kept = collect(services, now)
    judged = validate(services, kept)
    owed = judge(services, flow, now)
    messages = render(services, quote(owed.drafts))
    run = str(flow_run.get_id()) if flow_run.get_id() else None
    link = flow_run.ui_url if waits() else None  # a run from the shell: no page to decide on
    asks = [] if dry_run else draft_notices(services, quote(owed), now, run, link)
    delivery = send(services, messages + asks, flow, now, dry_run, report=False)
    drafts = [] if dry_run else waiting(services, run, now, flow)
    if drafts and not waits():
        print(f"通报草稿待审批：{len(drafts)} 份，本次运行不等待；请运行 .venv/bin/sprint approve "
              "查看并审批，或在主任务的 Prefect 界面审批；未审批的草稿下次运行时再次提请")
        drafts = []
    for record in drafts:
        decision = ask(services, record, now)
        if decision is None:  # no choice made: the draft waits for the next run or the shell
            continue
        delivery = send(services, apply(services, record, decision, now), flow, now, dry_run,
                        report=False, after=delivery)
    delivery = report(services, delivery, flow, now, dry_run)  # after the last attempt
    text = publish(services, flow, owed, delivery, judged, now, dry_run)
    print(text)
    return finish(delivery, len(kept))
