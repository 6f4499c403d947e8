"""The replay's stand-in for the office's hand on the data, deterministic from the seed: it
reviews some accepted files the working day after they came (有疑问, 已审核, 已退回, each with a
note; half of its questions answered and cleared two working days later), and opens an
exception for a file the lock refused, the working day after it came. Every decision goes
through the services `sprint review` and `sprint unlock` use, so the units get the same mail.
The replay's summary counts what the office's hand did (`office_counts`, `office_lines`).
"""

from __future__ import annotations

import collections
import datetime as dt
import random

from sprint.domain.calendar import BEIJING, add_workdays, at, is_workday
from sprint.domain.crosscheck import BEFORE_ROSTER, COPIED, JUMP, OFF_ROSTER, SAME_PERSON
from sprint.domain.records import QUERIED, RECEIVED, RETURNED, REVIEW_STATES, REVIEWED, Receipt
from sprint.services import reviewing
from sprint.services.context import Services
from sprint.services.unlocking import open_exception, opened_for

# Shares of accepted files the office returns, questions and approves (the rest stay 已接收).
RETURN, QUERY, APPROVE = 0.03, 0.06, 0.21
QUERIES = ("第{row}行数据与上期差异较大，请说明原因", "第{row}行与其他台账记录不一致，请核实",
           "本期台账行数明显少于上期，请确认是否漏报")
RETURNS = ("第{row}行信息不全，请补充完整后重新报送", "台账数字与上报材料不符，请核实修改后重新报送")
APPROVALS = ("已核对，数据无误", "与佐证材料核对一致")
CLEARED = "经单位说明，核实无误"
UNLOCK_REASON = "单位来电说明逾期原因，经核实同意补报"
TAG = "（回放规则）"  # said with every note, so no one takes it for a person's decision
# (when, receipt id, the state it is marked or UNLOCK, note, the state it must be in first)
Step = tuple[dt.datetime, int, str, str, str]
UNLOCK = "unlock"


def _working_day_after(moment: dt.datetime, days: int = 1) -> dt.date:
    day = moment.astimezone(BEIJING).date()
    return add_workdays(day if is_workday(day) else add_workdays(day, -1), days)


def _row(r: Receipt, rng: random.Random) -> int:
    return rng.randint(2, r.rows + 1) if r.rows else 2


def plan_for(r: Receipt, seed: int) -> list[Step]:
    """What the office will do about one file: its review (an accepted file), or the exception
    a file the lock refused gets. Drawn from the seed and what the file is, not its bytes."""
    rng = random.Random(f"office-{seed}-{r.unit}-{r.duty}-{r.period}-{r.file_name}")
    if r.locked:
        when = at(_working_day_after(r.received_at), dt.time(10, rng.randint(0, 59)))
        return [(when, r.id, UNLOCK, UNLOCK_REASON + TAG, "")]
    if not (r.taken and r.duty and r.period):
        return []
    roll = rng.random()
    when = at(_working_day_after(r.received_at), dt.time(rng.randint(14, 16), rng.randint(0, 59)))
    if roll < RETURN:
        return [(when, r.id, RETURNED, rng.choice(RETURNS).format(row=_row(r, rng)) + TAG, RECEIVED)]
    if roll < RETURN + QUERY:
        steps = [(when, r.id, QUERIED, rng.choice(QUERIES).format(row=_row(r, rng)) + TAG, RECEIVED)]
        if rng.random() < 0.5:
            later = at(_working_day_after(when, 2), dt.time(10, rng.randint(0, 59)))
            steps.append((later, r.id, REVIEWED, CLEARED + TAG, QUERIED))
        return steps
    if roll < RETURN + QUERY + APPROVE:
        return [(when, r.id, REVIEWED, rng.choice(APPROVALS) + TAG, RECEIVED)]
    return []


class Office:
    """Looks at the store before each of the replay's runs: learns the files recorded since,
    and does what has fallen due, each at its own time (never before the file was recorded)."""

    def __init__(self, services: Services, seed: int):
        self.services, self.seed = services, seed
        self.seen: set[int] = set()
        self.steps: list[Step] = []
        self.last: dt.datetime | None = None  # the previous look: files recorded by then

    def act(self, now: dt.datetime) -> list[str]:
        """Decide what falls due by `now`; returns the mail problems, as a run's delivery."""
        receipts = {r.id: r for r in self.services.store.receipts()}
        for r in receipts.values():
            if r.id not in self.seen:
                self.seen.add(r.id)
                floor = self.last + dt.timedelta(minutes=1) if self.last else None
                self.steps += [(max(when, floor) if floor else when, *rest)
                               for when, *rest in plan_for(r, self.seed)]
        self.steps.sort()
        problems: list[str] = []
        while self.steps and self.steps[0][0] <= now:
            when, rid, what, note, first = self.steps.pop(0)
            problems += self._do(when, receipts, receipts[rid], what, note, first)
            receipts = {r.id: r for r in self.services.store.receipts()}
        self.last = now
        return problems

    def _do(self, when, receipts, r: Receipt, what: str, note: str, first: str) -> list[str]:
        services = self.services
        by = f"{services.plan.unit(services.plan.operator).name}（回放）"
        if what == UNLOCK:
            if opened_for(services, r.unit, r.duty, r.period):
                return []
            open_exception(services, r.unit, r.duty, r.period, when.date() + dt.timedelta(days=7),
                           note, by, when)
            return []
        latest = max((x for x in receipts.values() if x.taken and
                      (x.unit, x.duty, x.period) == (r.unit, r.duty, r.period)),
                     key=lambda x: (x.received_at, x.id))
        if latest.id != r.id or r.review != first:
            return []  # replaced by a newer file, or decided already (a replay over its state)
        _, delivery = reviewing.decide(services, r, what, note, by, when)
        return delivery.problems if delivery is not None else []


def office_counts(store, receipts: list[Receipt]) -> dict:
    """The office's hand on the data in a replay's summary: reviews by state, files the lock
    refused, exceptions and the files taken under them, cross-check findings by kind, and new
    versions compared with the one they replace."""
    findings = collections.Counter(p["check"] for r in receipts for p in r.checks)
    unlocks = store.unlocks.all()
    return {"reviews": dict(collections.Counter(r.review for r in receipts if r.taken)),
            "locked": sum(r.locked for r in receipts), "exceptions": len(unlocks),
            "taken_under_exception": sum(r.taken and any(
                (u.unit, u.duty, u.period) == (r.unit, r.duty, r.period)
                and r.received_at >= u.opened_at for u in unlocks) for r in receipts),
            "findings": dict(findings), "versions": sum(bool(r.changes) for r in receipts)}


FINDINGS = {SAME_PERSON: "同一人在两个单位的台账中", COPIED: "台账与其他单位完全相同",
            JUMP: "数字较上期异常变动", OFF_ROSTER: "不在花名册", BEFORE_ROSTER: "早于纳入监测日期"}


def office_lines(o: dict) -> list[str]:
    """The printed summary of `office_counts`, in the operator's words."""
    reviews = "，".join(f"{state} {o['reviews'][state]}" for state in REVIEW_STATES
                       if state in o["reviews"])
    findings = "，".join(f"{FINDINGS.get(kind, kind)} {n} 条" for kind, n in o["findings"].items())
    return [f"审核：{reviews or '尚无'}",
            f"补报期限：超期退回 {o['locked']} 份，开放例外 {o['exceptions']} 项，"
            f"例外下接收 {o['taken_under_exception']} 份",
            f"交叉核查：{findings or '未发现'}；新版本与上一版比较 {o['versions']} 份"]
