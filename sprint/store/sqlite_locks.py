"""How the connections to an SQLite store wait for one another: the busy wait, WAL, and a
lock still held after the wait said as a store error."""

from __future__ import annotations

import sqlite3
import time

from sprint.store.schema import StoreError

BUSY_SECONDS = 30  # how long a statement waits for another program's lock on SQLite


def sqlite_pragmas(connection, _record, busy_seconds: float = BUSY_SECONDS) -> None:
    """WAL lets a reader go on while a run writes, and commits cost a write, not a sync, each;
    the database stays consistent through a crash (a power cut may lose the last commits).
    The wait for a lock comes first: setting WAL needs the lock too."""
    cursor = connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={int(busy_seconds * 1000)}")
    # SQLite refuses the switch to WAL at once, without that wait, while another connection
    # writes in the old journal (a second run opening a new store): it waits here instead.
    deadline = time.monotonic() + busy_seconds
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            break
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) or time.monotonic() >= deadline:
                raise
            time.sleep(0.05)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def locked_is_a_store_error(context) -> None:
    """A lock still held after the wait (another program holds the database) fails the run
    with a clear store error, not a driver's traceback."""
    if "database is locked" in str(context.original_exception):
        raise StoreError("数据库被其他程序锁定，等待后仍未释放（the store is locked by another "
                         "program）：请关闭占用它的程序（数据库查看器、正在进行的复制）后重新运行；"
                         "本次运行未写入一半的记录")
