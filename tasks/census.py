"""The census's steps that read: find each unit's file, check batches of units (the judgment is
plain work on their figures, called by the flow: sprint.services.census_report; then render and
send: tasks.mail)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from sprint.domain.plan import Plan
from sprint.services import census
from tasks.fanout import local_processes
from tasks.run_log import log


@task(name="find files")
def find_files(inbox: str) -> list[tuple[str, Path]]:
    files = census.unit_files(Path(inbox))
    log().info("%d unit(s) have a file in %s", len(files), inbox)
    return files


@task(name="check units", cache_policy=NO_CACHE)
def check_units(batch: list[tuple[str, str]], plan: Plan, as_of: dt.date) -> list[census.UnitFigures]:
    """One batch of units: each file read, validated and reduced to its figures (on a Dask
    worker, when there is a cluster: the plan travels with the batch)."""
    figures = census.check_batch(batch, plan, as_of, local_processes())
    log().info("checked %d unit(s), %d row(s), %d refused", len(figures),
               sum(f.rows for f in figures), sum(not f.accepted for f in figures))
    return figures
