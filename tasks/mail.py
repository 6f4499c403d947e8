"""The run's mail as Prefect tasks: what it owes judged, rendered, recorded in the outbox and
sent (sprint.services.owing and sending)."""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import NO_CACHE

from sprint.domain.engine import Draft, Owed
from sprint.mailout import outbox
from sprint.mailout.compose import Message
from sprint.services import owing, sending
from sprint.services.context import Services
from tasks.run_log import log


@task(name="judge", cache_policy=NO_CACHE)
def judge(services: Services, flow: str, now, rows: bool = True) -> Owed:
    """What this run owes: replies, reminders, summaries, 通报 drafts, every unit's standing."""
    return owing.judge(services, flow, now, rows, log())


@task(name="answer", cache_policy=NO_CACHE)
def answer(services: Services, units: set[str], now) -> Owed:
    """What the intake owes at once: replies to these units' files, answers to mail read."""
    return owing.answer(services, units, now, log())


@task(name="render", cache_policy=NO_CACHE)
def render(services: Services, drafts: list[Draft]) -> list[Message]:
    """Each draft as the message it becomes: templates, workbooks, charts."""
    return sending.render(services, drafts)


@task(name="send", cache_policy=NO_CACHE)  # no retries: a retry around many sends is what the outbox prevents
def send(services: Services, messages: list[Message], flow: str, now, dry_run: bool,
         report: bool = True, after: outbox.Delivery | None = None) -> outbox.Delivery:
    return sending.send(services, messages, flow, now, dry_run, log(), report, after)


@task(name="report", cache_policy=NO_CACHE)
def report(services: Services, delivery: outbox.Delivery, flow: str, now,
           dry_run: bool) -> outbox.Delivery:
    """After the run's last delivery: every message in doubt or failed named to the operator."""
    if dry_run:
        return delivery
    return sending.report_to_operator(services, delivery, flow, now, log())
