#!/usr/bin/env python3
"""CI: the README's first command, `bin/start`, in a clean virtual environment.

The environment gets the main dependencies only (no test extras), so a module the main job
imports but the project does not depend on stops it here. Then: wait for the UI and the worker,
trigger the deployment `labor-ledger` through Prefect's REST API (found by its name, with
parameters), see its mail arrive in the Maildir, stop the job and check nothing is left running.

Standard library only: it runs with any Python 3.11+. Exit 0 when every step passed, 1 with
"SMOKE FAILED: ..." and the job's log otherwise.
"""

from __future__ import annotations

import argparse
import email
import email.header
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEPLOYMENT = "labor-ledger"
PARAMETERS = {"as_of": "2020-10-12T12:00:00", "dry_run": False}
UP_SECONDS = 240  # from `bin/start` to the UI answering and a worker online
RUN_SECONDS = 240  # from the API call to the run's end and its mail in the Maildir
STOP_SECONDS = 60


class Failed(Exception):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(url: str, body: dict | None = None, timeout: float = 10):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as answer:
        text = answer.read().decode()
    return json.loads(text) if text and answer.headers.get_content_type() == "application/json" \
        else text


def until(what: str, seconds: float, check, job: subprocess.Popen):
    """`check()`'s first truthy answer; Failed when the job stops or time runs out."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if job.poll() is not None:
            raise Failed(f"the main job stopped (exit {job.returncode}) while waiting for {what}")
        try:
            answer = check()
        except (OSError, ValueError):
            answer = None
        if answer:
            return answer
        time.sleep(1)
    raise Failed(f"no {what} within {seconds:.0f} s")


def subject(path: Path) -> str:
    message = email.message_from_bytes(path.read_bytes())
    return str(email.header.make_header(email.header.decode_header(message["Subject"] or "")))


def smoke(work: Path) -> dict:
    venv, home = work / "venv", work / "var"
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPRINT_", "PREFECT_"))}
    env |= {"SPRINT_VENV": str(venv), "SPRINT_HOME": str(home),
            "SPRINT_PREFECT_PORT": str(port), "SPRINT_SMTP_PORT": str(free_port()),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "PYTHONUNBUFFERED": "1"}
    figures = {}

    started = time.monotonic()
    print(f"smoke: installing the main dependencies into {venv} (bin/setup, no extras)", flush=True)
    setup = subprocess.run([str(ROOT / "bin" / "setup")], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=1800)
    if setup.returncode != 0:
        raise Failed(f"bin/setup failed (exit {setup.returncode}):\n{setup.stdout}{setup.stderr}")
    figures["install_s"] = round(time.monotonic() - started, 1)

    out, err = (work / "start.out").open("w"), (work / "start.err").open("w")
    started = time.monotonic()
    job = subprocess.Popen([str(ROOT / "bin" / "start")], env=env, cwd=ROOT, stdout=out,
                           stderr=err, start_new_session=True)
    try:
        print(f"smoke: bin/start (UI on port {port}); waiting for the UI and the worker", flush=True)
        until("Prefect UI", UP_SECONDS, lambda: "<html" in call(f"http://127.0.0.1:{port}/").lower(),
              job)
        until("online worker in the pool 'sprint'", UP_SECONDS,
              lambda: [w for w in call(f"{api}/work_pools/sprint/workers/filter", {})
                       if w.get("status") == "ONLINE"], job)
        [deployment] = until(f"deployment named {DEPLOYMENT!r}", 60, lambda: call(
            f"{api}/deployments/filter", {"deployments": {"name": {"any_": [DEPLOYMENT]}}}), job)
        printed = until("block the start prints once it is up", 60,
                        lambda: "Ctrl-C" in (text := (work / "start.out").read_text()) and text, job)
        figures["up_s"] = round(time.monotonic() - started, 1)
        if len(printed.splitlines()) > 15 or f"http://127.0.0.1:{port}" not in printed:
            raise Failed("the start should print one short block naming the UI; it printed:\n"
                         + printed)
        print(f"smoke: up in {figures['up_s']} s; it printed:\n{printed}", flush=True)

        run = call(f"{api}/deployments/{deployment['id']}/create_flow_run",
                   {"parameters": PARAMETERS})
        print(f"smoke: flow run {run['name']} of {DEPLOYMENT} created with {PARAMETERS}", flush=True)

        def ended():
            state = call(f"{api}/flow_runs/{run['id']}")["state"]
            return state if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED") else None

        state = until(f"end of the flow run {run['name']}", RUN_SECONDS, ended, job)
        if state["type"] != "COMPLETED":
            raise Failed(f"the flow run ended {state['name']}: {state.get('message')}")
        maildir = home / "mail" / "new"
        mails = until(f"mail in {maildir}", 30, lambda: sorted(maildir.iterdir()), job)
        figures["first_mail_s"] = round(time.monotonic() - started, 1)
        figures["mails"] = [subject(p) for p in mails]
        print(f"smoke: {state['name']}: {state.get('message')}; {len(mails)} mail(s) in {maildir}",
              flush=True)
    finally:
        stopped = time.monotonic()
        if job.poll() is None:
            job.send_signal(signal.SIGINT)
            try:
                job.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(job.pid, signal.SIGKILL)
                raise Failed(f"the main job did not stop within {STOP_SECONDS} s of Ctrl-C") from None
        figures["stop_s"] = round(time.monotonic() - stopped, 1)
        out.close()
        err.close()
    try:
        os.killpg(job.pid, 0)
    except ProcessLookupError:
        pass
    else:
        os.killpg(job.pid, signal.SIGKILL)
        raise Failed("processes of the main job were still running after it stopped")
    if job.returncode != 0:
        raise Failed(f"the main job exited {job.returncode} on Ctrl-C (expected 0)")
    return figures


def tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return ""
    text = path.read_text(errors="replace").splitlines()[-lines:]
    return f"--- {path} (last {len(text)} lines) ---\n" + "\n".join(text)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--keep", action="store_true", help="keep the work folder (venv, logs, mail)")
    args = p.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sprint-smoke-"))
    try:
        figures = smoke(work)
    except (Failed, OSError, subprocess.SubprocessError, KeyError, ValueError) as e:
        print(f"\nSMOKE FAILED: {e}\n", file=sys.stderr)
        for path in [work / "start.out", work / "start.err", *sorted((work / "var" / "logs").glob("*.log"))]:
            print(tail(path), file=sys.stderr)
        print(f"(everything is kept in {work})", file=sys.stderr)
        return 1
    print("smoke: passed " + json.dumps(figures, ensure_ascii=False), flush=True)
    if args.keep:
        print(f"smoke: kept {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
