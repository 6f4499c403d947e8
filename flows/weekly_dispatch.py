"""Clauses 1, 2, 17, 18 and 四(三): the weekly dispatch of every unit's rectification items,
with a roll-up of every duty and target, and a 通报 of the units that fall behind."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.common import conclude, direct, namer, take_in
from tasks.artifacts import publish
from tasks.context import settings
from tasks.mail import render_dispatch, send_mail
from tasks.measure import measure

NAME = "weekly-dispatch"
DUTY = "rectification-ledger"


@flow(name=NAME, flow_run_name=namer(NAME, DUTY), log_prints=True)
def weekly_dispatch(as_of: dt.datetime | None = None, dry_run: bool = False):
    """Take in the rectification ledgers, remind the late, reply to the refused; after the week's
    due time, send the dispatch report to 市扶贫办 and the 通报 to the leading group.

    as_of: act as at this time (Beijing); empty means now. dry_run: render mail, send none.
    """
    return conclude(steps, as_of, dry_run)


def steps(now: dt.datetime, dry_run: bool, call=direct):
    plan = settings().plan
    kept = take_in(call, now)
    rect = call(measure, DUTY, now)
    drafts, sections = call(render_dispatch, rect, now)
    delivery = call(send_mail, DUTY, drafts, now, dry_run)
    duty = plan.duty(DUTY)
    text = call(publish, NAME, duty.title, duty.clause_text, [rect], delivery, len(kept), now,
                dry_run, sections)
    return delivery, len(kept), text
