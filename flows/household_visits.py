"""Clauses 13 and 16: the monthly visits to the 2206 unstable and 4755 edge people, held
against the roster of monitored households."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.common import finish, moment, namer
from tasks.artifacts import publish
from tasks.context import settings
from tasks.intake import collect, validate
from tasks.mail import render_visits, send_mail
from tasks.measure import measure

NAME = "household-visits"


@flow(name=NAME, flow_run_name=namer(NAME, NAME), log_prints=True)
def household_visits(as_of: dt.datetime | None = None, dry_run: bool = False):
    """Take in rosters and visit records, remind the late, reply to the refused; after each
    month, send each county its households not visited and those in need, and a summary.

    as_of: act as at this time (Beijing); empty means now. dry_run: render mail, send none.
    """
    now = moment(as_of)
    kept = collect(now)
    validate(kept)
    roster = measure("monitored-roster", now)
    visits = measure("household-visits", now)
    drafts, sections = render_visits(roster, visits, now)
    delivery = send_mail(NAME, drafts, now, dry_run)
    duty = settings().plan.duty(NAME)
    print(publish(NAME, duty.title, "13、16", [roster, visits], delivery, len(kept), now,
                  dry_run, sections))
    return finish(delivery, len(kept))
