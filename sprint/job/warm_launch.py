"""The worker's command for a flow run: ask the warm server (sprint/job/warm.py) to fork the
run, relay the worker's signals to it, and end as it ended. Only the standard library, so it
starts in a few hundredths of a second. Without a warm server (SPRINT_WARM_SOCKET unset, or
nothing listening yet) it becomes `python -m prefect.engine`, the worker's own command."""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

MESSAGE = 1 << 16


def cold() -> None:
    os.execv(sys.executable, [sys.executable, "-m", "prefect.engine", *sys.argv[1:]])


def main() -> None:
    path = os.environ.get("SPRINT_WARM_SOCKET")
    if not path:
        cold()
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        sock.connect(path)
        request = {"env": dict(os.environ), "cwd": os.getcwd(), "argv": sys.argv[1:]}
        socket.send_fds(sock, [json.dumps(request).encode()], [0, 1, 2])
        started = sock.recv(MESSAGE)
        pid = json.loads(started)["pid"]
    except (OSError, ValueError, KeyError):
        sock.close()
        cold()  # the server is not there (yet) or failed: start as the worker would
    # The worker cancels a run by signalling this process: the run receives the same signal.
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda number, _frame: _forward(pid, number))
    answer = sock.recv(MESSAGE)  # a relayed signal interrupts it, and it is resumed (PEP 475)
    ended = json.loads(answer) if answer else {"exit": 1}  # the server died: a crash
    if "signal" in ended:
        if ended["signal"] != signal.SIGKILL:  # SIGKILL has no handler to reset
            signal.signal(ended["signal"], signal.SIG_DFL)
        os.kill(os.getpid(), ended["signal"])
    sys.exit(ended.get("exit", 1))


def _forward(pid: int, number: int) -> None:
    try:
        os.kill(pid, number)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    main()
