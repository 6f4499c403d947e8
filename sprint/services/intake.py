"""The inbox: finding each unit's new files, keeping the originals, and judging them."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import shutil
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from sprint.domain.calendar import BEIJING, Period, named_period, period_for_receipt, periods
from sprint.domain.engine.wholes import over_whole
from sprint.domain.plan import Duty, Plan
from sprint.domain.records import Problem
from sprint.reading.fence import Raised
from sprint.reading.ledger import PERIOD_COLUMN, Verdict
from sprint.reading.one_verdict import raised, validate_each, validate_fenced
from sprint.services.resend import resent
from sprint.store.store import Store


@dataclass(frozen=True)
class Arrival:
    unit: str
    path: Path
    sha256: str
    received_at: dt.datetime


@dataclass(frozen=True)
class Judgement:
    arrival: Arrival
    kept_path: Path
    verdict: Verdict
    duty: Duty | None
    period: str | None

    @property
    def accepted(self) -> bool:
        return self.duty is not None and self.verdict.accepted


_DIGESTS: dict[str, tuple[int, int, str]] = {}  # path -> (size, mtime_ns, sha256), per process


def _digest(path: Path) -> str:
    """The file's SHA-256, not recomputed while its size and modification time stay the same."""
    st = path.stat()
    known = _DIGESTS.get(str(path))
    if known and known[:2] == (st.st_size, st.st_mtime_ns):
        return known[2]
    digest = sha256_of(path)
    _DIGESTS[str(path)] = (st.st_size, st.st_mtime_ns, digest)
    return digest


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan(inbox: Path, plan: Plan, store: Store, now: dt.datetime,
         quiet: float = 0.0) -> tuple[list[Arrival], list[str]]:
    """New files in each unit's own folder that arrived by `now`, oldest first.

    The folder says who sent a file. Links are not followed, so nothing outside the inbox is read.
    A file's received time is its modification time (when it was dropped); content the unit sent
    before is skipped, unless it arrived in a new period's window (a ledger unchanged since
    last month is this month's report: `resent`); so is a file written less than `quiet`
    seconds ago by the wall clock (it may still be being copied in: the next run takes it).
    Returns the arrivals and warnings about links and folders that are no unit's.
    """
    wall = time.time()
    arrivals, warnings = [], []
    if not inbox.is_dir():
        return [], [f"the inbox {inbox} does not exist yet"]
    known = {u.code for u in plan.units}
    taken = store.known_digests()
    done: dict[tuple[str, str], set[str]] | None = None  # read only if some content comes again
    for folder in sorted(os.scandir(inbox), key=lambda e: e.name):
        if folder.is_symlink():
            warnings.append(f"inbox folder {folder.name!r} is a link; links are not followed, "
                            "its files are ignored")
            continue
        if not folder.is_dir(follow_symlinks=False):
            continue
        if folder.name not in known:
            warnings.append(f"inbox folder {folder.name!r} is no unit of the plan; its files are ignored")
            continue
        for entry in sorted(os.scandir(folder.path), key=lambda e: e.name):
            # Office lock files (~$x.xlsx), hidden files, links and folders are not submissions.
            if entry.name.startswith(("~$", ".")):
                continue
            if entry.is_symlink():  # it could point anywhere: not read, but not unseen either
                warnings.append(f"{folder.name}/{entry.name} is a link; links are not followed, "
                                "it is ignored")
                continue
            if not entry.is_file(follow_symlinks=False):
                continue
            st = entry.stat(follow_symlinks=False)
            received = dt.datetime.fromtimestamp(st.st_mtime, tz=BEIJING)
            if received > now or 0 <= wall - st.st_mtime < quiet:
                continue
            path = Path(entry.path)
            digest = _digest(path)
            before = taken.get((folder.name, digest))
            if before is not None:
                if done is None:
                    done = fulfilled(store)
                if not resent(plan, folder.name, before, received, done):
                    continue
            arrivals.append(Arrival(folder.name, path, digest, received))
    arrivals.sort(key=lambda a: a.received_at)
    return arrivals, warnings


def keep(arrival: Arrival, kept_root: Path) -> Path:
    """Copy the original, byte for byte, into the state folder; the inbox file is left alone."""
    safe = re.sub(r"[^\w.\-]", "_", arrival.path.name)[-120:]
    stamp = arrival.received_at.strftime("%Y%m%dT%H%M%S")
    target = kept_root / arrival.unit / f"{stamp}_{arrival.sha256[:12]}_{safe}"
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_name(f".{target.name}.{os.getpid()}-{threading.get_ident()}.part")
        shutil.copyfile(arrival.path, tmp)
        if sha256_of(tmp) != arrival.sha256:
            tmp.unlink()
            raise OSError(f"{arrival.path} changed while it was being copied; it will be taken next run")
        tmp.replace(target)
    return target


