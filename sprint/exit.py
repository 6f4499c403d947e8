"""Clause 15: each household's exit procedure, replayed from the stages its county reports.

The stages go in order: 村两委民主评议 → 村两委和驻村工作队核实 → 贫困户认可 → 村内公示 →
公告退出 → 销号. A household not ready cannot pass 评议; a stage may not be skipped; a 公示
shorter than its minimum, or an objection during it, sends the household back to 核实.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from sprint.idcard import mask
from sprint.measures import UNIT_COLUMN
from sprint.plan import Procedure


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reasons: tuple[str, ...]  # why not, in words


def readiness(rules: Procedure, income: float | None, guarantees: dict[str, str],
              open_problems: int, size: int | None = None, members: int | None = None) -> Readiness:
    """Ready when income per person is above the line, every guarantee holds, no problem is open,
    and the members listed in the members ledger (when it lists the household) are as many as
    the household's size: income per person means nothing if the persons are not known."""
    reasons = []
    if income is None:
        reasons.append("入户情况台账中没有此户")
    elif income <= rules.income_line:
        reasons.append(f"年人均纯收入{income:g}元，未超过{rules.income_line:g}元")
    missing = [g for g in rules.guarantees if guarantees.get(g) != "是"]
    if income is not None and missing:
        reasons.append("、".join(missing) + "未保障")
    if open_problems:
        reasons.append(f"存在问题台账中有{open_problems}个问题未整改")
    if size is not None and members is not None and members != size:
        reasons.append(f"家庭成员台账列{members}人，与家庭人口{size}人不符")
    return Readiness(not reasons, tuple(reasons))


@dataclass(frozen=True)
class Step:
    stage: str
    on: dt.date
    objection: bool = False


@dataclass
class Progress:
    stage: str | None = None  # the last stage passed; None: not started
    since: dt.date | None = None
    returned: int = 0  # times sent back to 核实
    notes: list[str] = field(default_factory=list)  # each refused step and why

    @property
    def done(self) -> bool:
        return self.stage == "销号"


def replay(rules: Procedure, steps: list[Step], ready: Readiness) -> Progress:
    """The household's state after the steps its county reported, in date order."""
    stages = rules.stages
    p = Progress()
    publicity: dt.date | None = None
    for step in sorted(steps, key=lambda s: (s.on, stages.index(s.stage))):
        expected = stages[0] if p.stage is None else (
            stages[stages.index(p.stage) + 1] if p.stage != stages[-1] else None)
        if expected is None:
            p.notes.append(f"{step.on:%m-%d}“{step.stage}”：已销号，不应再有环节")
            continue
        if step.stage != expected:
            p.notes.append(f"{step.on:%m-%d}“{step.stage}”：跳过了“{expected}”，不予认可")
            continue
        if step.stage == stages[0] and not ready.ready:
            p.notes.append(f"{step.on:%m-%d}“{step.stage}”：未达到退出标准（{'；'.join(ready.reasons)}），不能通过评议")
            continue
        if step.stage == "村内公示" and step.objection:
            p.stage, p.since, p.returned = stages[0], step.on, p.returned + 1
            p.notes.append(f"{step.on:%m-%d}公示期间有异议，退回“{stages[1]}”")
            continue
        if step.stage == "公告退出" and publicity is not None:
            days = (step.on - publicity).days
            if days < rules.publicity_days:
                p.stage, p.since, p.returned = stages[0], step.on, p.returned + 1
                p.notes.append(f"{step.on:%m-%d}公示仅{days}天，不足{rules.publicity_days}天，退回“{stages[1]}”")
                continue
        if step.stage == "村内公示":
            publicity = step.on
        p.stage, p.since = step.stage, step.on
    return p


@dataclass(frozen=True)
class Household:
    unit: str
    town: str
    village: str
    name: str
    id_masked: str
    ready: Readiness
    progress: Progress
    members: tuple[str, ...] = ()  # each member's name and relation, as the members ledger lists them

    def stalled(self, rules: Procedure, today: dt.date) -> bool:
        since = self.progress.since
        return (since is not None and not self.progress.done
                and (today - since).days > rules.stalled_days)

    def late_to_start(self, rules: Procedure, today: dt.date) -> bool:
        return today > rules.start_by and self.progress.stage is None


def households(rules: Procedure, unit: str, situation, problems, stages,
               members=None) -> list[Household]:
    """A county's households from its ledgers: situation, open problems, stages reached, and the
    members of each household."""
    def mine(frame):
        return frame[frame[UNIT_COLUMN] == unit] if frame is not None and len(frame) else frame

    situation, problems, stages, members = mine(situation), mine(problems), mine(stages), mine(members)
    listed: dict[str, list[str]] = {}
    for row in members.to_dict("records") if members is not None and len(members) else []:
        listed.setdefault(row["户主身份证号"], []).append(f"{row['成员姓名']}（{row['与户主关系']}）")
    open_by_id = (problems[problems["是否整改"] == "否"]["户主身份证号"].value_counts()
                  if len(problems) else pd.Series(dtype=int))
    steps: dict[str, list[Step]] = {}
    names: dict[str, tuple[str, str, str]] = {}
    for row in stages.to_dict("records") if len(stages) else []:
        steps.setdefault(row["户主身份证号"], []).append(
            Step(row["环节"], pd.Timestamp(row["日期"]).date(), row.get("是否有异议") == "是"))
        names.setdefault(row["户主身份证号"], (row["乡镇"], row["村"], row["户主姓名"]))
    out = []
    seen = set()
    for row in situation.to_dict("records") if len(situation) else []:
        hid = row["户主身份证号"]
        seen.add(hid)
        people = listed.get(hid)
        ready = readiness(rules, float(row["年人均纯收入(元)"]), row, int(open_by_id.get(hid, 0)),
                          int(row["家庭人口"]), len(people) if people is not None else None)
        out.append(Household(unit, row["乡镇"], row["村"], row["户主姓名"], mask(hid), ready,
                             replay(rules, steps.get(hid, []), ready), tuple(people or ())))
    for hid, (town, village, name) in names.items():
        if hid not in seen:
            ready = readiness(rules, None, {}, int(open_by_id.get(hid, 0)))
            out.append(Household(unit, town, village, name, mask(hid), ready,
                                 replay(rules, steps[hid], ready)))
    return out
