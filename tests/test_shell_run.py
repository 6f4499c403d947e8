"""The operator's run from the shell: `sprint run` returns when a 通报 is drafted, the drafts wait
for a decision (from the shell or the UI), each approved 通报 goes once, and a Ctrl-C in between
loses nothing.

The plan (四(三)): "对工作推进不力、进度滞后的……予以通报". The clause-1 deadline is "10月底前清零
销号": its last working day is Friday 2020-10-30, so after the reminders of 10-28 (two working days
before, as the plan's notice rule asks) the run of Monday 11-02 drafts 3 通报 (10月底's two and
10月中旬's summaries), as tests/test_deadlines.py works out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from flows.duties import duties
from tests.approving import Run
from tests.factories import beijing
from tests.test_deadlines import inbox, mails  # noqa: F401 - `inbox` is a fixture

pytestmark = pytest.mark.integration
PROJECT = Path(__file__).resolve().parents[1]
SPRINT = str(PROJECT / ".venv" / "bin" / "sprint")
LEADERS = "lingdao@example.org"
POOL = "shell"
pytest_plugins = ["tests.pg"]


def sprint(*args, env=None, **kw) -> subprocess.CompletedProcess:
    # The timeout only guards the suite against the bug this file is about: a run that hangs.
    return subprocess.run([SPRINT, *args], capture_output=True, text=True, timeout=600,
                          env=env or shell_env(), **kw)


def shell_env(**extra) -> dict:
    """The operator's shell: no main job's server answers (a port nobody listens on)."""
    from sprint.job.mailsink import free_port

    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    return env | {"SPRINT_PREFECT_PORT": str(free_port("127.0.0.1")), "PREFECT_SERVER_ANALYTICS_ENABLED":
                  "false"} | extra


def waiting(home):
    from sprint.domain.records import WAITING
    from sprint.services.context import connect

    return [r for r in connect().store.notices.all() if r.status == WAITING]


def interrupt_once_started(args, env) -> int:
    """Start `sprint ARGS`, press Ctrl-C as soon as it shows it has begun, return its exit."""
    child = subprocess.Popen([SPRINT, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, env=env)
    for line in child.stdout:
        if "Beginning flow run" in line or "已启动部署" in line:
            child.send_signal(signal.SIGINT)
            break
    child.stdout.read()
    return child.wait(timeout=600)


def test_a_run_from_the_shell_returns_the_drafts_wait_and_a_decision_sends_each_once(
        prefect_server, home, inbox, sink):  # noqa: F811
    """Without the main job's server: the run returns, saying where to decide; a Ctrl-C loses no
    draft; `sprint approve` sends an approved 通报 once; the draft not decided is offered again
    by the next run and decided in the UI."""
    assert duties(flow="deadlines", as_of=beijing("2020-10-28 10:00"), return_state=True) \
        .is_completed()

    first = sprint("run", "deadlines", "--as-of", "2020-11-02 10:00")
    assert first.returncode == 0, first.stderr[-3000:]
    assert "通报草稿待审批：3 份" in first.stdout
    assert ".venv/bin/sprint approve" in first.stdout
    assert mails(sink, LEADERS) == []
    [ask] = mails(sink, "fupinban@example.org", "待审批")
    assert ".venv/bin/sprint approve" in ask.get_body(("plain",)).get_content()
    drafts = waiting(home)
    assert len(drafts) == 3

    # Ctrl-C in the middle of the next run: nothing expires, nothing goes.
    code = interrupt_once_started(["run", "deadlines", "--as-of", "2020-11-02 11:00"],
                                  shell_env(PREFECT_LOGGING_LEVEL="INFO"))
    assert code != 0
    assert sorted(r.id for r in waiting(home)) == sorted(r.id for r in drafts)
    assert mails(sink, LEADERS) == []

    listed = sprint("approve")
    assert listed.returncode == 0, listed.stderr
    assert "待审批的通报草稿 3 份" in listed.stdout
    assert all(f"#{r.id}" in listed.stdout for r in drafts)
    clear = next(r for r in drafts if "排查发现的问题" in r.subject)
    approved = sprint("approve", str(clear.id), "--note", "请各单位11月6日前整改到位。")
    assert approved.returncode == 0, approved.stderr
    assert f"通报 #{clear.id} 已批准，已发送 1 封" in approved.stdout
    [notice] = mails(sink, LEADERS)
    assert "附言：请各单位11月6日前整改到位。" in notice.get_body(("plain",)).get_content()
    other = next(r for r in drafts if r.id != clear.id)
    assert sprint("approve", str(other.id), "批准发送").returncode == 0
    assert len(mails(sink, LEADERS)) == 2
    again = sprint("approve", str(clear.id))
    assert again.returncode == 1 and f"没有待审批的通报草稿 #{clear.id}" in again.stderr

    # The one left is offered by the next run from the shell, still not sent ...
    later = sprint("run", "deadlines", "--as-of", "2020-11-02 12:00")
    assert later.returncode == 0, later.stderr[-3000:]
    assert "通报草稿待审批：1 份" in later.stdout
    assert len(mails(sink, LEADERS)) == 2
    # ... and decided in the UI by a run that waits for it: it goes, once.
    run = Run(flow="deadlines", as_of=beijing("2020-11-02 13:00"))
    run.answer(decision="批准发送")
    assert run.wait().is_completed()
    assert len(mails(sink, LEADERS)) == 3
    assert waiting(home) == []
    assert sprint("run", "deadlines", "--as-of", "2020-11-02 14:00").returncode == 0
    assert len(mails(sink, LEADERS)) == 3


@pytest.fixture
def main_job(prefect_pg, home, sink, tmp_path):
    """The main job's part that matters here: the deadlines deployment on a real server, and a
    process worker whose runs use this test's state folder, inbox and mail server."""
    from prefect import flow, get_client

    from tests.pg import stop
    from tests.test_workers import process_pool, start_worker, wait_for

    with get_client(sync_client=True) as client:
        process_pool(client, POOL)
    flow.from_source(str(PROJECT), "flows/duties.py:duties").deploy(
        "deadlines", work_pool_name=POOL, parameters={"flow": "deadlines"}, build=False,
        push=False, print_next_steps=False, ignore_warnings=True)
    env = {k: v for k, v in os.environ.items() if k.startswith("SPRINT_")}
    server = type(prefect_pg)(prefect_pg.api, prefect_pg.env | env, prefect_pg.database_url,
                              prefect_pg.log, prefect_pg.process)
    worker = start_worker(server, "shell-worker", tmp_path, POOL)
    log = tmp_path / "shell-worker.log"
    try:
        with get_client(sync_client=True) as client:
            wait_for(lambda: any(w.name == "shell-worker"
                                 for w in client.read_workers_for_work_pool(POOL)),
                     90, "the worker did not report", [log])
        yield prefect_pg.api, log
    finally:
        stop(worker)


