"""Inside the fence's child: serving the calls it is ordered, each under the plan's limits of
memory and CPU, and writing each answer (or the exception raised) back to the parent.

`sprint.reading.fence_child` forks the child and calls `serve`; nothing here runs in the parent.
"""

from __future__ import annotations

import faulthandler
import gc
import os
import pickle
import resource
import signal
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sprint.domain.plan import Limits

MB = 1024 * 1024
# Errors that mean the child ran out of room, though it lived to say so.
OUT_OF_MEMORY = {"MemoryError", "ArrowMemoryError"}
ORDER = 4  # bytes of a call's index in the orders pipe
STOP = (1 << 32) - 1


@dataclass(frozen=True)
class Raised:
    """An exception the child's work raised: its type's name and its traceback."""

    kind: str
    trace: str


def serve(orders: int, write: int, fn: Callable[..., Any], argses: list[tuple],
           limits: Limits) -> None:
    code = 0
    try:
        _prepare()
        while (index := _next_order(orders)) is not None:
            _limit(limits)
            try:
                answer: tuple[str, Any] = ("value", fn(*argses[index]))
            except BaseException as e:  # a Rust panic is a BaseException: it must come back too
                answer = ("raised", Raised(type(e).__name__, traceback.format_exc()))
            try:
                data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as e:
                answer = ("raised", Raised(type(e).__name__, traceback.format_exc()))
                data = pickle.dumps(answer)
            write_all(write, len(data).to_bytes(8, "big"))
            write_all(write, data)
            if answer[0] == "raised" and answer[1].kind in OUT_OF_MEMORY:
                break
    except BaseException:
        code = 70
    finally:
        # No cleanup of the parent's objects (its database connections, its log handlers):
        # they are the parent's, and a child flushing them would write twice.
        os._exit(code)


def _next_order(orders: int) -> int | None:
    """The index of the next call, or None when told to stop or the parent is gone."""
    data = b""
    while len(data) < ORDER:
        chunk = os.read(orders, ORDER - len(data))
        if not chunk:
            return None
        data += chunk
    index = int.from_bytes(data, "big")
    return None if index == STOP else index


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _prepare() -> None:
    _set(resource.RLIMIT_CORE, 0)  # an aborted reader leaves no core file of a county's data
    faulthandler.disable()  # a death is told by the parent, once, not as a stack dump here
    # What the child was forked with is never collected: a collection would walk (and so copy,
    # page by page) every object it shares with the parent. Its own garbage still is.
    gc.freeze()
    for number in (signal.SIGINT, signal.SIGTERM):  # the parent's handlers are not the child's
        try:
            signal.signal(number, signal.SIG_DFL)
        except ValueError:  # not the main thread: nothing of the parent's runs here then
            pass


def _limit(limits: Limits) -> None:
    """Limits for the next call, counted from where the child stands: the address space it
    has now (a worker's threads reserve much of it) plus `reader_memory_mb`, and the CPU time
    it has used plus `reader_cpu_seconds`."""
    with open("/proc/self/statm") as f:
        size = int(f.read().split()[0]) * resource.getpagesize()
    _set(resource.RLIMIT_AS, size + int(limits.reader_memory_mb * MB))
    used = resource.getrusage(resource.RUSAGE_SELF)
    _set(resource.RLIMIT_CPU, int(used.ru_utime + used.ru_stime) + 1 + limits.reader_cpu_seconds)


def _set(which: int, value: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, hard))
