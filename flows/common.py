"""What every duty's flow shares: its clock, its run name, and how it ends."""

from __future__ import annotations

import datetime as dt

from prefect.runtime import flow_run
from prefect.states import Completed, Failed, State

from sprint.calendar import BEIJING, period_for_receipt, periods
from sprint.mail.outbox import Delivery
from tasks.context import settings


def direct(task, *args):
    """How a flow calls its tasks; a replay passes another caller that runs them in-process."""
    return task(*args)


def take_in(call, now: dt.datetime) -> list:
    """Every flow's first two steps: collect the new files, then validate them."""
    from tasks.intake import collect, validate

    kept = call(collect, now)
    call(validate, kept)
    return kept


def conclude(steps, as_of: dt.datetime | None, dry_run: bool) -> State:
    """Run a flow's steps at its clock, print its summary to the run log, and end it."""
    delivery, new, text = steps(moment(as_of), dry_run)
    print(text)
    return finish(delivery, new)


def moment(as_of: dt.datetime | None) -> dt.datetime:
    """The run's clock: now, or the given time (Beijing time when it carries no zone)."""
    if as_of is None:
        return dt.datetime.now(BEIJING)
    return as_of if as_of.tzinfo else as_of.replace(tzinfo=BEIJING)


def namer(label: str, duty_id: str | None = None):
    """A run name that reads like a log line: `labor-ledger 2020-10-09 @2020-10-12 12:00`."""

    def name() -> str:
        now = moment(flow_run.parameters.get("as_of"))
        dry = " (演练)" if flow_run.parameters.get("dry_run") else ""
        period = ""
        if duty_id is not None:
            period = " " + period_for_receipt(periods(settings().plan.duty(duty_id)), now).id
        return f"{label}{period} @{now:%Y-%m-%d %H:%M}{dry}"

    return name


def finish(delivery: Delivery, new_files: int, data=None) -> State:
    """Completed (carrying `data`) when all mail went; Failed, saying what waits or failed,
    otherwise."""
    if delivery.problems:
        return Failed(message=f"{len(delivery.deferred)} message(s) wait for the next run, "
                              f"{len(delivery.failed)} failed for good, {len(delivery.refused)} "
                              f"partly refused, {len(delivery.in_doubt)} in doubt: see the "
                              "run's artifact")
    return Completed(message=f"{new_files} new file(s), {len(delivery.sent)} message(s) sent",
                     data=data)
