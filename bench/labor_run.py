"""Benchmark: one labor-ledger run on the demo inbox, and `sprint validate` on 10,000 rows.

    .venv/bin/python bench/labor_run.py [--json]

Prints wall times; asserts nothing. The Prefect server's start-up is not counted in the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--rows", type=int, default=10_000)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="sprint-bench-"))
    os.environ.update(SPRINT_HOME=str(root / "var"), SPRINT_INBOX=str(root / "inbox"))

    from prefect.testing.utilities import prefect_test_harness

    from sprint.demo.inbox import STORIES, seed
    from sprint.demo.ledgers import labor_rows, write_ledger
    from sprint.domain.calendar import BEIJING
    from sprint.domain.plan import load_plan
    from sprint.job.mailsink import MailSink
    from sprint.reading.ledger import validate_file

    figures: dict[str, float | int] = {}
    print(f"[1/4] writing the demo inbox and a {args.rows}-row .xlsx under {root}", file=sys.stderr)
    files = seed(root / "inbox")
    big = write_ledger(labor_rows("220802", args.rows, 1, dt.date(2020, 10, 9)),
                       root / "big" / "220802" / "big.xlsx")
    figures["demo_files"] = len(files)
    figures["demo_rows"] = sum(story[1] for story in STORIES)

    print("[2/4] sprint validate on the big file (a fresh process, as an operator runs it)",
          file=sys.stderr)
    sprint = str(Path(sys.executable).parent / "sprint")
    start = time.perf_counter()
    done = subprocess.run([sprint, "validate", str(big), "--as-of", "2020-10-09"],
                          capture_output=True, text=True)
    figures["validate_cli_s"] = round(time.perf_counter() - start, 3)
    figures["validate_cli_exit"] = done.returncode
    plan = load_plan()
    start = time.perf_counter()
    validate_file(big, plan, "220802", dt.date(2020, 10, 9))
    figures["validate_in_process_s"] = round(time.perf_counter() - start, 3)
    figures["validate_rows"] = args.rows

    print("[3/4] starting a Prefect test server and a loopback SMTP server", file=sys.stderr)
    with MailSink() as sink, prefect_test_harness(server_startup_timeout=60):
        os.environ["SPRINT_SMTP_PORT"] = str(sink.port)
        from flows.duties import duties

        def labor_ledger(**kw):
            return duties(flow="labor-ledger", **kw)

        as_of = dt.datetime(2020, 10, 12, 12, 0, tzinfo=BEIJING)
        print("[4/4] running the labor-ledger flow twice", file=sys.stderr)
        start = time.perf_counter()
        first = labor_ledger(as_of=as_of, return_state=True)
        figures["run_first_s"] = round(time.perf_counter() - start, 3)
        start = time.perf_counter()
        labor_ledger(as_of=as_of, return_state=True)
        figures["run_again_s"] = round(time.perf_counter() - start, 3)
        figures["run_state"] = first.name
        figures["mails_sent"] = len(sink.messages)

    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>24}: {value}")


if __name__ == "__main__":
    main()
