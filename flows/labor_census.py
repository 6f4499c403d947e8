"""Clause 6① at province or nation scale: every unit's labor ledger checked, each unit told its
verdict and figures, the operator sent the table. Batches of units fan out on Dask when
SPRINT_DASK_ADDRESS names a cluster."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.common import finish, moment
from sprint import census
from tasks.census import DUTY, check_units, find_files, render_census
from tasks.context import settings
from tasks.fanout import parallel, runner
from tasks.mail import send_mail


@flow(name="labor-census", log_prints=True, task_runner=runner())
def labor_census(inbox: str | None = None, as_of: dt.datetime | None = None,
                 batches: int | None = None, dry_run: bool = False):
    """Check every unit's newest labor ledger under `inbox` (default: the configured inbox).

    as_of: act as at this time (Beijing); empty means now. batches: at least this many tasks
    (default: one here, using every core; a Dask cluster's worker count). dry_run: render mail,
    send none.
    """
    now = moment(as_of)
    files = find_files(inbox or str(settings().inbox_root))
    futures = [check_units.submit(b, now.date())
               for b in census.batches(files, batches or parallel())]
    results = [f.result() for f in futures]
    whole, drafts = render_census(results, now.date())
    delivery = send_mail(DUTY, drafts, now, dry_run)
    print(f"{len(whole.figures)} unit(s), {whole.rows:,} row(s), {len(whole.refused)} refused, "
          f"{len(whole.silent)} silent; {len(delivery.sent)} message(s) sent")
    return finish(delivery, len(files), whole)
