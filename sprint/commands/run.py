"""`sprint run`: a duty run from the shell that never waits forever.

With the main job's Prefect server up, the shell starts the deployment's run (so it shows under
its deployment in the UI, taken by the main job's worker), prints its log and returns when the
run ends or suspends for a 通报 decision. With no server it runs the flow in this process, tagged
so that it records its drafts and returns instead of pausing."""

from __future__ import annotations

import os
import re
import sys
import time
import urllib.request

from sprint.config.deployments import load_deployments
from sprint.config.resources import DUTIES, entrypoint
from sprint.services.approval import NO_WAIT
from sprint.services.context import connect
from sprint.services.deciding import undecided

FLOW_NAME = "sprint-duties"  # the duty flow's name, as deployments are addressed on the server
DECIDE = ".venv/bin/sprint approve"


def local_prefect() -> bool:
    """Send the run to the main job's Prefect server when one answers, so it shows in the UI;
    whether a server is there (one named by PREFECT_API_URL counts as there)."""
    if "PREFECT_API_URL" in os.environ:
        return True
    url = f"http://127.0.0.1:{os.environ.get('SPRINT_PREFECT_PORT', '4200')}/api"
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=1):
            os.environ["PREFECT_API_URL"] = url
            return True
    except OSError:
        return False  # Prefect then runs the flow on a temporary local server of its own


def load_flow(name: str):
    """The flow a deployment's entrypoint names (`flows/duties.py:duties`), loaded as the worker
    loads it, from wherever flows/ is installed: the commands call the entry points by name,
    never import them."""
    from prefect.flows import load_flow_from_entrypoint

    return load_flow_from_entrypoint(entrypoint(name))


def deployment_for(name: str, group: str) -> str | None:
    """The deployment a name stands for: itself, else the first one running its group."""
    known = [d for d in load_deployments() if d.entrypoint == DUTIES]
    for d in known:
        if d.name == name:
            return d.name
    return next((d.name for d in known if d.flow == group), None)


def run_link(run_id) -> str:
    from prefect.utilities.urls import url_for

    return url_for("flow-run", obj_id=run_id) or str(run_id)


def run(group: str, name: str, as_of, dry_run: bool) -> int:
    deployment = deployment_for(name, group) if local_prefect() else None
    if deployment is not None:
        found = on_server(deployment, as_of, dry_run)
        if found is not None:
            return found
    return in_process(group, as_of, dry_run)


def in_process(group: str, as_of, dry_run: bool) -> int:
    # Prefect starts a temporary server of its own here; on a busy machine it takes longer than
    # Prefect's 20 s default, and its failure would be a traceback.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")
    from prefect import tags

    duties = load_flow(DUTIES)
    try:
        with tags(NO_WAIT):
            state = duties(flow=group, as_of=as_of, dry_run=dry_run, return_state=True)
    except RuntimeError as e:
        if "ephemeral" not in str(e):
            raise
        print("sprint：临时的 Prefect 服务未能启动（本机繁忙？），本次未运行。请稍后重试，"
              "或先启动主任务（bin/start）再运行。", file=sys.stderr)
        return 1
    print(f"{group}：{state_word(state)} — {state.message or ''}")
    services = connect()
    mine = {d.id for d in services.plan.in_flow(group)}
    left = [r for r in undecided(services) if r.duty in mine]
    if left:
        print(f"通报草稿待审批：{len(left)} 份（命令行运行不等待审批）。请运行 {DECIDE} 查看并审批，"
              "或在主任务的 Prefect 界面审批；未审批的草稿下次运行时再次提请。")
    return 0 if state.is_completed() else 1


def on_server(deployment: str, as_of, dry_run: bool) -> int | None:
    """Start the deployment's run and follow it; None when the server has no such deployment
    (the main job deploys them: then the shell runs the flow itself)."""
    from prefect import get_client
    from prefect.deployments import run_deployment
    from prefect.exceptions import ObjectNotFound

    parameters = {"as_of": as_of.isoformat() if as_of else None, "dry_run": dry_run}
    try:
        flow_run = run_deployment(f"{FLOW_NAME}/{deployment}", parameters=parameters, timeout=0)
    except ObjectNotFound:
        return None
    link = run_link(flow_run.id)
    print(f"已启动部署 {deployment} 的运行，由主任务执行：{link}", flush=True)
    try:
        with get_client(sync_client=True) as client:
            state = follow(client, flow_run.id)
    except KeyboardInterrupt:
        print(f"已停止跟踪；运行仍在主任务中继续，可在此查看：{link}", file=sys.stderr)
        return 130
    if state.is_paused():
        print(f"通报草稿待审批：{link}\n  也可在命令行审批：{DECIDE}（列出草稿）；"
              "审批后运行继续，通报只发送一次。")
        return 0
    print(f"{deployment}：{state_word(state)} — {state.message or ''}")
    return 0 if state.is_completed() else 1


def follow(client, run_id, poll: float = 1.0):
    """Print the run's log as it comes; the state it ends or waits in."""
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId
    from prefect.client.schemas.sorting import LogSort

    seen = 0
    while True:
        state = client.read_flow_run(run_id).state
        logs = client.read_logs(LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])),
                                sort=LogSort.TIMESTAMP_ASC, limit=200, offset=seen)
        for entry in logs:
            if entry.level >= 30 or _CJK.search(entry.message):  # the project's own lines
                print(f"{entry.timestamp:%H:%M:%S} {entry.message}", flush=True)
        seen += len(logs)
        if state is not None and (state.is_final() or state.is_paused()) and not logs:
            return state
        time.sleep(poll)


# The run's log as the operator reads it: the project's lines (Chinese) and any warning; the
# worker's and engine's English bookkeeping stays in the UI.
_CJK = re.compile(r"[\u4e00-\u9fff]")
STATES = {"COMPLETED": "运行完成", "FAILED": "失败", "CRASHED": "异常中止", "CANCELLED": "已取消",
          "PAUSED": "等待审批"}


def state_word(state) -> str:
    return STATES.get(state.type.name, state.name) if state.type else state.name
