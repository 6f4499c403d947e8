"""The plan's one-off dates: the October deadlines and the rest (clauses 1-7, 13, 14, 19-21),
and the events to prepare for (clauses 12, 20)."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.common import conclude, direct, namer, take_in
from tasks.artifacts import publish
from tasks.context import settings
from tasks.mail import render_deadlines, send_mail

NAME = "deadlines"


@flow(name=NAME, flow_run_name=namer(NAME), log_prints=True)
def deadlines(as_of: dt.datetime | None = None, dry_run: bool = False):
    """Remind owners not done before each date, name them to the leading group after it (with
    their progress measured from their ledgers), and remind everyone before each event.

    as_of: act as at this time (Beijing); empty means now. dry_run: render mail, send none.
    """
    return conclude(steps, as_of, dry_run)


def steps(now: dt.datetime, dry_run: bool, call=direct):
    duties = [d.id for d in settings().plan.duties if d.flow == "deadlines"]
    kept = take_in(call, now)
    drafts, sections = call(render_deadlines, duties, now)
    delivery = call(send_mail, duties[0], drafts, now, dry_run)
    text = call(publish, NAME, "时限与节点（10月底清零、两个总结、上冻前入住等）", "1—7、12—14、19—21",
                [], delivery, len(kept), now, dry_run, sections)
    return delivery, len(kept), text
