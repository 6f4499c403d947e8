"""Clause 6①: the biweekly labor-transfer ledger of every county."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.common import conclude, direct, namer, take_in
from tasks.artifacts import labor_section, publish
from tasks.context import settings
from tasks.mail import render_labor, send_mail
from tasks.measure import measure

DUTY = "labor-ledger"


@flow(name=DUTY, flow_run_name=namer(DUTY, DUTY), log_prints=True)
def labor_ledger(as_of: dt.datetime | None = None, dry_run: bool = False):
    """Take in the counties' labor ledgers, remind the late, reply to the refused, and send the
    summary of the period just closed to 市人社局 and 市扶贫办.

    as_of: act as at this time (Beijing); empty means now. dry_run: render mail, send none.
    """
    return conclude(steps, as_of, dry_run)


def steps(now: dt.datetime, dry_run: bool, call=direct):
    kept = take_in(call, now)
    measured = call(measure, DUTY, now)
    drafts, summary = call(render_labor, DUTY, measured, now)
    delivery = call(send_mail, DUTY, drafts, now, dry_run)
    duty = settings().plan.duty(DUTY)
    text = call(publish, DUTY, duty.title, duty.clause_text, [measured], delivery, len(kept), now,
                dry_run, labor_section(summary))
    return delivery, len(kept), text
