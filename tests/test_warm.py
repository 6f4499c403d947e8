"""The warm start (sprint/job/warm.py, sprint/job/warm_launch.py): the worker's command hands a
run to a process that has imported Prefect and the flows, and must look to the worker exactly
like `python -m prefect.engine`: the run's output on the command's streams, its environment and
folder, its exit status, the worker's signals reaching the run, and a killed command taking its
run with it. Real processes and a real Unix socket; the engine itself is replaced by a stub
here (the main job's tests and the smoke run real flows through it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

# The warm server with a stub engine: it warms nothing, and a run does what STUB says.
SERVER = """
import os, signal, sys, threading, time
from pathlib import Path
import sprint.job.warm as warm

def engine():
    what = os.environ["STUB"]
    Path(os.environ["PIDFILE"]).write_text(str(os.getpid()))
    print(f"运行 {sys.argv[1:]} 于 {os.getcwd()}，变量 {os.environ.get('RUN_ONLY')}", flush=True)
    if what.startswith("exit:"):
        return int(what[5:])
    if what == "drain":  # as Prefect's log service sends what is left when threads end
        threading._register_atexit(lambda: print("日志已送出", flush=True))
        return 0
    if what == "wait":
        signal.signal(signal.SIGTERM, lambda *_: (print("收到终止信号", flush=True), sys.exit(7)))
    time.sleep(60)
    return 0

warm.warm = lambda _file: None
warm._engine = engine
sys.exit(warm.serve(Path(sys.argv[1]), Path("unused.yaml")))
"""


@pytest.fixture
def server(tmp_path):
    sock = tmp_path / "warm.sock"
    log = (tmp_path / "warm.log").open("w")
    process = subprocess.Popen([sys.executable, "-c", SERVER, str(sock)], stdout=log,
                               stderr=subprocess.STDOUT, env=os.environ | {"SERVER_ONLY": "1"})
    deadline = time.monotonic() + 30
    while not sock.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sock.exists(), (tmp_path / "warm.log").read_text()
    yield sock
    process.terminate()
    assert process.wait(timeout=10) == 0
    log.close()


def launch(sock: Path | None, tmp_path: Path, stub: str, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "SPRINT_WARM_SOCKET"}
    env |= {"STUB": stub, "PIDFILE": str(tmp_path / "run.pid"), "RUN_ONLY": "本次运行的变量"}
    if sock is not None:
        env["SPRINT_WARM_SOCKET"] = str(sock)
    folder = tmp_path / "run-folder"
    folder.mkdir(exist_ok=True)
    return subprocess.Popen([sys.executable, "-m", "sprint.job.warm_launch", *args], env=env,
                            cwd=folder, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def run_pid(tmp_path: Path) -> int:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        text = (tmp_path / "run.pid").read_text() if (tmp_path / "run.pid").exists() else ""
        if text:
            return int(text)
        time.sleep(0.05)
    raise AssertionError("the run never started")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie the warm server has not reaped yet is gone for this purpose.
    return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"


def test_the_run_speaks_on_the_commands_streams_with_its_environment_and_exit_status(server, tmp_path):
    """The server's own environment lacks RUN_ONLY; the run sees the command's, its folder and
    its argument, and the command ends with the run's status (3)."""
    done = launch(server, tmp_path, "exit:3", "run-id-1")
    out, _ = done.communicate(timeout=30)
    assert done.returncode == 3
    assert f"运行 ['run-id-1'] 于 {tmp_path / 'run-folder'}，变量 本次运行的变量" in out


def test_what_the_run_leaves_to_be_sent_at_exit_is_sent(server, tmp_path):
    """Prefect's log service sends a run's last lines when the interpreter ends its threads
    (threading's exit handlers, before atexit's): a short run sends no batch before then, so a
    warm child that skipped them left its run page empty (the main job's CI caught it)."""
    done = launch(server, tmp_path, "drain", "run-id-2")
    out, _ = done.communicate(timeout=30)
    assert done.returncode == 0 and "日志已送出" in out


def test_the_workers_sigterm_reaches_the_run(server, tmp_path):
    """The worker cancels a run by SIGTERM to its command: the run handles it (exit 7)."""
    running = launch(server, tmp_path, "wait")
    pid = run_pid(tmp_path)
    assert pid != running.pid and alive(pid)
    running.send_signal(signal.SIGTERM)
    out, _ = running.communicate(timeout=30)
    assert running.returncode == 7 and "收到终止信号" in out


def test_a_run_killed_by_a_signal_ends_its_command_by_the_same_signal(server, tmp_path):
    running = launch(server, tmp_path, "sleep")
    os.kill(run_pid(tmp_path), signal.SIGKILL)
    running.communicate(timeout=30)
    assert running.returncode == -signal.SIGKILL


def test_a_killed_command_takes_its_run_with_it(server, tmp_path):
    """After a grace period the worker SIGKILLs the command, which can relay nothing: the server
    sees its connection close and ends the run, so no run goes on unwatched."""
    running = launch(server, tmp_path, "sleep")
    pid = run_pid(tmp_path)
    running.kill()
    running.wait(timeout=10)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(pid)


def test_without_a_warm_server_the_command_starts_the_run_as_prefect_would(tmp_path):
    """No socket there (the server not started, or not warm yet): `python -m prefect.engine`,
    which here refuses an invalid flow run id as it would under the worker."""
    done = launch(tmp_path / "missing.sock", tmp_path, "exit:0", "not-a-flow-run-id")
    out, _ = done.communicate(timeout=120)
    assert done.returncode == 1 and "Invalid flow run id" in out
    assert not (tmp_path / "run.pid").exists()


def test_a_flow_that_fails_to_import_leaves_runs_to_start_cold(tmp_path):
    """The warm server cannot import a deployment's flow: it says so once in its log, listens
    on nothing (every run starts cold and fails or not on its own) and stays up, so the main
    job does not stop for it; SIGTERM ends it."""
    broken = tmp_path / "prefect.yaml"
    broken.write_text("deployments:\n  - entrypoint: flows/missing.py:nothing\n")
    sock = tmp_path / "warm.sock"
    server = subprocess.Popen([sys.executable, "-m", "sprint.job.warm", str(sock), str(broken)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = server.stdout.readline()  # its first line, or '' if it ended
    assert line.startswith("预热失败，各次运行照常冷启动：") and "flows/missing.py" in line
    assert server.poll() is None and not sock.exists()
    server.terminate()
    assert server.wait(timeout=10) == 0
