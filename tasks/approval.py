"""The 通报 drafts of a run: recorded, the operator asked, and each decision carried out."""

from __future__ import annotations

import datetime as dt

from prefect import task
from prefect.cache_policies import NO_CACHE

from sprint.domain.engine import Owed
from sprint.domain.records import EXPIRED, NoticeRecord
from sprint.mailout.compose import Message
from sprint.services import approval, deciding
from sprint.services.context import Services
from tasks.run_log import log

__all__ = ["apply", "ask", "draft_notices", "held", "waiting"]


def held(run_id: str) -> bool:
    """Whether another flow run still owns its drafts: it is live (running, or paused or
    suspended waiting for the decision). A run this server does not know (a run from the shell
    on a temporary server), or one that ended, holds nothing."""
    from uuid import UUID

    from prefect import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            return not client.read_flow_run(UUID(run_id)).state.is_final()
    except (ObjectNotFound, ValueError):
        return False


def waiting(services: Services, run: str | None, now: dt.datetime,
            group: str) -> list[NoticeRecord]:
    """The drafts this run asks about: its own, and its group's that no live run holds."""
    return deciding.waiting(services, run, now, group, held)


@task(name="draft notices", cache_policy=NO_CACHE)
def draft_notices(services: Services, owed_now: Owed, now: dt.datetime, run: str | None,
                  link: str | None) -> list[Message]:
    """Record each new 通报 draft; returns the mail that asks the operator to decide each."""
    return deciding.draft_notices(services, owed_now, now, run, link, log())


@task(name="apply decision", cache_policy=NO_CACHE)
def apply(services: Services, record: NoticeRecord, decision: approval.Decision,
          now: dt.datetime) -> list[Message]:
    """Carry out a decision: an approval yields the 通报 to send, a drop records its reason."""
    return deciding.apply(services, record, decision, now, log())


def ask(services: Services, record: NoticeRecord, now: dt.datetime) -> approval.Decision | None:
    """Wait for the operator's decision in the Prefect UI: a deployment's run is suspended
    (waiting holds no worker: the run starts again when resumed, and finds its decision); a run
    started by hand in this process pauses. A draft left undecided expires."""
    from prefect import pause_flow_run, suspend_flow_run
    from prefect.artifacts import create_markdown_artifact
    from prefect.exceptions import FlowPauseTimeout
    from prefect.runtime import deployment

    from sprint.domain.engine.notices import expires_at
    from tasks.decision import NoticeDecision

    seconds = max(60, int((expires_at(services.plan, record) - record.drafted_at).total_seconds()))
    text = approval.form_text(record)
    # The run's page shows the draft while it waits (the summary comes once all is decided).
    create_markdown_artifact(f"# 待审批的通报草稿 #{record.id}\n\n{text}",
                             description=f"通报草稿 #{record.id}，待审批")
    form = NoticeDecision.with_initial_data(description=text)
    key = approval.pause_key(record.id)
    try:
        if deployment.id:
            answer = suspend_flow_run(wait_for_input=form, timeout=seconds, key=key)
        else:
            answer = pause_flow_run(wait_for_input=form, timeout=seconds, poll_interval=2, key=key)
    except FlowPauseTimeout:
        services.store.notices.decide(record.id, EXPIRED, now)
        log().warning("通报 #%d 过期未审批，已作废", record.id)
        return approval.Decision(approval.DROP, reason="过期未审批")
    if answer.decision is None:  # the form sent without a choice: the draft waits on
        log().warning("通报 #%d 未选择审批意见，草稿仍待审批；可在下次运行或用 "
                      ".venv/bin/sprint approve 审批", record.id)
        return None
    return approval.Decision(answer.decision, answer.note, answer.reason)