def judge(arrival: Arrival, kept: Path, plan: Plan,
          fulfilled: dict[tuple[str, str], set[str]] | None = None,
          verdict: Verdict | None = None) -> Judgement:
    """Validate the kept copy (unless its `verdict` is given, from `verdicts`) and decide which
    duty and period it answers.

    A file counts for the period it names (a 报送期 column, a date in its title rows or its
    file name); else for the period in whose window it arrived, or the one just past while the
    unit still owes it and the file came within a working day of its due time (`fulfilled`
    maps (unit, duty) to the periods the unit has already sent an accepted file for).
    The file is read behind the fence, and whatever fails while it is judged refuses this file
    only (sprint/reading/one_verdict.py).
    """
    if verdict is None:
        verdict = validate_fenced(kept, plan, arrival.unit, arrival.received_at.date())
    try:
        return _judge(arrival, kept, plan, verdict, fulfilled)
    except Exception as e:
        error = Raised(type(e).__name__, traceback.format_exc())
        return Judgement(arrival, kept, raised(kept, error), None, None)


def verdicts(kept: list[tuple[Arrival, Path]], plan: Plan) -> Iterator[Verdict]:
    """Each kept file validated behind the fence, all in one child, each verdict as it comes."""
    return validate_each([(path, a.unit, a.received_at.date()) for a, path in kept], plan)


def _judge(arrival: Arrival, kept: Path, plan: Plan, verdict: Verdict,
           fulfilled: dict[tuple[str, str], set[str]] | None) -> Judgement:
    if verdict.template_key is None:
        return Judgement(arrival, kept, verdict, None, None)
    duties = [d for d in plan.duties if d.template == verdict.template_key
              and arrival.unit in {u.code for u in plan.owners(d)}]
    if not duties:
        verdict.problems.insert(0, Problem(None, "", "", f"本单位无需报送《{verdict.template.name}》"))
        return Judgement(arrival, kept, verdict, None, None)
    column = verdict.template.duty_column
    if column:
        named = [d for d in duties if verdict.duty_hint in (d.title, d.id)]
        if not named:
            verdict.problems.insert(0, Problem(None, column, verdict.duty_hint or "",
                                               "应为以下事项之一：" + "；".join(d.title for d in duties)))
            return Judgement(arrival, kept, verdict, None, None)
        duties = named
    duty = duties[0]
    all_periods = periods(plan, duty)
    if verdict.period_hint:
        period = named_period(all_periods, verdict.period_hint)
        if period is None:
            verdict.problems.insert(0, Problem(None, PERIOD_COLUMN, verdict.period_hint,
                                               "不是本台账的任何一个报送期"))
            return Judgement(arrival, kept, verdict, duty, None)
    else:
        period = None
        if len(all_periods) > 1:  # a name can only choose between periods
            period = (named_period(all_periods, verdict.title)
                      or named_period(all_periods, arrival.path.name))
        if period is None:
            done = (fulfilled or {}).get((arrival.unit, duty.id), set())
            period = period_for_receipt(all_periods, arrival.received_at, done)
    _check_within(verdict, period)
    verdict.notes.extend(over_whole(duty, verdict.ledger))
    return Judgement(arrival, kept, verdict, duty, period.id)


def _check_within(verdict: Verdict, period: Period) -> None:
    """Dates that must fall inside the reported period (a visit in the month reported)."""
    for column in verdict.template.columns:
        if not column.within_period or column.name not in verdict.ledger:
            continue
        dates = pd.to_datetime(verdict.ledger[column.name])
        outside = dates.notna() & ~dates.between(pd.Timestamp(period.start), pd.Timestamp(period.end))
        verdict.problems.extend(
            verdict.problem(int(row), column.name, f"{value:%Y-%m-%d}",
                            f"不在报送期（{period.label()}）内")
            for row, value in dates[outside].items())


def fulfilled(store: Store) -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for r in store.receipts():
        if r.accepted and r.duty and r.period:
            out.setdefault((r.unit, r.duty), set()).add(r.period)
    return out


def record(store: Store, j: Judgement) -> bool:
    problems = [p.__dict__ for p in j.verdict.problems]
    problems += [p.__dict__ | {"note": True} for p in j.verdict.notes]
    return store.record(
        unit=j.arrival.unit, sha256=j.arrival.sha256, file_name=j.arrival.path.name,
        kept_path=str(j.kept_path), received_at=j.arrival.received_at,
        duty=j.duty.id if j.duty else None, period=j.period, template=j.verdict.template_key,
        verdict="accepted" if j.accepted else "rejected", rows=len(j.verdict.ledger),
        problems=problems, notes=len(j.verdict.notes),
    )
