"""`sprint up` as a new user sees it: one short block, Prefect's output in log files, the
schedules of a finished plan deployed paused, and a drill's deployed moved and running."""

import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sprint.config.drill import plan_drill
from sprint.domain.plan import BUNDLED_PLAN, load_plan
from tests.prefect_db import migrated_copy
from tests.test_cli import SPRINT, sprint

pytestmark = pytest.mark.integration
END = "按 Ctrl-C 停止。"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _prefect_database(tmp_path, args: tuple[str, ...]) -> Path:
    """Where the main job's Prefect server keeps its database: under the state folder, or under
    the drill's own (named for its first day)."""
    home = tmp_path / "var"
    if "--drill" in args:
        chosen = dt.date.fromisoformat(args[args.index("--drill") + 1])
        home = plan_drill(home, BUNDLED_PLAN, load_plan(), chosen).home
    return home / "prefect" / "prefect.db"


@contextlib.contextmanager
def started(tmp_path, *args, migrated: Path | None = None):
    """The main job, up: yields what it printed and its API's address; stops it on leaving.
    `migrated`: the folder of the tests' migrated Prefect database (tests/prefect_db.py), so
    that the server starts on a copy, not on a new database that it would first migrate."""
    database = _prefect_database(tmp_path, args)
    if migrated is not None and not database.exists():
        migrated_copy(migrated, database)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPRINT_", "PREFECT_"))}
    env |= {"SPRINT_HOME": str(tmp_path / "var"), "SPRINT_PREFECT_PORT": str(port),
            "SPRINT_SMTP_PORT": str(_free_port()), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    out = tmp_path / f"up-{port}.out"
    with out.open("w") as printed:
        job = subprocess.Popen([SPRINT, "up", *args], env=env, stdout=printed,
                               stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while END not in out.read_text() and job.poll() is None and time.monotonic() < deadline:
            time.sleep(0.5)
        assert END in out.read_text(), out.read_text()
        yield out.read_text(), f"http://127.0.0.1:{port}/api"
    finally:
        job.send_signal(signal.SIGINT)
        assert job.wait(timeout=60) == 0


def _schedules(api: str) -> dict[str, list[dict]]:
    return {d["name"]: d["schedules"] for d in _call(f"{api}/deployments/filter", {})}


def _call(url: str, body: dict | None = None):
    """The API's answer, asked as Prefect's own client (and so the UI's runs) asks: a 503 (the
    server's SQLite busy, on a loaded machine) is asked again after the time it says."""
    request = urllib.request.Request(url, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    for attempt in range(6):
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return json.load(answer)
        except urllib.error.HTTPError as busy:
            if busy.code != 503 or attempt == 5:
                raise
            wait = busy.headers.get("Retry-After", "")
            time.sleep(float(wait) if wait.replace(".", "", 1).isdigit() else 1)  # or a date


def _a_run_starts_warm(api: str, warm_log) -> None:
    """A run clicked in the UI (the API call the UI makes) is forked by the warm server
    (sprint/job/warm.py), completes, and its run log reaches the run's page in Chinese."""
    [labor] = _call(f"{api}/deployments/filter", {"deployments": {"name": {"any_": ["labor-ledger"]}}})
    # The warm server listens once it has imported the flows; a run before that starts cold.
    deadline = time.monotonic() + 120
    while "预热进程已就绪" not in warm_log.read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    run = _call(f"{api}/deployments/{labor['id']}/create_flow_run",
                {"parameters": {"as_of": "2020-10-12T12:00:00", "dry_run": True}})
    while time.monotonic() < deadline:
        state = _call(f"{api}/flow_runs/{run['id']}")["state"]
        if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            break
        time.sleep(0.5)
    assert state["type"] == "COMPLETED", (state, warm_log.read_text())
    assert f"预热进程：运行 {run['id']} 由进程 " in warm_log.read_text()
    # The run's last lines are sent as its process ends, a moment after its state.
    while time.monotonic() < deadline:
        logs = _call(f"{api}/logs/filter", {"logs": {"flow_run_id": {"any_": [run["id"]]}}})
        if any("试运行" in line["message"] for line in logs):
            break
        time.sleep(0.5)
    assert any("试运行" in line["message"] for line in logs), [x["message"] for x in logs]


def test_a_finished_plan_starts_paused_and_a_run_clicked_starts_warm(tmp_path, prefect_shared):
    with started(tmp_path, "--no-demo", migrated=prefect_shared) as (printed, api):
        lines = printed.splitlines()
        assert lines[0] == "百日冲刺调度系统已启动。" and lines[-1] == END and len(lines) <= 15
        assert ("  定时运行  方案已于2021-01-05结束（百日冲刺为2020-09-22至2020-12-30），"
                "定时运行已暂停；仍可手动运行任一日期。") in lines
        assert f"  邮件      {tmp_path / 'var' / 'mail'}/new/" in printed
        # The plan's group robots post to the local robot server, each message kept as a file.
        assert f"；群机器人消息 {tmp_path / 'var' / 'robots'}/<单位代码>/" in printed
        assert "as_of 填 2020-10-12 12:00" in printed
        assert "started!" not in printed and "successfully created" not in printed  # Prefect's
        schedules = _schedules(api)
        assert "labor-ledger" in schedules
        assert all(not s["active"] for each in schedules.values() for s in each)
        _a_run_starts_warm(api, tmp_path / "var" / "logs" / "warm.log")
    logs = tmp_path / "var" / "logs"
    assert "successfully created" in (logs / "deploy.log").read_text()
    assert (logs / "worker.log").read_text() and (logs / "server.log").read_text()


def test_a_drill_starts_moved_and_live_and_a_plain_start_ends_it(tmp_path, prefect_shared):
    with started(tmp_path, "--no-demo", "--drill", "2026-12-07", migrated=prefect_shared) as (printed, api):
        home = tmp_path / "var" / "drill-2026-12-08"
        assert f"  平移演练：由 baicheng-2020.yaml 整体平移324周（2020-09-22 → 2026-12-08），状态目录 {home}" in printed
        assert "  定时运行  按各部署的日程运行（北京时间）" in printed
        assert "再次启动本次演练：bin/start --drill 2026-12-07" in printed
        [labor] = _schedules(api)["labor-ledger"]
        assert labor["active"]
        assert labor["schedule"]["rrule"].startswith("DTSTART:20261225T173000\n")
        run = sprint("calendar", "--from", "2026-12-07", "--to", "2026-12-13", home=tmp_path / "var")
        assert run.stdout.splitlines()[0] == f"计划文件：{home / 'plan.yaml'}（平移演练：由 baicheng-2020.yaml 整体平移324周（2020-09-22 → 2026-12-08），状态目录 {home}）"

    with started(tmp_path, "--no-demo", migrated=prefect_shared):  # a plain start ends the drill
        run = sprint("plan", home=tmp_path / "var")
        assert "（原日程，未平移）" in run.stdout.splitlines()[0]


def test_a_taken_port_or_a_bad_drill_date_is_named_not_a_traceback(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = sprint("up", "--no-demo", home=tmp_path, env={"SPRINT_PREFECT_PORT": str(port)})
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert run.stderr.strip() == (f"sprint up：端口 {port} 已被占用（系统是否已经启动？）；"
                                  "要用别的端口，请设置 SPRINT_PREFECT_PORT，"
                                  "例：SPRINT_PREFECT_PORT=4300 bin/start")
    bad = sprint("up", "--drill", "12/07", home=tmp_path)
    assert bad.returncode == 2 and "不是有效的日期：'12/07'" in bad.stderr
