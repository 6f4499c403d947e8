"""A warm start for the worker's flow runs: one process imports Prefect's engine and every flow
of the deployments once, then forks a child for each run the worker starts.

Why: a process worker starts each run as `python -m prefect.engine`, a fresh Python that
imports Prefect (about 1.2 s on a quiet 2-core machine) and the flows with pandas and
SQLAlchemy (about 1 s more) before the run's first step; bench/operator.py measured that start
at 3.6-4.2 s of a 5.7-6.2 s click. A fork of a process that has imported them starts in
milliseconds, and each run is still its own process (a crash or a leak ends with it).

The main job's worker (sprint/job/worker.py) starts each run as `python -m
sprint.job.warm_launch`: that small process hands its environment, folder and standard streams to this
server over a Unix socket, relays signals to the child and ends with the child's exit status,
so the worker sees what it would see of `prefect.engine`. Without this server the launcher
runs `prefect.engine` itself: nothing depends on the warm start but speed.
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import sys
from pathlib import Path

# Each message between launcher and server is one datagram of a SOCK_SEQPACKET connection.
MESSAGE = 1 << 20


def warm(deployment_file: Path) -> None:
    """Import what a run needs: Prefect's engine and each deployment's flow module."""
    import prefect.engine  # noqa: F401  the engine's own imports, done once here
    import prefect.flow_engine  # noqa: F401
    import yaml
    from prefect.flows import load_flow_from_entrypoint

    entries = {d["entrypoint"] for d in yaml.safe_load(deployment_file.read_text())["deployments"]}
    for entry in sorted(entries):
        load_flow_from_entrypoint(entry)


def serve(path: Path, deployment_file: Path) -> int:
    stopping: list[bool] = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    path.unlink(missing_ok=True)
    try:
        warm(deployment_file)
    except Exception as e:  # a flow that fails to import fails its runs, started cold, by itself
        print(f"预热失败，各次运行照常冷启动：{type(e).__name__}: {e}", flush=True)
        while not stopping:  # stay, so the main job does not stop for an optimisation
            signal.pause()
        return 0
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    listener.bind(str(path))  # bound only once warm: a launcher before that starts cold
    os.chmod(path, 0o600)
    listener.listen(16)
    print(f"预热进程已就绪：{path}（已加载 {deployment_file} 中的流程）", flush=True)
    runs: dict[int, socket.socket] = {}  # child pid -> its launcher's connection
    while not stopping:
        ready, _, _ = select.select([listener, *runs.values()], [], [], 0.1)
        for sock in ready:
            if sock is listener:
                _start(listener, runs)
            else:  # a launcher's connection closed: the worker killed it, so the run ends too
                pid = next(p for p, s in runs.items() if s is sock)
                _kill(pid)
        _reap(runs)
    listener.close()
    path.unlink(missing_ok=True)
    return 0


def _start(listener: socket.socket, runs: dict[int, socket.socket]) -> None:
    conn, _ = listener.accept()
    try:
        data, fds, _, _ = socket.recv_fds(conn, MESSAGE, 3)
        request = json.loads(data)
        if len(fds) != 3:
            raise ValueError(f"expected 3 streams, got {len(fds)}")
    except (OSError, ValueError) as e:
        print(f"预热进程：无法接收运行请求（{e}）", file=sys.stderr, flush=True)
        conn.close()
        return
    pid = os.fork()
    if pid == 0:  # the run's own process; never returns
        listener.close()
        conn.close()
        for other in runs.values():
            other.close()
        _run(request, fds)
    for fd in fds:
        os.close(fd)
    runs[pid] = conn
    conn.send(json.dumps({"pid": pid}).encode())
    print(f"预热进程：运行 {request['env'].get('PREFECT__FLOW_RUN_ID', '?')} 由进程 {pid} 执行",
          flush=True)


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _reap(runs: dict[int, socket.socket]) -> None:
    while runs:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn = runs.pop(pid, None)
        if conn is None:
            continue
        answer = ({"signal": os.WTERMSIG(status)} if os.WIFSIGNALED(status)
                  else {"exit": os.waitstatus_to_exitcode(status)})
        try:
            conn.send(json.dumps(answer).encode())
        except OSError:
            pass  # the launcher is gone already
        conn.close()


def _run(request: dict, fds: list[int]) -> None:
    """In the child: become the process `python -m prefect.engine` would have been."""
    code = 1
    try:
        os.setsid()  # as the worker starts a run: a Ctrl-C at the main job's terminal is not its
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGCHLD):
            signal.signal(sig, signal.SIG_DFL)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.argv = ["prefect.engine", *request["argv"]]
        from prefect.context import refresh_global_settings_context

        refresh_global_settings_context()  # the run's settings, from its own environment
        code = _engine()
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        _leave(code)


def _engine() -> int:
    """What `python -m prefect.engine` does once imported (prefect/engine.py's main)."""
    from uuid import UUID

    from prefect._internal.control_listener import configure_from_env
    from prefect._internal.metrics import RunMetrics
    from prefect.engine import _drive_run_flow_result, handle_engine_signals
    from prefect.flow_engine import flow_run_logger, load_flow, load_flow_run, run_flow

    flow_run_id = UUID(sys.argv[1] if len(sys.argv) > 1 else os.environ["PREFECT__FLOW_RUN_ID"])
    configure_from_env()
    with handle_engine_signals(flow_run_id):
        flow_run = load_flow_run(flow_run_id=flow_run_id)
        run_logger = flow_run_logger(flow_run=flow_run)
        try:
            flow = load_flow(flow_run)
        except Exception:
            run_logger.error("Unexpected exception encountered when trying to load flow", exc_info=True)
            raise
        with RunMetrics(flow_run, flow):
            _drive_run_flow_result(flow, run_flow(flow, flow_run=flow_run, error_logger=run_logger))
    return 0


def _leave(code: int) -> None:
    """End the child as a Python process ends, without returning into the server's loop:
    first threading's exit handlers and the wait for the run's threads (Prefect's log service
    sends the run's last lines there), then atexit's, as the interpreter does."""
    import atexit
    import threading

    try:
        threading._shutdown()
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code)


if __name__ == "__main__":
    sys.exit(serve(Path(sys.argv[1]), Path(sys.argv[2])))
