"""The inbox: finding each unit's new files, keeping the originals, and judging them."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
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
from sprint.reading.one_verdict import raised, refusal, validate_each, validate_fenced
from sprint.services import keeping
from sprint.services.resend import fulfilled, resent, seen_again
from sprint.store.store import Store


@dataclass(frozen=True)
class Arrival:
    unit: str
    path: Path
    sha256: str
    received_at: dt.datetime
    stamped: dt.datetime | None = None  # its own time, when that is after the wall clock
    refused: tuple[str, str] | None = None  # (reason, failure) when it could not be kept


@dataclass(frozen=True)
class Judgement:
    arrival: Arrival
    kept_path: Path
    verdict: Verdict
    duty: Duty | None
    period: str | None
    changes: tuple[Problem, ...] = ()  # against the version it replaces (services/versions.py)
    checks: tuple[tuple[str, str], ...] = ()  # (kind, reason) of cross-checks (crosschecks.py)

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
    A file's received time is its modification time (when it was dropped), or `now` when that
    time is after the wall clock (said in its reply); content the unit sent before is skipped,
    unless it arrived in a new period's window (a ledger unchanged since last month is this
    month's report: `resent`); so is a file written less than `quiet` seconds ago by the wall
    clock (it may still be being copied in: the next run takes it). Returns the arrivals and
    warnings about links, FIFOs and folders that are no unit's.
    """
    wall = time.time()
    arrivals, warnings = [], []
    if not inbox.is_dir():
        return [], [f"the inbox {inbox} does not exist yet"]
    cap = plan.limits.max_file_mb
    taken = None  # what the store took in, read once a file is new (most scans find none)
    done: dict[tuple[str, str], set[str]] | None = None  # read only if some content comes again
    for folder in sorted(os.scandir(inbox), key=lambda e: e.name):
        if folder.is_symlink():
            warnings.append(f"inbox folder {folder.name!r} is a link; links are not followed, "
                            "its files are ignored")
            continue
        if not folder.is_dir(follow_symlinks=False):
            continue
        if not plan.has_unit(folder.name):
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
                if not entry.is_dir(follow_symlinks=False):  # opening a FIFO would block
                    warnings.append(f"{folder.name}/{entry.name} is no regular file (a pipe or "
                                    "device); it is ignored")
                continue
            st = entry.stat(follow_symlinks=False)
            stamped = dt.datetime.fromtimestamp(st.st_mtime, tz=BEIJING)
            # Stamped after the wall clock (a share's clock ahead): received when first seen,
            # and whether it is still being written is told by this machine's change time.
            ahead = st.st_mtime > wall
            received = now if ahead else stamped
            if received > now or 0 <= wall - (st.st_ctime if ahead else st.st_mtime) < quiet:
                continue
            memo = (entry.path, st.st_size, st.st_mtime_ns)
            if memo in store.seen:
                continue
            path = Path(entry.path)
            # A file over the limit is never read, not even hashed: it is known by its name,
            # size and time, and keeping it refuses it by its size.
            refused = None
            try:
                digest = (_digest(path) if keeping.too_big(st.st_size, cap) is None
                          else keeping.unread_key(folder.name, entry.name, st))
            except OSError as e:  # one file that cannot be read is refused, never the run
                digest = keeping.unread_key(folder.name, entry.name, st)
                refused = (f"文件无法读取（{type(e).__name__}，已记录，请联系{plan.unit(plan.operator).name}），请稍后重新提交",
                           type(e).__name__)
            if taken is None:
                taken = store.known_digests()
            before = taken.get((folder.name, digest))
            if before is not None:
                if seen_again(before, received):  # the very file taken in before
                    if not ahead:  # dated by itself, not by this scan's clock
                        store.seen.add(memo)  # so later scans skip it, unhashed
                    continue
                done = fulfilled(store) if done is None else done
                if not resent(plan, folder.name, before, received, done):
                    continue
            arrivals.append(Arrival(folder.name, path, digest, received,
                                    stamped if ahead else None, refused))
    arrivals.sort(key=lambda a: a.received_at)
    return arrivals, warnings


def keep(arrival: Arrival, kept_root: Path, max_mb: float = 20) -> Path:
    """Copy the original, byte for byte, into the state folder (sprint/services/keeping.py)."""
    stamp = arrival.received_at.strftime("%Y%m%dT%H%M%S")
    return keeping.keep(arrival.unit, arrival.path, arrival.sha256, stamp, kept_root, max_mb)


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
        verdict = (refusal(*arrival.refused) if arrival.refused
                   else validate_fenced(kept, plan, arrival.unit, arrival.received_at.date()))
    if arrival.stamped:
        verdict.notes.append(Problem(None, "", "", clock_note(arrival)))
    try:
        return _judge(arrival, kept, plan, verdict, fulfilled)
    except Exception as e:
        error = Raised(type(e).__name__, traceback.format_exc())
        return Judgement(arrival, kept, raised(kept, error, plan.unit(plan.operator).name),
                         None, None)


def clock_note(arrival: Arrival) -> str:
    """Why a file stamped in the future counts as received when it was first seen."""
    return (f"文件修改时间 {arrival.stamped:%Y-%m-%d %H:%M} 晚于本系统时钟（报送方电脑或共享盘的时钟"
            f"可能偏快），按首次发现时间 {arrival.received_at:%Y-%m-%d %H:%M} 计为收到")


def verdicts(kept: list[tuple[Arrival, Path]], plan: Plan) -> Iterator[Verdict]:
    """Each kept file validated behind the fence, all in one child, each verdict as it comes; a
    file refused while it was kept is not read."""
    read = validate_each([(path, a.unit, a.received_at.date()) for a, path in kept
                          if not a.refused], plan)
    return (refusal(*a.refused) if a.refused else next(read) for a, _ in kept)


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
