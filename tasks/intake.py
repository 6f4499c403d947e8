"""Collecting and validating the inbox."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import task
from prefect.artifacts import create_markdown_artifact
from prefect.context import TaskRunContext

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
        if j.verdict.failure:
            verdict += f" [{j.verdict.failure}]"
        logger.info("[%d/%d] %s/%s: %s %s", i, len(kept), arrival.unit, arrival.path.name,
                 verdict, first)
    if kept and TaskRunContext.get() is not None:  # a replay calls the step without Prefect
        create_markdown_artifact(intake_table(judged), key="intake",
                                 description="本次收到的文件及其结果")
    return judged


def intake_table(judged: list[intake.Judgement]) -> str:
    """Every file taken in by this run and its verdict; a file whose reader failed names how."""
    lines = ["# 本次收文", "", "| 单位 | 文件 | 结果 | 原因 | 故障 |", "|---|---|---|---|---|"]
    for j in judged:
        first = j.verdict.problems[0].reason if j.verdict.problems else ""
        lines.append(f"| {j.arrival.unit} | {_cell(j.arrival.path.name)} | "
                     f"{'接收' if j.accepted else '退回'} | {_cell(first)} | "
                     f"{_cell(j.verdict.failure or '')} |")
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
