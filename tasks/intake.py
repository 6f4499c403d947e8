"""Taking in the inbox: new files found and kept, then each judged and recorded."""

from __future__ import annotations

from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from sprint.services import intake
from sprint.store.store import StoreError
from tasks.services import Services, log


def _io_hiccup(task, task_run, state) -> bool:
    """Retry a file-system error; a store that cannot be opened fails the run at once."""
    try:
        state.result()
    except StoreError:
        return False
    except Exception:
        return True
    return False


@task(name="collect", retries=3, retry_delay_seconds=[2, 5, 15], retry_condition_fn=_io_hiccup,
      cache_policy=NO_CACHE)
def collect(services: Services, now) -> list[tuple[intake.Arrival, str]]:
    """New files of every unit, each kept in the state folder with its SHA-256."""
    s, logger = services.settings, log()
    # A file written in the last 2 s may still be being copied in: `sprint watch` announces it
    # once it stays the same, and the next run takes it.
    arrivals, warnings = intake.scan(s.inbox_root, services.plan, services.store, now, quiet=2.0)
    for w in warnings:
        logger.warning(w)
    kept = [(a, str(intake.keep(a, s.kept_root))) for a in arrivals]
    logger.info("inbox %s: %d new file(s)", s.inbox_root, len(kept))
    return kept


@task(name="validate", cache_policy=NO_CACHE)
def validate(services: Services, kept: list[tuple[intake.Arrival, str]]) -> list[intake.Judgement]:
    """Check each new file against its template, decide which period it counts for, record the
    verdict, and shelve the table of an accepted file (so it is validated once)."""
    logger, store = log(), services.store
    judged = []
    done = intake.fulfilled(store) if kept else {}
    files = [(arrival, Path(path)) for arrival, path in kept]
    checked = intake.verdicts(files, services.plan)
    for i, ((arrival, path), verdict) in enumerate(zip(files, checked, strict=True), start=1):
        j = intake.judge(arrival, path, services.plan, done, verdict)
        if intake.record(store, j):
            judged.append(j)
            if j.accepted:
                done.setdefault((arrival.unit, j.duty.id), set()).add(j.period)
                services.shelf.put(str(j.kept_path), j.verdict.ledger)
        verdict = "accepted" if j.accepted else f"rejected ({len(j.verdict.problems)} problem(s))"
        first = j.verdict.problems[0].reason if j.verdict.problems else ""
        if j.verdict.failure:
            verdict += f" [{j.verdict.failure}]"
        logger.info("[%d/%d] %s/%s: %s %s", i, len(kept), arrival.unit, arrival.path.name,
                    verdict, first)
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
