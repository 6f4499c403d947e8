"""Every duty of the plan, run by its deployment group: take in the inbox, judge what is owed,
send it, ask a person about each 通报 draft, and account for it all in the UI."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from prefect import flow
from prefect.runtime import flow_run
from prefect.utilities.annotations import quote
from pydantic import BeforeValidator, Field, WithJsonSchema

from flows.ending import finish
from sprint.config.settings import load_settings
from sprint.domain.calendar import open_and_closing, periods
from sprint.domain.clock import AS_OF_HELP, moment, parse
from sprint.domain.window import outside
from sprint.services.context import connect
from tasks.approval import apply, ask, draft_notices, waiting
from tasks.artifacts import idle, publish
from tasks.intake import collect, validate
from tasks.mail import judge, render, report, send

# A date or a date and time, read by sprint.domain.clock. The form shows it as one text field with
# examples: as an anyOf of date-time, date and null, Prefect's form offered three tabs and,
# left empty, "Property is type None".
AsOf = Annotated[dt.datetime | dt.date | None,
                 BeforeValidator(lambda v: parse(v) if isinstance(v, str) and v.strip() else v or None),
                 WithJsonSchema({"type": "string", "title": "as_of（运行时点）",
                                 "description": AS_OF_HELP,
                                 "examples": ["2020-10-12", "2020-10-12 12:00"]}),
                 Field(description=AS_OF_HELP)]


def run_name() -> str:
    """Group, period and clock, as the UI's list of runs should read:
    `labor-ledger 2020-10-09 @2020-10-12 12:00`."""
    group = flow_run.parameters["flow"]
    now = moment(flow_run.parameters.get("as_of"))
    plan = load_settings().plan
    recurring = [d for d in plan.in_flow(group) if d.cadence is not None]
    period = f" {open_and_closing(periods(plan, recurring[0]), now)[0].id}" if recurring else ""
    dry = " (演练)" if flow_run.parameters.get("dry_run") else ""
    return f"{group}{period} @{now:%Y-%m-%d %H:%M}{dry}"


@flow(name="sprint-duties", flow_run_name=run_name, log_prints=True)
def duties(flow: str, as_of: AsOf = None, dry_run: bool = False):
    """Run the duties of one group of the plan (labor-ledger, weekly-dispatch, ...).

    Args:
        flow: 方案中的事项组（部署名），如 labor-ledger
        as_of: 按此时点运行；只写日期表示当日24时（北京时间）；留空表示现在
        dry_run: 演练：邮件只生成到 var/dry-run，不发送
    """
    # quote(x): a task gets x as it is, Prefect not walking it for futures (the drafts hold
    # thousands of rows; walking them took 40 ms a task).
    services = connect()
    now = moment(as_of)
    if why := outside(services.plan, now):  # before or after the plan's days: nothing to do
        return idle(flow, why)
    kept = collect(services, now)
    judged = validate(services, kept)
    owed = judge(services, flow, now)
    messages = render(services, quote(owed.drafts))
    run = str(flow_run.get_id()) if flow_run.get_id() else None
    asks = [] if dry_run else draft_notices(services, quote(owed), now, run, flow_run.ui_url)
    delivery = send(services, messages + asks, flow, now, dry_run, report=False)
    for record in [] if dry_run else waiting(services, run, now):
        decision = ask(services, record, now)
        delivery = send(services, apply(services, record, decision, now), flow, now, dry_run,
                        report=False, after=delivery)
    delivery = report(services, delivery, flow, now, dry_run)  # after the last attempt
    text = publish(services, flow, owed, delivery, judged, now, dry_run)
    print(text)
    return finish(delivery, len(kept))
