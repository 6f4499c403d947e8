"""Benchmark: the operator's click. With the main job up, run `labor-ledger` as of 2020-10-12
12:00 through Prefect's API N times (dry runs, then real runs) and split each run's wait.

    .venv/bin/python bench/operator.py [--runs N] [--api URL] [--json]

Without --api it starts the main job itself (`sprint up` on a free port, SPRINT_HOME in a temp
folder, demo inbox) and stops it after; its start-up is not counted. For each run, from Prefect's
own timestamps (the server's clock):

- pickup: created → Pending (the worker's poll finds the run and claims it);
- start: Pending → Running (the worker spawns a process; Python starts, imports flows.duties);
- body: the sum of the flow's task runs' durations (the flow's own work);
- between: Running → Completed less the body (Prefect's time between and around tasks);
- click: the API call → Completed as this script saw it (what the operator waits).

Prints the median and the slowest of each; asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOYMENT = "labor-ledger"
AS_OF = "2020-10-12T12:00:00"
FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def call(url: str, body: dict | None = None, timeout: float = 30):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json"})
    for attempt in range(5):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                text = answer.read().decode()
            return json.loads(text) if text else None
        except urllib.error.HTTPError as e:
            # A loaded server's SQLite says 503 (database locked) now and then: ask again.
            if e.code != 503 or attempt == 4:
                raise
            time.sleep(0.5)


def stamp(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def until(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            found = check()
        except (OSError, ValueError):
            found = None
        if found:
            return found
        time.sleep(0.1)  # fine polling: the figure is the run's, not this loop's
    raise SystemExit(f"no {what} within {seconds:.0f} s")


def one_run(api: str, deployment_id: str, dry_run: bool) -> dict:
    clicked = time.monotonic()
    run = call(f"{api}/deployments/{deployment_id}/create_flow_run",
               {"parameters": {"as_of": AS_OF, "dry_run": dry_run}})
    state = until(lambda: (s := call(f"{api}/flow_runs/{run['id']}")["state"])["type"] in FINAL
                  and s, 300, f"end of {run['name']}")
    click = time.monotonic() - clicked
    if state["type"] != "COMPLETED":
        raise SystemExit(f"{run['name']} ended {state['name']}: {state.get('message')}")
    history = {s["type"]: stamp(s["timestamp"])
               for s in call(f"{api}/flow_run_states/?flow_run_id={run['id']}")}
    tasks = call(f"{api}/task_runs/filter", {"flow_runs": {"id": {"any_": [run["id"]]}}})
    body = sum(t["total_run_time"] for t in tasks)
    created = stamp(run["created"])
    running = (history["COMPLETED"] - history["RUNNING"]).total_seconds()
    return {"pickup": (history["PENDING"] - created).total_seconds(),
            "start": (history["RUNNING"] - history["PENDING"]).total_seconds(),
            "body": body, "between": running - body, "flow": running,
            "total": (history["COMPLETED"] - created).total_seconds(), "click": click,
            "tasks": len(tasks)}


def summary(runs: list[dict]) -> dict:
    keys = ("pickup", "start", "body", "between", "flow", "total", "click")
    return {k: {"median": round(statistics.median(r[k] for r in runs), 2),
                "slowest": round(max(r[k] for r in runs), 2)} for k in keys} | {
        "tasks": runs[0]["tasks"], "runs": len(runs)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_job(work: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPRINT_", "PREFECT_"))}
    env |= {"SPRINT_HOME": str(work / "var"), "SPRINT_PREFECT_PORT": str(port),
            "SPRINT_SMTP_PORT": str(free_port()), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    out = (work / "up.out").open("w")
    job = subprocess.Popen([str(ROOT / ".venv" / "bin" / "sprint"), "up"], env=env, cwd=ROOT,
                           stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    api = f"http://127.0.0.1:{port}/api"
    until(lambda: job.poll() is None and "Ctrl-C" in (work / "up.out").read_text(), 300,
          "main job up (see " + str(work / "up.out") + ")")
    return job, api


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5, help="runs of each kind (dry, real)")
    parser.add_argument("--api", help="a running main job's API (default: start one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    job = None
    if args.api is None:
        job, api = start_job(Path(tempfile.mkdtemp(prefix="sprint-operator-")))
    else:
        api = args.api.rstrip("/")
    try:
        [deployment] = call(f"{api}/deployments/filter",
                            {"deployments": {"name": {"any_": [DEPLOYMENT]}}})
        results = {}
        for kind, dry in (("dry_run", True), ("real", False)):
            results[kind] = summary([one_run(api, deployment["id"], dry) for _ in range(args.runs)])
    finally:
        if job is not None:
            job.send_signal(signal.SIGINT)
            try:
                job.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(job.pid, signal.SIGKILL)
    load = os.getloadavg()
    if args.json:
        print(json.dumps(results | {"load": load}, ensure_ascii=False))
        return
    print(f"labor-ledger as of {AS_OF}, {args.runs} runs each; load average {load[0]:.1f}")
    for kind, figures in results.items():
        print(f"{kind} ({figures['tasks']} task runs):")
        for key in ("pickup", "start", "body", "between", "flow", "total", "click"):
            print(f"  {key:8} median {figures[key]['median']:6.2f} s   slowest "
                  f"{figures[key]['slowest']:6.2f} s")


if __name__ == "__main__":
    sys.exit(main())
