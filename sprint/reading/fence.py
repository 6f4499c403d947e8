"""Running one file's reader in a child process that may fail alone (the fence).

A parser written in another language can end the whole process where no `except` reaches: one
cell at XFD1048576 makes calamine ask for 550 GB, and Rust aborts (exit 134). A parser can also
loop, or eat the worker's memory. So a file is read in a forked child with limits on its address
space, CPU time and wall time; what it returns comes back pickled through a pipe, and if it
dies, only that file is lost. Forking costs a few milliseconds and no import: the child starts
with everything the parent has loaded, the plan among it. A run's files go through one child
(`calls`), a new one taking over after a death.
"""

from __future__ import annotations

import contextlib
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from sprint.domain.plan import Limits
from sprint.reading import fence_budget
from sprint.reading.fence_child import Broken, Child
from sprint.reading.fence_serve import Raised

__all__ = ["Broken", "Raised", "call", "calls", "map_calls"]

AHEAD = 2  # calls a child holds at once


def call(fn: Callable[..., Any], *args: Any, limits: Limits) -> Any:
    """fn(*args) in a forked child under `limits`: its value, or Raised when it raised.

    Raises Broken when the child died (a signal, an exit without an answer), passed its time,
    or ran out of memory. With `limits.fence` false, fn runs here (to measure the fence)."""
    answer = next(calls(fn, [args], limits))
    if isinstance(answer, Broken):
        raise answer
    return answer


def calls(fn: Callable[..., Any], argses: Iterable[tuple], limits: Limits) -> Iterator[Any]:
    """fn(*args) for each tuple of arguments, in order, in one forked child: each answer as it
    comes (a value, Raised, or the Broken of a call that killed its child, after which a new
    child goes on with the next call). Each call has the whole of `limits` to itself.

    One child for many files: forking, and the child's first writes to the pages it shares with
    its parent, are paid once per run rather than once per file; and the child reads the next
    file while the caller judges the one before."""
    argses = list(argses)
    if not limits.fence:
        yield from (_here(fn, args) for args in argses)
        return
    with contextlib.closing(_answers(fn, argses, limits, 1)) as answers:
        for _, answer in answers:  # one child answers in the order it was given
            yield answer


def map_calls(fn: Callable[..., Any], argses: Iterable[tuple], limits: Limits,
              processes: int = 1) -> list[Any]:
    """`calls` on `processes` children at once, each taking the next call as it finishes one
    (so a slow file holds up no share of the others; a new child taking over after a death);
    the answers in the calls' order, a Broken for a call that killed its child."""
    argses = list(argses)
    if not limits.fence or processes <= 1 or len(argses) < 2:
        return list(calls(fn, argses, limits))
    results: list[Any] = [None] * len(argses)
    for index, answer in _answers(fn, argses, limits, processes):
        results[index] = answer
    return results


def _answers(fn: Callable[..., Any], argses: list[tuple], limits: Limits,
             processes: int) -> Iterator[tuple[int, Any]]:
    """(index, answer) for every call, as the answers come, from up to `processes` children.
    A child is given its next call only once its caller comes back for more, so the time the
    caller spends on an answer is not counted against the next call's wall time."""
    queue = deque(range(len(argses)))
    children: list[Child] = []
    slots: dict[int, tuple[int, int]] = {}  # id(child) -> its share of the machine's budget
    try:
        while queue or children:
            while queue and len(children) < processes:
                slot = fence_budget.take(limits.readers_at_once, wait=not children)
                if slot is None:  # the machine's readers are busy: go on with fewer
                    break
                children.append(Child(fn, argses, limits))
                slots[id(children[-1])] = slot
                _feed(children[-1], queue)
            Child.wait_any(children)
            for child in [c for c in children if c.ready]:
                index, answer = child.next_answer()
                yield index, answer
                if isinstance(answer, Broken):  # that child is over: its other calls go on
                    queue.extendleft(reversed(child.take_back()))
                    children.remove(child)
                    fence_budget.give(slots.pop(id(child), None))
                    continue
                _feed(child, queue)
                if child.pending:
                    child.expect()
                else:
                    child.close()
                    children.remove(child)
                    fence_budget.give(slots.pop(id(child), None))
    finally:
        for child in children:
            child.kill()
            fence_budget.give(slots.pop(id(child), None))


def _feed(child: Child, queue: deque[int]) -> None:
    """Keep a child one call ahead: it starts the next while its answer to the last is read."""
    while queue and len(child.pending) < AHEAD:
        child.give(queue.popleft())


def _here(fn: Callable[..., Any], args: tuple) -> Any:
    try:
        return fn(*args)
    except Exception as e:
        return Raised(type(e).__name__, traceback.format_exc())
