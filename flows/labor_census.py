"""The plan's census ledger (clause 6①'s labor ledger) at province or nation scale: every
unit's file checked, each unit told its verdict and figures, the operator sent the table.
Batches of units fan out on Dask when SPRINT_DASK_ADDRESS names a cluster."""

from __future__ import annotations

from prefect import flow
from prefect.utilities.annotations import quote

from flows.duties import AsOf
from flows.ending import finish
from sprint.domain.clock import moment
from sprint.services import census, census_report
from sprint.services.context import connect
from tasks.census import check_units, find_files
from tasks.fanout import each_batch, parallel, runner
from tasks.mail import render, send


@flow(name="labor-census", log_prints=True, task_runner=runner())
def labor_census(inbox: str | None = None, as_of: AsOf = None, batches: int | None = None,
                 dry_run: bool = False):
    """Check every unit's newest ledger under `inbox` (default: the configured inbox).

    Args:
        inbox: 各单位文件夹所在的目录（默认为收件目录）
        as_of: 按此时点运行；只写日期表示当日24时（北京时间）；留空表示现在
        batches: 至少分成的批数（默认：本机一批，用满所有核；Dask 集群按工作进程数）
        dry_run: 试运行（只生成邮件，不发送）：邮件生成到 var/dry-run
    """
    # quote(x): Prefect passes x as it is, without walking it for futures (walking the plan
    # took 30 ms a step).
    services = connect()
    now = moment(as_of)
    files = find_files(inbox or str(services.settings.inbox_root))
    results = each_batch(check_units, census.batches(files, batches or parallel()),
                         services.plan, now.date())
    # Judging is plain work on the figures, not a task: a task run costs Prefect's time around it.
    whole, drafts = census_report.judge(services.plan, results, now.date())
    delivery = send(services, render(services, quote(drafts)), "labor-census", now, dry_run)
    print(f"{len(whole.figures)} unit(s), {whole.rows:,} row(s), {len(whole.refused)} refused, "
          f"{len(whole.silent)} silent; {len(delivery.sent)} message(s) sent")
    return finish(delivery, len(files), whole)
