"""The fence's child: a forked process answering fn(*args) for the calls it is given, under limits.

`sprint.reading.fence` decides which calls go to which child and when a new one takes over; this module
is the child itself and the parent's handle on it (its pipes, its deadline, its reaping).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import select
import signal
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from sprint.domain.plan import Limits
from sprint.reading.fence_serve import ORDER, OUT_OF_MEMORY, STOP, serve, write_all


class Broken(Exception):
    """The child died or passed a limit; `how` says how, for the operator's log."""

    def __init__(self, how: str):
        super().__init__(how)
        self.how = how


# The parent's ends of every live child's pipes: a child forked later closes them, or a child
# would never see its orders end (a sibling holding them open) and outlive a parent that died.
_PARENT_ENDS: set[int] = set()


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
            serve(orders_read, write, fn, argses, limits)
        os.close(write)
        os.close(orders_read)
        self.pid, self.fd, self._orders = pid, read, orders
        _PARENT_ENDS.update((read, orders))

    def give(self, index: int) -> None:
        """One more call for this child, after those it has."""
        self.pending.append(index)
        with contextlib.suppress(BrokenPipeError):  # it died: its next answer will say how
            write_all(self._orders, index.to_bytes(ORDER, "big"))

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
                write_all(self._orders, STOP.to_bytes(ORDER, "big"))
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
