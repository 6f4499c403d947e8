"""A replay's generated files written ahead of its clock, by a process of its own.

Writing 731 ledgers (.xlsx, .xls, .csv through pandas) took a tenth of the replay, all of it
before the first run. The files are dated by their arrival and a run takes only what has
arrived by its time, so they may be written while the runs go on, on the machine's other
core: each run waits only until every file due by its time is on disk.
"""

from __future__ import annotations

import bisect
import datetime as dt
import multiprocessing
from pathlib import Path

from sprint.demo.simulate import Submission, write


class Ahead:
    """Writes `files` (in order of arrival) into `inbox` in a forked process; `until(at)`
    returns once every file arriving by `at` is written, `close()` once all are."""

    def __init__(self, files: list[Submission], inbox: Path):
        ordered = sorted(files, key=lambda s: s.at)
        self._times = [s.at for s in ordered]
        self._written = 0
        context = multiprocessing.get_context("fork")  # the frames are the parent's, not pickled
        self._conn, theirs = context.Pipe(duplex=False)
        self._process = context.Process(target=_write_all, args=(ordered, inbox, theirs),
                                        daemon=True)
        self._process.start()
        theirs.close()

    def until(self, at: dt.datetime) -> None:
        needed = bisect.bisect_right(self._times, at)
        while self._written < needed:
            self._take()

    def close(self) -> None:
        while self._written < len(self._times):
            self._take()
        self._process.join()

    def _take(self) -> None:
        try:
            message = self._conn.recv()
        except EOFError:
            raise RuntimeError(f"生成台账的进程意外退出（已写入 {self._written}/{len(self._times)} 个文件）") from None
        if isinstance(message, str):
            raise RuntimeError(f"生成台账失败：{message}")
        self._written = message


def _write_all(files: list[Submission], inbox: Path, conn) -> None:
    try:
        for i, sub in enumerate(files, start=1):
            write(sub, inbox)
            conn.send(i)
    except Exception as e:  # said to the replay, which stops with it
        conn.send(f"{files[i - 1].unit}/{files[i - 1].name}：{type(e).__name__}: {e}")
    finally:
        conn.close()