def ours(client) -> list:
    """The runs of this test's deployment (the session's server holds other tests' runs too)."""
    deployment = client.read_deployment_by_name("sprint-duties/deadlines")
    return [r for r in client.read_flow_runs() if r.deployment_id == deployment.id]


def test_with_the_main_job_up_the_shell_runs_the_deployment_and_decides_from_the_shell(
        main_job, home, inbox, sink):  # noqa: F811
    """With the server up: `sprint run deadlines` starts the deployment's run (it shows under
    the deployment), a Ctrl-C stops only the following, the run suspends for its drafts, and
    `sprint approve` sends each 通报 once and lets the run end."""
    from prefect import get_client

    from tests.test_workers import wait_for

    api, log = main_job
    env = shell_env(PREFECT_API_URL=api)
    assert duties(flow="deadlines", as_of=beijing("2020-10-28 10:00"), return_state=True) \
        .is_completed()
    first = sprint("run", "deadlines", "--as-of", "2020-11-02 10:00", env=env)
    assert first.returncode == 0, first.stderr[-3000:]
    assert "通报草稿待审批：" in first.stdout and "/runs/flow-run/" in first.stdout
    assert mails(sink, LEADERS) == []
    drafts = waiting(home)
    assert len(drafts) == 3
    # The suspended run's page shows the draft it waits for, before anyone decides.
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId

    with get_client(sync_client=True) as client:
        [suspended] = ours(client)
        shown = client.read_artifacts(artifact_filter=ArtifactFilter(
            flow_run_id=ArtifactFilterFlowRunId(any_=[suspended.id])))
    assert any("待审批的通报草稿" in (a.data or "") and drafts[0].subject in (a.data or "")
               for a in shown), [a.description for a in shown]

    # Ctrl-C while following the next run stops the following only: the run goes on.
    assert interrupt_once_started(["run", "deadlines", "--as-of", "2020-11-02 11:00"], env) == 130
    with get_client(sync_client=True) as client:
        runs = ours(client)
        assert len(runs) == 2  # both under the deployment, as the UI lists them
        second = max(runs, key=lambda r: r.created)
        assert wait_for(lambda: (s := client.read_flow_run(second.id).state).is_final() and s,
                        180, "the followed run did not go on", [log]).is_completed()
    assert sorted(r.id for r in waiting(home)) == sorted(r.id for r in drafts)

    for r in drafts:
        decided = sprint("approve", str(r.id), env=env)
        assert decided.returncode == 0, decided.stderr
    assert len(mails(sink, LEADERS)) == 3
    with get_client(sync_client=True) as client:
        runs = ours(client)
        ended = [wait_for(lambda r=r: (s := client.read_flow_run(r.id).state).is_final() and s,
                          180, "a resumed run did not end", [log]) for r in runs]
    assert all(s.is_completed() for s in ended), [s.message for s in ended]
    assert len(mails(sink, LEADERS)) == 3  # each 通报 once, whoever decided
    assert waiting(home) == []


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
