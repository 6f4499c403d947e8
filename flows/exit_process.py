"""Clause 15: the November exit procedure of the households not yet out of poverty."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.common import conclude, direct, namer, take_in
from sprint.exit_report import LEDGERS
from tasks.artifacts import publish
from tasks.context import settings
from tasks.mail import render_exit, send_mail
from tasks.measure import measure

NAME = "exit-process"


@flow(name=NAME, flow_run_name=namer(NAME, NAME), log_prints=True)
def exit_process(as_of: dt.datetime | None = None, dry_run: bool = False):
    """Take in the situation, problem and stage ledgers, replay each household's procedure
    against the rules, and each week tell every county what is stalled, refused or not started,
    send 市扶贫办 the summary, and after the start-by date name the counties behind.

    as_of: act as at this time (Beijing); empty means now. dry_run: render mail, send none.
    """
    return conclude(steps, as_of, dry_run)


def steps(now: dt.datetime, dry_run: bool, call=direct):
    kept = take_in(call, now)
    measured = {d: call(measure, d, now) for d in LEDGERS}
    drafts, sections = call(render_exit, measured, now)
    delivery = call(send_mail, NAME, drafts, now, dry_run)
    duty = settings().plan.duty(NAME)
    text = call(publish, NAME, duty.title, duty.clause_text, list(measured.values()), delivery,
                len(kept), now, dry_run, sections)
    return delivery, len(kept), text
