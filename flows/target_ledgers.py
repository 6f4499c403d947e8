"""Clauses 3, 5, 7-11: the monthly (and biweekly) ledgers held against the plan's targets:
micro-credit (loan rate), consumption counters and zones, 832 procurement, solar income, repairs."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.common import conclude, direct, namer, take_in
from tasks.artifacts import publish
from tasks.context import settings
from tasks.mail import render_ledgers, send_mail
from tasks.measure import measure

NAME = "target-ledgers"


@flow(name=NAME, flow_run_name=namer(NAME), log_prints=True)
def target_ledgers(as_of: dt.datetime | None = None, dry_run: bool = False):
    """Take in every ledger held against a target, remind the late, reply to the refused, and
    send each ledger's summary, with every target and its shortfalls, once its period closes.

    as_of: act as at this time (Beijing); empty means now. dry_run: render mail, send none.
    """
    return conclude(steps, as_of, dry_run)


def steps(now: dt.datetime, dry_run: bool, call=direct):
    duties = [d.id for d in settings().plan.duties if d.flow == "target_ledgers"]
    kept = take_in(call, now)
    measured = [call(measure, d, now) for d in duties]
    drafts, sections = call(render_ledgers, duties, measured, now)
    delivery = call(send_mail, duties[0], drafts, now, dry_run)
    text = call(publish, NAME, "目标类台账（小额信贷、消费扶贫、832采购、光伏收益、受灾修复）",
                "3、5、7—11", measured, delivery, len(kept), now, dry_run, sections)
    return delivery, len(kept), text
