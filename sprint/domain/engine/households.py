"""Clause 15: each household's exit procedure, replayed from the stages its county reported.

The stages go in the plan's order. A household not ready cannot pass the first (民主评议): its
readiness is judged as the county's ledgers stood when that step was first reported, so a
problem recorded later does not undo a step taken before it (it is flagged instead). A stage may
not be skipped. A 公示 shorter than its minimum is extended (the household stays in 公示 until
a 公告 comes late enough) or redone (a new 公示 row restarts it); an objection during it sends
the household back to verification. Once 销号, a household stays 销号.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sprint.domain.plan import Procedure


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reasons: tuple[str, ...]  # why not, in words
    open_problems: int = 0


def readiness(rules: Procedure, income: float | None, guarantees: dict[str, str],
              open_problems: int, size: int | None = None, members: int | None = None) -> Readiness:
    """Ready when income per person is above the line, every guarantee holds, no problem is open,
    and the members listed (when the members ledger lists the household) are as many as its
    size: income per person means nothing if the persons are not known."""
    reasons = []
    if income is None:
        reasons.append("入户情况台账中没有此户")
    elif income <= rules.income_line:
        reasons.append(f"年人均纯收入{income:g}元，未超过{rules.income_line:g}元")
    missing = [g for g in rules.guarantees if guarantees.get(g) != rules.holds]
    if income is not None and missing:
        reasons.append("、".join(missing) + "未保障")
    if open_problems:
        reasons.append(f"存在问题台账中有{open_problems}个问题未整改")
    if size is not None and members is not None and members != size:
        reasons.append(f"家庭成员台账列{members}人，与家庭人口{size}人不符")
    return Readiness(not reasons, tuple(reasons), open_problems)


@dataclass(frozen=True)
class Step:
    stage: str
    on: dt.date
    objection: bool = False
    ready: Readiness = Readiness(True, ())  # as the ledgers stood when it was first reported


@dataclass
class Progress:
    stage: str | None = None  # the last stage passed; None: not started
    since: dt.date | None = None
    returned: int = 0  # times sent back to verification
    notes: list[str] = field(default_factory=list)  # each step not accepted, and why

    def done_in(self, rules: Procedure) -> bool:
        return self.stage == rules.stages[-1]


def replay(rules: Procedure, steps: list[Step]) -> Progress:
    """The household's state after the steps its county reported, in date order."""
    stages = rules.stages
    publicity_at = stages.index(rules.publicity_stage)
    p = Progress()
    publicity: dt.date | None = None
    for step in sorted(steps, key=lambda s: (s.on, stages.index(s.stage))):
        if p.done_in(rules):
            p.notes.append(f"{step.on:%m-%d}“{step.stage}”：已{stages[-1]}，不应再有环节")
            continue
        if step.stage == rules.publicity_stage and p.stage == rules.publicity_stage:
            publicity, p.since = step.on, step.on  # a 公示 redone: it starts again
            p.notes.append(f"{step.on:%m-%d}重新{rules.publicity_stage}")
            continue
        expected = stages[0] if p.stage is None else stages[stages.index(p.stage) + 1]
        if step.stage != expected:
            p.notes.append(f"{step.on:%m-%d}“{step.stage}”：跳过了“{expected}”，不予认可")
            continue
        if step.stage == stages[0] and not step.ready.ready:
            p.notes.append(f"{step.on:%m-%d}“{step.stage}”：未达到退出标准"
                           f"（{'；'.join(step.ready.reasons)}），不能通过评议")
            continue
        if step.stage == rules.publicity_stage and step.objection:
            p.stage, p.since, p.returned = stages[0], step.on, p.returned + 1
            p.notes.append(f"{step.on:%m-%d}{rules.publicity_stage}期间有异议，退回“{stages[1]}”")
            continue
        if stages.index(step.stage) == publicity_at + 1 and publicity is not None:
            days = (step.on - publicity).days
            if days < rules.publicity_days:
                p.notes.append(f"{step.on:%m-%d}“{step.stage}”：{rules.publicity_stage}仅{days}天，"
                               f"不足{rules.publicity_days}天，请延长{rules.publicity_stage}至满"
                               f"{rules.publicity_days}天后再报“{step.stage}”，或重新公示")
                continue
        if step.stage == rules.publicity_stage:
            publicity = step.on
        p.stage, p.since = step.stage, step.on
    return p


@dataclass(frozen=True)
class Household:
    unit: str
    place: str
    name: str
    id_masked: str
    ready: Readiness  # as the ledgers stand now
    progress: Progress
    size: int | None = None
    members: tuple[str, ...] = ()  # each member's name and relation, as the members ledger lists them

    def done(self, rules: Procedure) -> bool:
        return self.progress.done_in(rules)

    def flagged(self, rules: Procedure) -> str:
        """A household out of poverty with a problem recorded since: for the county and the city."""
        if self.done(rules) and self.ready.open_problems:
            return f"已{rules.stages[-1]}但有{self.ready.open_problems}个未整改问题"
        return ""

    def stalled(self, rules: Procedure, today: dt.date) -> bool:
        since = self.progress.since
        return (since is not None and not self.done(rules)
                and (today - since).days > rules.stalled_days)

    def late_to_start(self, rules: Procedure, today: dt.date) -> bool:
        return today > rules.start_by and self.progress.stage is None
