"""Running one file's reader in a child process that may fail alone (the fence).

A parser written in another language can end the whole process where no `except` reaches: one
cell at XFD1048576 makes calamine ask for 550 GB, and Rust aborts (exit 134). A parser can also
loop, or eat the worker's memory. So a file is read in a forked child with limits on its address
space, CPU time and wall time; what it returns comes back pickled through a pipe, and if it
dies, only that file is lost. Forking costs a few milliseconds and no import: the child starts
with everything the parent has loaded, the plan among it.
"""

from __future__ import annotations

import contextlib
import faulthandler
import fcntl
import gc
import os
import pickle
import resource
import select
import signal
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sprint.plan import Limits

MB = 1024 * 1024
# Errors that mean the child ran out of room, though it lived to say so.
OUT_OF_MEMORY = {"MemoryError", "ArrowMemoryError"}


class Broken(Exception):
    """The child died or passed a limit; `how` says how, for the operator's log."""

    def __init__(self, how: str):
        super().__init__(how)
        self.how = how


@dataclass(frozen=True)
class Raised:
    """An exception the child's work raised: its type's name and its traceback."""

    kind: str
    trace: str


def call(fn: Callable[..., Any], *args: Any, limits: Limits) -> Any:
    """fn(*args) in a forked child under `limits`: its value, or Raised when it raised.

    Raises Broken when the child died (a signal, an exit without an answer), passed its time,
    or ran out of memory. With `limits.fence` false, fn runs here (to measure the fence)."""
    if not limits.fence:
        try:
            return fn(*args)
        except Exception as e:
            return Raised(type(e).__name__, traceback.format_exc())
    return _Child(fn, args, limits).result()


def map_calls(fn: Callable[..., Any], argses: Iterable[tuple], limits: Limits,
              processes: int = 1) -> list[Any]:
    """`call` for each tuple of arguments, up to `processes` children at once, results in
    order; a Broken child is returned as its Broken."""
    pending = list(enumerate(argses))
    results: list[Any] = [None] * len(pending)
    running: list[tuple[int, _Child]] = []
    while pending or running:
        while pending and len(running) < max(1, processes):
            i, args = pending.pop(0)
            running.append((i, _Child(fn, args, limits)))
        _Child.wait_any([c for _, c in running])
        for i, child in [r for r in running if r[1].finished]:
            running.remove((i, child))
            try:
                results[i] = child.result()
            except Broken as e:
                results[i] = e
    return results


class _Child:
    def __init__(self, fn: Callable[..., Any], args: tuple, limits: Limits):
        self._deadline = time.monotonic() + limits.reader_wall_seconds
        self._chunks: list[bytes] = []
        self._eof = False
        read, write = os.pipe()
        with contextlib.suppress(OSError, AttributeError):  # fewer wake-ups for a big answer
            fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, 1 << 20)
        pid = os.fork()
        if pid == 0:  # the child: never returns
            os.close(read)
            _serve(write, fn, args, limits)
        os.close(write)
        self.pid, self.fd = pid, read

    @property
    def finished(self) -> bool:
        return self._eof or time.monotonic() >= self._deadline

    @staticmethod
    def wait_any(children: list[_Child]) -> None:
        """Read what the children wrote until one has finished or passed its time."""
        while children and not any(c.finished for c in children):
            left = min(c._deadline for c in children) - time.monotonic()
            ready, _, _ = select.select([c.fd for c in children], [], [], max(left, 0))
            for c in children:
                if c.fd in ready:
                    c._read()

    def _read(self) -> None:
        chunk = os.read(self.fd, 1 << 20)  # the answer may exceed the pipe's 64 KB
        if chunk:
            self._chunks.append(chunk)
        else:
            self._eof = True

    def result(self) -> Any:
        _Child.wait_any([self])
        os.close(self.fd)
        late = not self._eof
        if late:
            os.kill(self.pid, signal.SIGKILL)
        status = _reap(self.pid, self._deadline)
        if late:
            raise Broken("wall time passed: killed")
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            name = signal.Signals(number).name if number in signal.valid_signals() else number
            how = "CPU time passed" if number == signal.SIGXCPU else f"killed by {name}"
            raise Broken(how)
        data = b"".join(self._chunks)
        if os.WEXITSTATUS(status) != 0 or not data:
            raise Broken(f"exited with status {os.WEXITSTATUS(status)} and no answer")
        kind, value = pickle.loads(data)
        if kind == "raised" and value.kind in OUT_OF_MEMORY:
            raise Broken(f"out of memory ({value.kind})")
        return value


def _reap(pid: int, deadline: float) -> int:
    """The child's exit status; a child that closed its pipe but lingers is killed."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() >= deadline:
            os.kill(pid, signal.SIGKILL)
            return os.waitpid(pid, 0)[1]
        time.sleep(0.001)


def _serve(write: int, fn: Callable[..., Any], args: tuple, limits: Limits) -> None:
    code = 0
    try:
        _limit(limits)
        try:
            answer: tuple[str, Any] = ("value", fn(*args))
        except BaseException as e:  # a Rust panic is a BaseException: it must come back too
            answer = ("raised", Raised(type(e).__name__, traceback.format_exc()))
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except BaseException as e:
            data = pickle.dumps(("raised", Raised(type(e).__name__, traceback.format_exc())))
        view = memoryview(data)
        while view:
            view = view[os.write(write, view):]
    except BaseException:
        code = 70
    finally:
        # No cleanup of the parent's objects (its database connections, its log handlers):
        # they are the parent's, and a child flushing them would write twice.
        os._exit(code)


def _limit(limits: Limits) -> None:
    """Limits counted from the child's own start: the address space it was forked with (a
    worker's threads reserve much of it) plus `reader_memory_mb`."""
    with open("/proc/self/statm") as f:
        size = int(f.read().split()[0]) * resource.getpagesize()
    _set(resource.RLIMIT_AS, size + int(limits.reader_memory_mb * MB))
    _set(resource.RLIMIT_CPU, limits.reader_cpu_seconds)
    _set(resource.RLIMIT_CORE, 0)  # an aborted reader leaves no core file of a county's data
    faulthandler.disable()  # a death is told by the parent, once, not as a stack dump here
    # No collections: the child lives for one file, under a memory limit, and a collection
    # would walk (and so copy, page by page) every object it shares with the parent.
    gc.disable()
    for number in (signal.SIGINT, signal.SIGTERM):  # the parent's handlers are not the child's
        try:
            signal.signal(number, signal.SIG_DFL)
        except ValueError:  # not the main thread: nothing of the parent's runs here then
            pass


def _set(which: int, value: int) -> None:
    _, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, hard))
