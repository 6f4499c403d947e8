"""Generated submissions for the whole sprint: every ledger of the plan, from every owner, with
arrival times as offices behave (on time, late, silent, a wrong file then its correction) and
the defects real files have. Deterministic from a seed."""

from __future__ import annotations

import datetime as dt
import os
import random
from dataclasses import dataclass

import pandas as pd

from sprint.demo.ledgers import write_ledger
from sprint.demo.world import World
from sprint.domain.calendar import BEIJING, add_workdays, is_workday, periods
from sprint.domain.plan import Plan

PERIOD_COLUMN = "报送期"  # the column a file names its period in (sprint/reading/ledger.py)


@dataclass(frozen=True)
class Submission:
    at: dt.datetime
    unit: str
    name: str  # file name, its suffix the format
    frame: pd.DataFrame
    title: str | None = None


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.randint(0, 59)), tzinfo=BEIJING)


def _break(frame: pd.DataFrame, rng: random.Random) -> tuple[pd.DataFrame, str]:
    """A defect county offices make: ID numbers Excel turned into numbers, a wrong value in a
    list, or a required column left out."""
    broken = frame.copy()
    ids = [c for c in broken.columns if "身份证号" in c and broken[c].notna().all()]
    choice_columns = [c for c in broken.columns if broken[c].astype(str).isin(["是", "否"]).all()]
    roll = rng.random()
    if ids and roll < 0.35:
        # 18 digits do not survive as a number; one ending in X stays text, as in Excel.
        broken[ids[0]] = broken[ids[0]].map(lambda v: v if v.endswith("X") else float(v)).astype(object)
        return broken, "ids-as-numbers"
    if choice_columns and roll < 0.7:
        broken.loc[broken.index[0], choice_columns[0]] = "有"
        return broken, "wrong-value"
    return broken.drop(columns=[broken.columns[1]]), "missing-column"


def submissions(plan: Plan, seed: int, start: dt.date, end: dt.date) -> list[Submission]:
    """Every file every owner sends for every period due between start and end, in time order."""
    world = World(plan, seed)
    rng = random.Random(f"arrivals-{seed}")
    out: list[Submission] = []
    for duty in plan.duties:
        if duty.template is None or duty.kind == "event":
            continue
        for period in periods(plan, duty):
            due = period.due.date()
            if not (start <= due <= end + dt.timedelta(days=7)):
                continue
            for unit in plan.owners(duty):
                behaviour = rng.choices(["on-time", "late", "silent", "corrected"], [72, 12, 8, 8])[0]
                if behaviour == "silent":
                    continue
                send = add_workdays(due, -rng.randint(0, 2)) if behaviour != "late" else \
                    add_workdays(due, rng.randint(1, 3))
                if not is_workday(send):
                    send = add_workdays(send, 1)
                frame = world.frame(duty.template, unit.code, send, duty)
                if frame is None or not len(frame):
                    continue
                suffix = rng.choices([".csv", ".xlsx", ".xls"], [6, 3, 1])[0]
                name = f"{plan.templates[duty.template].name}_{period.id}"
                if plan.templates[duty.template].duty_column:  # one template, many deadlines
                    name += f"_{duty.id}"
                if behaviour == "corrected":
                    broken, defect = _break(frame, rng)
                    out.append(Submission(_at(send, rng), unit.code, f"{name}{suffix}", broken))
                    send = add_workdays(send, 1)
                    name += "（修改）"
                title = f"{unit.name}{name}" if suffix != ".csv" and rng.random() < 0.3 else None
                out.append(Submission(_at(send, rng), unit.code, f"{name}{suffix}", frame, title))
    out += _office_cases(plan, world, out, start, end)
    return sorted(out, key=lambda s: s.at)


# The unit whose late file the lock refused sends it again, unchanged, this many working days
# later: by then the replay's office has opened an exception (sprint/job/office.py).
RESENT_AFTER = 3


