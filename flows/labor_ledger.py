"""Clause 6①: the biweekly labor-transfer ledger of every county."""

from __future__ import annotations

import datetime as dt

from prefect import flow
from prefect.runtime import flow_run
from prefect.states import Completed, Failed

from sprint.calendar import BEIJING, period_for_receipt, periods
from tasks.artifacts import labor_section, publish
from tasks.context import settings
from tasks.intake import collect, validate
from tasks.mail import render_labor, send_mail
from tasks.measure import measure

DUTY = "labor-ledger"


def moment(as_of: dt.datetime | None) -> dt.datetime:
    """The run's clock: now, or the given time (Beijing time when it carries no zone)."""
    if as_of is None:
        return dt.datetime.now(BEIJING)
    return as_of if as_of.tzinfo else as_of.replace(tzinfo=BEIJING)


def run_name() -> str:
    now = moment(flow_run.parameters.get("as_of"))
    period = period_for_receipt(periods(settings().plan.duty(DUTY)), now)
    dry = " (演练)" if flow_run.parameters.get("dry_run") else ""
    return f"{DUTY} {period.id} @{now:%Y-%m-%d %H:%M}{dry}"


@flow(name=DUTY, flow_run_name=run_name, log_prints=True)
def labor_ledger(as_of: dt.datetime | None = None, dry_run: bool = False):
    """Take in the counties' labor ledgers, remind the late, reply to the refused, and send the
    summary of the period just closed to 市人社局 and 市扶贫办.

    as_of: act as at this time (Beijing); empty means now. dry_run: render mail, send none.
    """
    now = moment(as_of)
    kept = collect(now)
    validate(kept)
    measured = measure(DUTY, now)
    drafts, summary = render_labor(DUTY, measured, now)
    delivery = send_mail(DUTY, drafts, now, dry_run)
    duty = settings().plan.duty(DUTY)
    text = publish(DUTY, duty.title, duty.clause_text, [measured], delivery, len(kept), now,
                   dry_run, labor_section(summary))
    print(text)
    if delivery.problems:
        return Failed(message=f"{len(delivery.deferred)} message(s) wait for the next run, "
                              f"{len(delivery.failed)} failed for good, {len(delivery.refused)} "
                              f"partly refused, {len(delivery.in_doubt)} in doubt: see the "
                              "run's artifact")
    return Completed(message=f"{len(kept)} new file(s), {len(delivery.sent)} message(s) sent")
