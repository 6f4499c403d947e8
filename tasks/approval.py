"""The 通报 drafts of a run: recorded, the operator asked, and each decision carried out."""

from __future__ import annotations

import datetime as dt

from prefect import task
from prefect.cache_policies import NO_CACHE

from sprint.domain.engine import Owed
from sprint.domain.engine.notices import expired
from sprint.domain.records import APPROVED, DROPPED, EXPIRED, WAITING, NoticeRecord
from sprint.mailout.compose import Message
from sprint.mailout.render import message_of
from sprint.services import approval
from tasks.services import Services, log


@task(name="draft notices", cache_policy=NO_CACHE)
def draft_notices(services: Services, owed_now: Owed, now: dt.datetime, run: str | None,
                  link: str | None) -> list[Message]:
    """Record each new 通报 draft; returns the mail that asks the operator to decide each."""
    store, plan = services.store, services.plan
    for d in owed_now.notices:
        m = message_of(services.templates, plan, d)
        named = ",".join(x["code"] for x in d.context["named"])
        if store.notices.draft(d.key, m.to, m.subject, m.text, m.html, named, now, run):
            log().info("通报 draft recorded: %s", m.subject)
    asks = [r for r in store.notices.all() if r.status == WAITING and r.run == run]
    return [message_of(services.templates, plan, approval.request(plan, asks, link))] if asks else []


def waiting(services: Services, run: str | None, now: dt.datetime) -> list[NoticeRecord]:
    """This run's drafts still to decide; any draft past its time is marked expired first."""
    store, mine = services.store, []
    for r in store.notices.all():
        if r.status != WAITING:
            continue
        if expired(services.plan, r, now):
            store.notices.decide(r.id, EXPIRED, now)
        elif r.run == run:
            mine.append(r)  # one decided meanwhile by another run is found so by apply
    return mine


@task(name="apply decision", cache_policy=NO_CACHE)
def apply(services: Services, record: NoticeRecord, decision: approval.Decision,
          now: dt.datetime) -> list[Message]:
    """Carry out a decision: an approval yields the 通报 to send, a drop records its reason."""
    status = APPROVED if decision.approved else DROPPED
    reason = (decision.reason.strip() or "未填写理由") if not decision.approved else None
    if not services.store.notices.decide(record.id, status, now, decision.note.strip() or None,
                                         reason):
        return []  # decided before (another run resumed it first)
    log().info("通报 #%d %s%s", record.id, decision.choice,
               f"：{decision.reason}" if decision.reason else "")
    return [approval.approved_message(record, decision.note)] if decision.approved else []


def ask(services: Services, record: NoticeRecord, now: dt.datetime) -> approval.Decision:
    """Wait for the operator's decision in the Prefect UI: a deployment's run is suspended
    (waiting holds no worker: the run starts again when resumed, and finds its decision); a run
    started by hand in this process pauses. A draft left undecided expires."""
    from prefect import pause_flow_run, suspend_flow_run
    from prefect.exceptions import FlowPauseTimeout
    from prefect.runtime import deployment

    from sprint.domain.engine.notices import expires_at
    from tasks.decision import NoticeDecision

    seconds = max(60, int((expires_at(services.plan, record) - record.drafted_at).total_seconds()))
    form = NoticeDecision.with_initial_data(description=approval.form_text(record))
    key = f"notice-{record.id}"
    try:
        if deployment.id:
            answer = suspend_flow_run(wait_for_input=form, timeout=seconds, key=key)
        else:
            answer = pause_flow_run(wait_for_input=form, timeout=seconds, poll_interval=2, key=key)
    except FlowPauseTimeout:
        services.store.notices.decide(record.id, EXPIRED, now)
        log().warning("通报 #%d expired undecided", record.id)
        return approval.Decision(approval.DROP, reason="过期未审批")
    return approval.Decision(answer.decision, answer.note, answer.reason)