def _office_cases(plan: Plan, world: World, out: list[Submission], start: dt.date,
                  end: dt.date) -> list[Submission]:
    """What the office's hand is for, once each where the plan asks for it: a ledger copied
    from another unit's and a person in two units' ledgers (a duty whose `checks` look for
    them), and a file after a duty's lock (`expiry_workdays`) from a unit silent that period
    (else the first unit's correction of its file: a row less), naming the period it
    reports, sent again unchanged `RESENT_AFTER` working days later. Each copies a unit's good
    file, never a wrong one it corrected."""
    extra: list[Submission] = []
    for duty in plan.duties:
        if duty.template is None or duty.kind == "event":
            continue
        name = plan.templates[duty.template].name
        sent = {}  # (period id, unit) -> its good file (a correction stands for its wrong file)
        for period in periods(plan, duty):
            for s in out:
                if s.name.startswith(f"{name}_{period.id}（修改）"):
                    sent[(period.id, s.unit)] = (period, s)
                elif s.name.startswith(f"{name}_{period.id}"):
                    sent.setdefault((period.id, s.unit), (period, s))
        checks = duty.checks
        firsts = sorted(sent.values(), key=lambda ps: (ps[0].due, ps[1].unit))
        # The first period two units sent: the second copies the first's ledger; a third (else
        # the second again, later) lists one of the first's people in its own ledger.
        senders = [s for p, s in firsts if p.id == firsts[0][0].id]
        if checks and len(senders) >= 2:
            period, a = firsts[0][0], senders[0]
            if checks.copied:
                b = senders[1]
                extra.append(Submission(b.at + dt.timedelta(hours=1), b.unit,
                                        f"{name}_{period.id}（更正）.csv", a.frame))
            if checks.same_person:
                c = senders[2] if len(senders) > 2 else senders[1]
                extra.append(Submission(c.at + dt.timedelta(hours=2), c.unit,
                                        f"{name}_{period.id}（补充）.csv",
                                        _joined(plan.templates[duty.template], a.frame, c.frame)))
        if duty.expiry_workdays and firsts:
            period, a = firsts[0]
            late = add_workdays(period.due.date(), duty.expiry_workdays + 2)
            unit, frame = a.unit, a.frame.iloc[:-1] if len(a.frame) > 1 else a.frame  # corrected
            for u in plan.owners(duty):
                if (period.id, u.code) not in sent:
                    own = world.frame(duty.template, u.code, late, duty)
                    if own is not None and len(own):
                        unit, frame = u.code, own
                        break
            frame = frame.assign(**{PERIOD_COLUMN: period.id})
            rng = random.Random(period.id)
            for day, mark in ((late, "（补报）"), (add_workdays(late, RESENT_AFTER), "（补报）再次报送")):
                if start <= day <= end:  # refused by the lock, then the very same bytes again
                    extra.append(Submission(_at(day, rng), unit, f"{name}_{period.id}{mark}.csv",
                                            frame))
    return extra


def _joined(template, a: pd.DataFrame, b: pd.DataFrame) -> pd.DataFrame:
    """b's ledger with one more row: a's first person (ID and name) in b's first row's place
    (b's township and village, which b's ledger must name), as if b listed them too."""
    person = b.iloc[:1].copy()
    for column in [*template.id_columns, template.label]:
        if column and column in a and column in person:
            person[column] = a[column].iloc[0]
    return pd.concat([b, person], ignore_index=True)


def write(sub: Submission, inbox) -> None:
    """Put a submission into its unit's folder, dated as when it arrived."""
    path = inbox / sub.unit / sub.name
    if path.exists():  # a second replay over the same state finds the very same files
        return
    # Written under a hidden name, dated, then renamed into place: a scan running meanwhile (the
    # replay's runs, the main job's watcher) never sees it half written or dated today.
    hidden = path.with_name(f".{sub.name}")
    write_ledger(sub.frame, hidden, title=sub.title)
    os.utime(hidden, (sub.at.timestamp(), sub.at.timestamp()))
    os.replace(hidden, path)


DEMO_UNTIL = dt.date(2020, 10, 31)


def seed_demo(plan: Plan, inbox, seed: int = 2020, until: dt.date = DEMO_UNTIL) -> list:
    """The main job's demo inbox: every file the generator's units send from the sprint's start
    to `until`, each dated as it arrived (a run sees a file only once its time has passed, so a
    run `as_of` any day in between finds the inbox as it stood). Files already there are kept."""
    written = []
    for sub in submissions(plan, seed, plan.sprint.start, until):
        if sub.at.date() <= until and not (inbox / sub.unit / sub.name).exists():
            write(sub, inbox)
            written.append(inbox / sub.unit / sub.name)
    return written
