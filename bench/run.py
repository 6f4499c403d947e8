"""Benchmark at city, province or nation scale, against the limits of the machine.

    .venv/bin/python bench/run.py --tier city|province|nation [--json] [--data DIR]
                                  [--send-rounds N]

On the same generated labor ledgers it measures: the raw read (pandas with Arrow for CSV,
calamine for .xlsx; before and after the flow, the mean), the limit; the `labor-census` flow
run on a Prefect server, with our ingest (read, validate, measure) inside it; raw SMTP over one
connection of the messages the flow recorded, the limit; our mailer alone, and our sending of
the same messages through the outbox; peak memory. Prints figures and asserts nothing. Files
are generated once per tier under --data and reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "INFO")  # the flow run's lines are the progress
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.sending import counting_sink, sending  # noqa: E402

TIERS = {  # units, rows, and which units send .xlsx rather than .csv
    "city": (7, 10_000, lambda i: True),
    "province": (70, 1_000_000, lambda i: i % 10 == 0),
    "nation": (2_800, 32_400_000, lambda i: False),
}
AS_OF = dt.date(2020, 10, 9)
SEED = 2020


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def generate(tier: str, root: Path) -> tuple[list, Path, Path]:
    from sprint.demo import mass

    count, rows, as_xlsx = TIERS[tier]
    units = mass.units(count, rows, SEED)
    inbox, plan = root / "inbox", root / "plan.yaml"
    done = root / ".complete"
    if not done.exists():
        say(f"[1/6] generating {count:,} units' labor ledgers, {rows:,} rows, under {inbox}")
        start = time.perf_counter()
        for i, unit in enumerate(units):
            suffix = ".xlsx" if as_xlsx(i) else ".csv"
            mass.write(unit, SEED, AS_OF, inbox / unit.code / f"{unit.code}劳动力台账{suffix}")
            if (i + 1) % max(1, count // 20) == 0:
                say(f"      {i + 1:,}/{count:,} files ({time.perf_counter() - start:.0f} s)")
        plan.write_text(mass.plan_text(units), encoding="utf-8")
        done.write_text("ok")
    else:
        say(f"[1/6] reusing the {count:,} units' files under {inbox}")
    return units, inbox, plan


def raw_read(files: list[Path]) -> float:
    """The limit: each file read by pandas with the fastest engine for its format."""
    import pandas as pd

    start = time.perf_counter()
    for i, path in enumerate(files):
        if path.suffix == ".csv":
            pd.read_csv(path, engine="pyarrow", dtype=str)
        else:
            pd.read_excel(path, engine="calamine")
        if (i + 1) % max(1, len(files) // 10) == 0:
            say(f"      {i + 1:,}/{len(files):,} files ({time.perf_counter() - start:.1f} s)")
    return time.perf_counter() - start


def flow_run(inbox: Path) -> dict:
    """The labor-census flow on a Prefect server: wall time, task runs, time inside tasks."""
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.labor_census import labor_census
    from sprint.domain.calendar import BEIJING

    as_of = dt.datetime.combine(AS_OF, dt.time(18, 0), tzinfo=BEIJING)
    # A first run on an empty folder, not timed: this process's one-time set-up (Prefect's client,
    # its event and log threads, lazy imports) is not the cost of a flow run.
    empty = Path(tempfile.mkdtemp(prefix="sprint-empty-"))
    labor_census(inbox=str(empty), as_of=as_of, dry_run=True, return_state=True)
    time.sleep(3)  # the server's own after-work on that run (events, logs) is not this run's
    profiler = None
    if os.environ.get("BENCH_PROFILE"):
        from pyinstrument import Profiler
        profiler = Profiler(interval=0.002)
        profiler.start()
    start = time.perf_counter()
    state = labor_census(inbox=str(inbox), as_of=as_of, return_state=True)
    wall = time.perf_counter() - start
    if profiler:
        profiler.stop()
        say(profiler.output_text(unicode=False, color=False, show_all=bool(os.environ.get("BENCH_PROFILE_ALL"))))

    async def task_runs():
        async with get_client() as client:
            run = await client.read_flow_run(state.state_details.flow_run_id)
            tasks, page = [], None
            while page is None or len(page) == 200:  # the API hands out 200 at a time
                page = await client.read_task_runs(
                    flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])),
                    limit=200, offset=len(tasks))
                tasks += page
            return run, tasks

    run, tasks = asyncio.run(task_runs())
    if os.environ.get("BENCH_TIMELINE"):
        t0 = run.start_time
        for t in sorted(tasks, key=lambda t: t.start_time):
            say(f"      {t.name:<20} {(t.start_time - t0).total_seconds():7.3f} "
                f"{(t.end_time - t0).total_seconds():7.3f}")
        say(f"      flow run {(run.end_time - t0).total_seconds():.3f} s; called {wall:.3f} s")
    whole = state.result() if state.is_completed() else None
    checks = [t for t in tasks if t.name.startswith(("find files", "check units"))]
    recorded, inside = (run.end_time - run.start_time).total_seconds(), covered(tasks)
    timed = [t for t in tasks if t.start_time and t.end_time]
    split = {"before_first_task": recorded, "after_last_task": 0.0}  # a run that ran no task
    if timed:
        split = {"before_first_task": (min(t.start_time for t in timed) - run.start_time).total_seconds(),
                 "after_last_task": (run.end_time - max(t.end_time for t in timed)).total_seconds()}
    split["between_tasks"] = recorded - inside - sum(split.values())
    return {"state": state.name, "wall": wall, "task_runs": len(tasks), "recorded": recorded,
            "in_tasks": inside, "split": split, "ingest": covered(checks),
            "refused": len(whole.refused) if whole else None,
            "checker_mb": max((f.peak_mb for f in whole.figures), default=0) if whole else 0}


def covered(task_runs) -> float:
    """Seconds during which at least one of these task runs was running (they may overlap)."""
    spans = sorted((t.start_time, t.end_time) for t in task_runs if t.start_time and t.end_time)
    total, end = 0.0, None
    for start, stop in spans:
        if end is None or start > end:
            total += (stop - start).total_seconds()
            end = stop
        elif stop > end:
            total += (stop - end).total_seconds()
            end = stop
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=TIERS, default="city")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--data", type=Path, default=Path("var/bench"),
                        help="where generated files are kept between runs (default var/bench)")
    parser.add_argument("--send-rounds", type=int, default=6, metavar="N",
                        help="turns of 500 messages each way of sending, a multiple of 3 so "
                             "that each way goes first as often (default 6); more turns, "
                             "steadier figures on a machine whose speed wanders")
    args = parser.parse_args()
    if args.send_rounds < 3 or args.send_rounds % 3:
        parser.error("--send-rounds must be a multiple of 3 (3, 6, 9, ...), so that each way "
                     "of sending goes first as often")
    root = args.data.resolve() / args.tier
    units, inbox, plan = generate(args.tier, root)
    files = sorted(p for p in inbox.rglob("*") if p.is_file())
    rows = sum(u.rows for u in units)

    say(f"[2/6] raw read of {len(files):,} files, {rows:,} rows (the limit; again after the flow)")
    raw_read_s = raw_read(files)

    home = Path(tempfile.mkdtemp(prefix=f"sprint-bench-{args.tier}-"))
    sink, port = counting_sink()
    os.environ.update(SPRINT_HOME=str(home), SPRINT_PLAN=str(plan), SPRINT_INBOX=str(inbox),
                      SPRINT_SMTP_HOST="127.0.0.1", SPRINT_SMTP_PORT=str(port))
    try:
        say("[3/6] starting a Prefect server (not timed)")
        from prefect.testing.utilities import prefect_test_harness

        with prefect_test_harness(server_startup_timeout=120):
            say("[4/6] the labor-census flow: find, check in batches, render, send")
            run = flow_run(inbox)
        # This machine's speed drifts over minutes; read again after the flow and take the
        # mean, so that the limit and our ingest are measured in the same weather.
        say(f"      the raw read again, after the flow ({len(files):,} files)")
        raw_after_s = raw_read(files)
        say("[5/6] sending: raw SMTP over one connection, our mailer alone, our outbox")
        send = sending(port, f"sqlite:///{home / 'sprint.db'}", rounds=args.send_rounds)
    finally:
        sink.communicate("", timeout=30)

    from tasks.fanout import local_processes

    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = local_processes()
    ingest_s = run["ingest"]  # the files found, read, validated and measured, in the flow run
    inside = run["in_tasks"]
    figures = {
        "tier": args.tier,
        "units": len(units),
        "rows": rows,
        "files": len(files),
        "raw_read_s": round((raw_read_s + raw_after_s) / 2, 2),
        "raw_read_before_after_s": [round(raw_read_s, 2), round(raw_after_s, 2)],
        "ingest_s": round(ingest_s, 2),
        "ingest_ratio": round(ingest_s / ((raw_read_s + raw_after_s) / 2), 2),
        "messages": send["messages"],
        "raw_send_per_s": round(send["messages"] / send["raw_s"], 1),
        "send_per_s": round(send["messages"] / send["ours_s"], 1),
        "send_ratio": round(send["raw_s"] / send["ours_s"], 3),
        "mailer_send_per_s": round(send["messages"] / send["mailer_s"], 1),  # no store
        "send_ratio_to_mailer": round(send["mailer_s"] / send["ours_s"], 3),
        # This process, plus each core's checker at its peak: an upper bound, since the forked
        # checkers share this process's pages until they write to them.
        "peak_rss_mb": round(own_mb + workers * run["checker_mb"]),
        "peak_rss_parts_mb": [round(own_mb), workers, round(run["checker_mb"])],
        "prefect_task_runs": run["task_runs"],
        # The run from Running to Completed, as Prefect records it and an operator watching the
        # UI waits for it; and what this caller waited, which adds creating the run and, after
        # it has completed, joining Prefect's heartbeat thread (it sleeps in one-second steps,
        # so that costs 0-1 s by chance; a deployment's process exits after the run is over).
        "flow_run_s": round(run["recorded"], 2),
        "flow_call_s": round(run["wall"], 2),
        "flow_time_in_tasks_s": round(inside, 2),
        "prefect_share": round(max(0.0, run["recorded"] - inside) / run["recorded"], 3),
        "prefect_share_of_call": round(max(0.0, run["wall"] - inside) / run["wall"], 3),
        # The time outside the task runs: before the first (Prefect readies the run, then the
        # flow's body connects to the store), between them (the body's own steps and Prefect's
        # around each task run), after the last (the run's end recorded).
        "prefect_split_s": {k: round(v, 3) for k, v in sorted(run["split"].items())},
        "flow_state": run["state"],
        "units_refused": run["refused"],
    }
    say("[6/6] done")
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    else:
        for key, value in figures.items():
            print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
