"""Building ledgers and inbox files for tests."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pandas as pd

from sprint.demo.ledgers import labor_rows, write_ledger
from sprint.domain.calendar import BEIJING

DAY = dt.date(2020, 10, 9)


def make_ledger(unit: str = "220802", rows: int = 5, seed: int = 7, on: dt.date = DAY) -> pd.DataFrame:
    return labor_rows(unit, rows, seed, on)


def drop(inbox: Path, unit: str, name: str, frame: pd.DataFrame, at: str,
         title: str | None = None) -> Path:
    """Put a ledger into a unit's inbox folder as if it arrived at `at` (Beijing time)."""
    path = write_ledger(frame, inbox / unit / name, title=title)
    stamp = dt.datetime.fromisoformat(at).replace(tzinfo=BEIJING).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def again(path: Path, name: str, at: str) -> Path:
    """The same bytes under the name the unit gave them, arriving at `at` (Beijing time)."""
    copy = path.with_name(name)
    shutil.copyfile(path, copy)
    stamp = dt.datetime.fromisoformat(at).replace(tzinfo=BEIJING).timestamp()
    os.utime(copy, (stamp, stamp))
    return copy


def beijing(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=BEIJING)


def labor_ledger(**kw):
    """The labor-ledger group's run, as its deployments run it."""
    from flows.duties import duties

    return duties(flow="labor-ledger", **kw)
