"""The duty flow as the main job runs it: deployed, taken by a process worker, on a real Prefect
server. A bare date means the end of that day whether it comes through the API (as the UI's form
sends it) or the command line; a 通报 draft suspends its run, holding no worker, until the
operator decides through the API."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import beijing, drop, make_ledger
from tests.test_deadlines import rectification
from tests.test_workers import process_pool, start_worker, wait_for

pytest_plugins = ["tests.pg"]
pytestmark = pytest.mark.integration

PROJECT = Path(__file__).resolve().parents[1]
POOL = "duties"  # its own pool: tests/test_workers.py makes "share" on the same server


@pytest.fixture
def deployed(prefect_pg, home, sink, tmp_path, monkeypatch):
    """The duty flow deployed from the project, and a process worker whose runs use this test's
    state folder, inbox and mail server."""
    from prefect import flow, get_client

    with get_client(sync_client=True) as client:
        process_pool(client, POOL)
    deployment_id = flow.from_source(str(PROJECT), "flows/duties.py:duties").deploy(
        "duties-under-test", work_pool_name=POOL, build=False, push=False,
        print_next_steps=False, ignore_warnings=True)
    env = {k: v for k, v in os.environ.items() if k.startswith("SPRINT_")}
    server = type(prefect_pg)(prefect_pg.api, prefect_pg.env | env, prefect_pg.database_url,
                              prefect_pg.log, prefect_pg.process)
    worker = start_worker(server, "duties-worker", tmp_path, POOL)
    try:
        with get_client(sync_client=True) as client:
            wait_for(lambda: any(w.name == "duties-worker" for w in client.read_workers_for_work_pool(POOL)),
                     90, "the worker did not report", [tmp_path / "duties-worker.log"])
        yield deployment_id, tmp_path / "duties-worker.log"
    finally:
        from tests.pg import stop

        stop(worker)


def finished(client, run_id, log, seconds=180):
    return wait_for(lambda: (r := client.read_flow_run(run_id)).state.is_final() and r, seconds,
                    "the deployed run did not end", [log])


def test_a_bare_date_is_the_end_of_that_day_through_the_api_and_the_command_line(
        deployed, home, sink):
    from prefect import get_client

    deployment_id, log = deployed
    drop(home / "inbox", "220802", "洮北区.xlsx", make_ledger(rows=3), "2020-10-08 10:00")
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(deployment_id, parameters={
            "flow": "labor-ledger", "as_of": "2020-10-12", "dry_run": True})
        api = finished(client, run.id, log)
    assert api.state.is_completed(), api.state.message
    cli = subprocess.run([str(PROJECT / ".venv" / "bin" / "sprint"), "run", "labor-ledger",
                          "--as-of", "2020-10-12", "--dry-run"], capture_output=True, text=True,
                         env=os.environ | {"PREFECT_API_URL": deployed_api()})
    assert cli.returncode == 0, cli.stderr[-2000:]
    with get_client(sync_client=True) as client:
        names = sorted(r.name for r in client.read_flow_runs() if r.name.startswith("labor-ledger"))
    assert names == ["labor-ledger 2020-10-09 @2020-10-12 23:59 (试运行)"] * 2


def deployed_api() -> str:
    from prefect.settings import PREFECT_API_URL

    return PREFECT_API_URL.value()


def test_a_notice_suspends_its_deployed_run_and_the_approval_resumes_it(deployed, home, sink):
    from prefect import get_client, resume_flow_run

    from flows.duties import duties

    deployment_id, log = deployed
    inbox = home / "inbox"
    drop(inbox, "220802", "整改台账.xlsx", rectification([
        ("TB-001", "排查发现", "住房安全", "已完成"), ("TB-002", "排查发现", "义务教育", "推进中")]),
        "2020-10-23 10:00")
    assert duties(flow="deadlines", as_of=beijing("2020-10-28 10:00"), return_state=True).is_completed()
    with get_client(sync_client=True) as client:
        run = client.create_flow_run_from_deployment(deployment_id, parameters={
            "flow": "deadlines", "as_of": "2020-11-02T10:00"})

        def paused_or_over():
            state = client.read_flow_run(run.id).state
            return (state.is_paused() or state.is_final()) and state

        state = wait_for(paused_or_over, 180, "the run did not suspend", [log])
        assert state.name == "Suspended", state
        # Suspended, the run holds no process: its own process (the pid the worker recorded)
        # ends, however loaded the machine, and then the worker runs nothing meanwhile.
        pid = _run_pid(client.read_flow_run(run.id))
        wait_for(lambda: not _alive(pid), 60, f"the suspended run's process {pid} did not end",
                 [log])
        assert not [p for p in _processes() if "prefect.engine" in p]
        assert not [m for r, m in sink.handler.received if "lingdao@example.org" in r]
        decided = 0
        while not state.is_final():
            resume_flow_run(run.id, run_input={"decision": "批准发送"})
            decided += 1
            wait_for(lambda was=state.id: client.read_flow_run(run.id).state.id != was, 60,
                     "the run did not take the decision", [log])
            state = wait_for(paused_or_over, 180, "the resumed run neither asked again nor ended",
                             [log])
        done = finished(client, run.id, log)
    assert done.state.is_completed(), done.state.message
    notices = [m for r, m in sink.handler.received if "lingdao@example.org" in r]
    assert notices and all(m["Subject"].startswith("【百日冲刺】通报：") for m in notices)
    assert any("排查发现的问题" in m["Subject"] for m in notices)
    assert len(notices) == decided  # one decision for each draft, each draft sent once


def _processes() -> list[str]:
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if sys.executable in line]


def _run_pid(run) -> int:
    """The pid of the process the worker started for the run (Prefect records it, as `pid` or
    `host:pid`)."""
    assert run.infrastructure_pid, "the worker recorded no process for the run"
    return int(str(run.infrastructure_pid).rsplit(":", 1)[-1])


def _alive(pid: int) -> bool:
    # A child of the worker, not of this test: once it exits and the worker reaps it, the pid is
    # gone; a zombie not yet reaped holds no work, so it counts as ended.
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"
