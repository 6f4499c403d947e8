"""The flow tests/test_workers.py deploys: each run adds one line saying which process ran it."""

from __future__ import annotations

import os
import time

from prefect import flow
from prefect.runtime import flow_run


@flow(name="share-check")
def record_run(ledger: str, pause: float = 1.0) -> None:
    # A pause, so that runs overlap and each worker meets its limit and leaves work to the other.
    time.sleep(pause)
    line = f"{flow_run.id} {os.getpid()} {os.getppid()}\n".encode()
    # One write to a file opened for appending: lines of concurrent runs never interleave.
    fd = os.open(ledger, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    try:
        os.write(fd, line)
    finally:
        os.close(fd)
