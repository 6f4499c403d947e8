"""The fence's child: a forked process answering fn(*args) for the calls it is given, under limits.

`sprint.reading.fence` decides which calls go to which child and when a new one takes over; this module
is the child itself and the parent's handle on it (its pipes, its deadline, its reaping).
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
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sprint.domain.plan import Limits

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



# The parent's ends of every live child's pipes: a child forked later closes them, or a child
# would never see its orders end (a sibling holding them open) and outlive a parent that died.
_PARENT_ENDS: set[int] = set()
_ORDER = 4  # bytes of a call's index in the orders pipe
STOP = (1 << 32) - 1


class Child:
    """A forked child that answers fn(*argses[i]) for each index i it is given (`give`), in
    the order given: one framed answer each (its length in 8 bytes, then the pickled answer).
    It exits when told to stop or when its orders pipe closes."""

    def __init__(self, fn: Callable[..., Any], argses: list[tuple], limits: Limits):
        self._wall = limits.reader_wall_seconds
        self._deadline = time.monotonic() + self._wall
        self._buffer = bytearray()
        self._answers: list[tuple[str, Any]] = []
        self._eof = False
        self._status: int | None = None
        self.pending: deque[int] = deque()  # indices given and not yet answered, in order
        read, write = os.pipe()
        orders_read, orders = os.pipe()
        with contextlib.suppress(OSError, AttributeError):  # fewer wake-ups for a big answer
            fcntl.fcntl(write, fcntl.F_SETPIPE_SZ, 1 << 20)
        pid = os.fork()
        if pid == 0:  # the child: never returns
            for fd in (read, orders, *_PARENT_ENDS):
                os.close(fd)
            _serve(orders_read, write, fn, argses, limits)
        os.close(write)
        os.close(orders_read)
        self.pid, self.fd, self._orders = pid, read, orders
        _PARENT_ENDS.update((read, orders))

    def give(self, index: int) -> None:
        """One more call for this child, after those it has."""
        self.pending.append(index)
        with contextlib.suppress(BrokenPipeError):  # it died: its next answer will say how
            _write_all(self._orders, index.to_bytes(_ORDER, "big"))

    def take_back(self) -> list[int]:
        """The calls given and not answered (after a death: for another child)."""
        left = list(self.pending)
        self.pending.clear()
        return left

    @property
    def ready(self) -> bool:
        """An answer is here, or the child has ended or passed its time."""
        return bool(self._answers) or self._eof or time.monotonic() >= self._deadline

    def expect(self) -> None:
        """The next call's time starts now, if its answer is not already here (the caller may
        have spent a while on the answer before, while this child worked on)."""
        if not self._answers:
            self._deadline = time.monotonic() + self._wall

    @staticmethod
    def wait_any(children: list[Child]) -> None:
        """Read what the children wrote until one is ready."""
        while children and not any(c.ready for c in children):
            left = min(c._deadline for c in children) - time.monotonic()
            ready, _, _ = select.select([c.fd for c in children], [], [], max(left, 0))
            for c in children:
                if c.fd in ready:
                    c._read()

    def _read(self) -> None:
        chunk = os.read(self.fd, 1 << 20)  # an answer may exceed the pipe's 64 KB
        if not chunk:
            self._eof = True
            return
        self._buffer += chunk
        while len(self._buffer) >= 8:
            size = int.from_bytes(self._buffer[:8], "big")
            if len(self._buffer) < 8 + size:
                break
            self._answers.append(pickle.loads(memoryview(self._buffer)[8:8 + size]))
            del self._buffer[:8 + size]

    def next_answer(self) -> tuple[int, Any]:
        """The next call given and its value or Raised; its Broken when the child died on it,
        passed its time, or ran out of memory (the child then is over: `take_back` the rest)."""
        index = self.pending.popleft()
        return index, self._answer()

    def _answer(self) -> Any:
        Child.wait_any([self])
        if self._answers:
            kind, value = self._answers.pop(0)
            if kind == "raised" and value.kind in OUT_OF_MEMORY:
                self.close()  # the child stops after running out: its heap is not to be trusted
                return Broken(f"out of memory ({value.kind})")
            return value
        late = not self._eof
        self.kill()
        if late:
            return Broken("wall time passed: killed")
        status = self._status
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            name = signal.Signals(number).name if number in signal.valid_signals() else number
            return Broken("CPU time passed" if number == signal.SIGXCPU else f"killed by {name}")
        return Broken(f"exited with status {os.WEXITSTATUS(status)} and no answer")

    def close(self) -> None:
        """Every answer taken: tell the child to stop, and reap it."""
        if self._status is None:
            with contextlib.suppress(OSError):  # a child that died has no ear for it
                _write_all(self._orders, STOP.to_bytes(_ORDER, "big"))
            while not self._eof and time.monotonic() < self._deadline:
                Child.wait_any([self])
                self._answers.clear()
        self.kill()

    def kill(self) -> None:
        """End the child if it has not ended, and reap it (once)."""
        if self._status is not None:
            return
        for fd in (self.fd, self._orders):
            os.close(fd)
            _PARENT_ENDS.discard(fd)
        if not self._eof:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        self._status = _reap(self.pid, self._deadline if self._eof else time.monotonic())


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


def _serve(orders: int, write: int, fn: Callable[..., Any], argses: list[tuple],
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
            _write_all(write, len(data).to_bytes(8, "big"))
            _write_all(write, data)
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
    while len(data) < _ORDER:
        chunk = os.read(orders, _ORDER - len(data))
        if not chunk:
            return None
        data += chunk
    index = int.from_bytes(data, "big")
    return None if index == STOP else index


def _write_all(fd: int, data: bytes) -> None:
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
