"""Clauses 13 and 16: the monthly visits to the 2206 unstable and 4755 edge people, held
against the roster of monitored households."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.common import conclude, direct, namer, take_in
from tasks.artifacts import publish
from tasks.context import settings
from tasks.mail import render_visits, send_mail
from tasks.measure import measure

NAME = "household-visits"


@flow(name=NAME, flow_run_name=namer(NAME, NAME), log_prints=True)
def household_visits(as_of: dt.datetime | None = None, dry_run: bool = False):
    """Take in rosters and visit records, remind the late, reply to the refused; after each
    month, send each county its households not visited and those in need, and a summary.

    as_of: act as at this time (Beijing); empty means now. dry_run: render mail, send none.
    """
    return conclude(steps, as_of, dry_run)


def steps(now: dt.datetime, dry_run: bool, call=direct):
    kept = take_in(call, now)
    roster = call(measure, "monitored-roster", now)
    visits = call(measure, "household-visits", now)
    drafts, sections = call(render_visits, roster, visits, now)
    delivery = call(send_mail, NAME, drafts, now, dry_run)
    duty = settings().plan.duty(NAME)
    text = call(publish, NAME, duty.title, "13、16", [roster, visits], delivery, len(kept), now,
                dry_run, sections)
    return delivery, len(kept), text
