"""The census's steps: find each unit's file, check batches of units, render, (send: tasks.mail)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import task

from sprint import census, census_report
from sprint.mail.compose import Draft, environment
from tasks.context import log, settings
from tasks.fanout import local_processes

DUTY = "labor-ledger"  # the census measures the same ledger as the city's biweekly duty


@task(name="find files")
def find_files(inbox: str) -> list[tuple[str, Path]]:
    files = census.unit_files(Path(inbox))
    log().info("%d unit(s) have a file in %s", len(files), inbox)
    return files


@task(name="check units")
def check_units(batch: list[tuple[str, str]], as_of: dt.date) -> list[census.UnitFigures]:
    """One batch of units: each file read, validated and reduced to its figures."""
    figures = census.check_batch(batch, settings().plan, as_of, local_processes())
    log().info("checked %d unit(s), %d row(s), %d refused", len(figures),
               sum(f.rows for f in figures), sum(not f.accepted for f in figures))
    return figures


@task(name="render")
def render_census(results: list[list[census.UnitFigures]], as_of: dt.date
                  ) -> tuple[census.Census, list[Draft]]:
    plan = settings().plan
    duty = plan.duty(DUTY)
    owners = [u.code for u in plan.owners(duty)]
    whole = census.combine(plan, owners, results)
    return whole, census_report.drafts(environment(), plan, duty, whole, as_of)
