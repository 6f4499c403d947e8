"""The fence's memory as one budget for the whole machine: at most `limits.readers_at_once`
fenced children read at once, whichever process (a run, the main job, a second run of another
group) forked them, each with `reader_memory_mb` of it. A child's slot is a lock on a file in
the temporary folder: POSIX record locks are the process's own (a forked child does not hold its
parent's) and are let go by the kernel when the process dies, so a killed run frees its slots."""

from __future__ import annotations

import fcntl
import os
import tempfile
import threading
import time
from pathlib import Path

_HELD: set[int] = set()  # slots this process holds (a record lock does not exclude its owner)
_GUARD = threading.Lock()


def _folder() -> Path:
    # SPRINT_FENCE_DIR gives a machine's processes a budget apart (the tests, which would
    # otherwise wait for a replay or the main job reading on the same machine).
    folder = Path(os.environ.get("SPRINT_FENCE_DIR") or
                  Path(tempfile.gettempdir()) / f"sprint-fence-{os.getuid()}")
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def take(count: int, wait: bool) -> tuple[int, int] | None:
    """A free slot of `count` as (number, fd); None when none is free and not `wait`ing."""
    while True:
        with _GUARD:
            for number in range(count):
                if number in _HELD:
                    continue
                fd = os.open(_folder() / f"slot-{number}.lock", os.O_RDWR | os.O_CREAT, 0o600)
                try:
                    fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    os.close(fd)
                    continue
                _HELD.add(number)
                return number, fd
        if not wait:
            return None
        time.sleep(0.05)


def give(slot: tuple[int, int] | None) -> None:
    if slot is None:
        return
    with _GUARD:
        _HELD.discard(slot[0])
        os.close(slot[1])  # closing lets the lock go
