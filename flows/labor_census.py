"""Clause 6① at province or nation scale: every unit's labor ledger checked, each unit told its
verdict and figures, the operator sent the table. Batches of units fan out on Dask when
SPRINT_DASK_ADDRESS names a cluster."""

from __future__ import annotations

import datetime as dt

from prefect import flow

from flows.common import finish, moment
from sprint.census import batches
from tasks.census import DUTY, check_units, find_files, render_census
from tasks.context import settings
from tasks.fanout import runner
from tasks.mail import send_mail

BATCH_UNITS = 50


@flow(name="labor-census", log_prints=True, task_runner=runner())
def labor_census(inbox: str | None = None, as_of: dt.datetime | None = None,
                 batch_units: int = BATCH_UNITS, dry_run: bool = False):
    """Check every unit's newest labor ledger under `inbox` (default: the configured inbox).

    as_of: act as at this time (Beijing); empty means now. batch_units: units per task.
    dry_run: render mail, send none.
    """
    now = moment(as_of)
    files = find_files(inbox or str(settings().inbox_root))
    futures = [check_units.submit(b, now.date()) for b in batches(files, batch_units)]
    results = [f.result() for f in futures]
    whole, drafts = render_census(results, now.date())
    delivery = send_mail(DUTY, drafts, now, dry_run)
    print(f"{len(whole.figures)} unit(s), {whole.rows:,} row(s), {len(whole.refused)} refused, "
          f"{len(whole.silent)} silent; {len(delivery.sent)} message(s) sent")
    return finish(delivery, len(files), whole)
