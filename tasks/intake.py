"""Collecting and validating the inbox."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import task

from sprint import compiled, intake
from sprint.store import StoreError
from tasks.context import log, settings, store


def _io_hiccup(task, task_run, state) -> bool:
    """Retry a file-system error; a store that cannot be opened fails the run at once."""
    try:
        state.result()
    except StoreError:
        return False
    except Exception:
        return True
    return False


@task(name="collect", retries=3, retry_delay_seconds=[2, 5, 15], retry_condition_fn=_io_hiccup)
def collect(now: dt.datetime) -> list[tuple[intake.Arrival, str]]:
    """New files of every unit, each kept in the state folder with its SHA-256."""
    s = settings()
    logger = log()
    arrivals, warnings = intake.scan(s.inbox_root, s.plan, store(s), now)
    for w in warnings:
        logger.warning(w)
    kept = [(a, str(intake.keep(a, s.kept_root))) for a in arrivals]
    logger.info("inbox %s: %d new file(s)", s.inbox_root, len(kept))
    return kept


@task(name="validate")
def validate(kept: list[tuple[intake.Arrival, str]]) -> list[intake.Judgement]:
    """Check each new file against its template and record the verdict."""
    s = settings()
    logger = log()
    judged = []
    done = intake.fulfilled(store(s)) if kept else {}
    for i, (arrival, path) in enumerate(kept, start=1):
        j = intake.judge(arrival, Path(path), s.plan, done)
        if intake.record(store(s), j):
            judged.append(j)
            if j.accepted:
                done.setdefault((arrival.unit, j.duty.id), set()).add(j.period)
                compiled.remember(s.plan, str(j.kept_path), j.verdict.ledger)
        verdict = "accepted" if j.accepted else f"rejected ({len(j.verdict.problems)} problem(s))"
        first = j.verdict.problems[0].reason if j.verdict.problems else ""
        logger.info("[%d/%d] %s/%s: %s %s", i, len(kept), arrival.unit, arrival.path.name,
                 verdict, first)
    return judged
