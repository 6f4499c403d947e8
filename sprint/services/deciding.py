"""A run's 通报 drafts: recorded, the operator asked, the expired marked, and each person's
decision carried out (the waiting itself is the entry point's: a Prefect form, or the shell)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from sprint.domain.engine import Owed
from sprint.domain.engine.notices import expired
from sprint.domain.plan import PlanError
from sprint.domain.records import APPROVED, DROPPED, EXPIRED, WAITING, NoticeRecord
from sprint.mailout.compose import Message
from sprint.mailout.render import message_of
from sprint.services import approval
from sprint.services.context import QUIET, Log, Services


def draft_notices(services: Services, owed_now: Owed, now: dt.datetime, run: str | None,
                  link: str | None, log: Log = QUIET) -> list[Message]:
    """Record each new 通报 draft; returns the mail that asks the operator to decide each."""
    store, plan = services.store, services.plan
    for d in owed_now.notices:
        m = message_of(services.templates, plan, d)
        named = ",".join(x["code"] for x in d.context["named"])
        if store.notices.draft(d.key, m.to, m.subject, m.text, m.html, named, now, run):
            log.info("通报草稿已登记：%s", m.subject)
    asks = [r for r in store.notices.all() if r.status == WAITING and r.run == run]
    return [message_of(services.templates, plan, approval.request(plan, asks, link))] if asks else []


def waiting(services: Services, run: str | None, now: dt.datetime, group: str | None = None,
            held: Callable[[str], bool] = lambda run: False) -> list[NoticeRecord]:
    """The drafts this run asks about; any draft past its time is marked expired first.

    Its own drafts, and those of its group (`group`) whose run no longer waits for them
    (`held` says whether a run still does): a run stopped by Ctrl-C, crashed, or started from
    the shell without waiting leaves its drafts to the next run, which adopts them."""
    store, mine = services.store, []
    for r in store.notices.all():
        if r.status != WAITING:
            continue
        if expired(services.plan, r, now):
            store.notices.decide(r.id, EXPIRED, now)
        elif r.run == run:
            mine.append(r)  # one decided meanwhile by another run is found so by apply
        elif (group is not None and _group_of(services, r) == group
              and not (r.run and held(r.run)) and store.notices.adopt(r.id, run)):
            mine.append(replace(r, run=run))
    return mine


def undecided(services: Services) -> list[NoticeRecord]:
    """Every draft waiting for a person, oldest first (the shell's list)."""
    return [r for r in services.store.notices.all() if r.status == WAITING]


def _group_of(services: Services, record: NoticeRecord) -> str | None:
    try:
        return services.plan.duty(record.duty).flow
    except PlanError:  # a duty no longer in the plan: nobody adopts its drafts
        return None


def apply(services: Services, record: NoticeRecord, decision: approval.Decision,
          now: dt.datetime, log: Log = QUIET) -> list[Message]:
    """Carry out a decision: an approval yields the 通报 to send, a drop records its reason."""
    status = APPROVED if decision.approved else DROPPED
    reason = (decision.reason.strip() or "未填写理由") if not decision.approved else None
    if not services.store.notices.decide(record.id, status, now, decision.note.strip() or None,
                                         reason):
        return []  # decided before (another run resumed it first)
    log.info("通报 #%d：%s%s", record.id, decision.choice,
             f"：{decision.reason}" if decision.reason else "")
    return [approval.approved_message(record, decision.note)] if decision.approved else []
