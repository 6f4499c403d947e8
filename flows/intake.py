"""The intake at once: when a file lands in a unit's folder (by mail or dropped there), or a mail
needs an answer, `sprint watch` emits an event and the `intake` deployment's trigger runs this
flow. It takes in every new file of the inbox and answers each at once (acceptance or
rejection), and the mail without a ledger; the scheduled runs keep reminders and summaries."""

from __future__ import annotations

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import Failed

from flows.duties import AsOf
from flows.ending import finish
from sprint.domain.clock import NotAMoment, moment
from sprint.domain.window import outside
from sprint.services.context import connect
from tasks.artifacts import idle, publish
from tasks.intake import collect, validate
from tasks.mail import answer, render, send

GROUP = "intake"


def run_name() -> str:
    unit = flow_run.parameters.get("unit") or "—"
    try:
        return f"intake {unit} @{moment(flow_run.parameters.get('as_of')):%Y-%m-%d %H:%M:%S}"
    except NotAMoment:
        return f"intake {unit} @日期有误"


@flow(name="sprint-intake", flow_run_name=run_name, log_prints=True)
def intake(unit: str | None = None, as_of: AsOf = None):
    """Take in the inbox and answer every new file at once.

    Args:
        unit: 触发本次收件的单位代码（事件带来）；本次收件覆盖所有单位的新文件
        as_of: 按此时点运行；留空表示现在
    """
    try:
        now = moment(as_of)
    except NotAMoment as e:  # a date from the form that does not exist: one Chinese line
        return Failed(message=str(e))
    services = connect()
    if why := outside(services.plan, now):
        return idle(GROUP, why)
    kept = collect(services, now)
    judged = validate(services, kept)
    units = {j.arrival.unit for j in judged} | ({unit} & {u.code for u in services.plan.units})
    owed = answer(services, units, now)
    messages = render(services, owed.drafts)
    delivery = send(services, messages, GROUP, now, False)
    print(publish(services, GROUP, owed, delivery, judged, now, False))
    return finish(delivery, len(kept))
