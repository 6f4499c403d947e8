"""The exit procedure's weekly word (clause 15): each county its households stalled, refused or
not started; the office a summary that reconciles people and households; after the start-by
date, a 通报 draft of the counties behind."""

from __future__ import annotations

import datetime as dt
from functools import cache

import pandas as pd

from sprint.domain.engine.book import Book
from sprint.domain.engine.draft import Draft, common
from sprint.domain.engine.households import Household, Readiness, Step, readiness, replay
from sprint.domain.engine.notices import candidates, escalation_begun, notice
from sprint.domain.engine.recurring import Measured
from sprint.domain.engine.summary import summary_key
from sprint.domain.engine.targets import matching
from sprint.domain.idcard import mask
from sprint.domain.plan import Duty, Plan
from sprint.domain.records import OutboxKey, Receipt

PROCEDURE, EXIT_LIST = "procedure", "exit-list"


def county_households(plan: Plan, book: Book, duty: Duty, unit: str,
                      now: dt.datetime) -> list[Household]:
    """A county's households, each step judged as the county's ledgers stood when it was first
    reported."""
    rules = duty.procedure

    def versions(duty_id: str) -> list[Receipt]:
        return [r for r in book.of(duty_id) if r.unit == unit and r.accepted and r.received_at <= now]

    kinds = {"situation": versions(rules.situation), "problems": versions(rules.problems),
             "members": versions(rules.members)}
    stage_versions = versions(duty.id)

    @cache
    def standing_at(moment: dt.datetime) -> dict[str, Readiness]:
        known = {k: _known(v, moment) for k, v in kinds.items()}
        return book.measured(
            ("households standing", duty.id, *(r.kept_path if r else None for r in known.values())),
            lambda: _readiness(rules, {k: book.ledgers.ledger(r) if r else None
                                       for k, r in known.items()}))

    first_seen: dict[tuple, dt.datetime] = {}
    latest, latest_keys = pd.DataFrame(), []
    for v in stage_versions:  # oldest first: the last is the latest
        latest = book.ledgers.ledger(v)
        latest_keys = book.measured(("steps reported", duty.id, v.kept_path),
                                    lambda latest=latest: _step_keys(rules, latest))
        for key in latest_keys:
            first_seen.setdefault(key, v.received_at)
    steps: dict[str, list[Step]] = {}
    names: dict[str, tuple[str, str]] = {}
    for row, key in zip(latest.to_dict("records"), latest_keys, strict=True):
        hid = row[rules.key]
        ready = standing_at(first_seen[key]).get(hid, readiness(rules, None, {}, 0))
        steps.setdefault(hid, []).append(Step(key[1], key[2], key[3], ready))
        names.setdefault(hid, (" ".join(str(row[p]) for p in rules.place), row[rules.name]))
    now_ready = standing_at(now)
    situation = _as_of(book, kinds["situation"], now)
    members = _as_of(book, kinds["members"], now)
    listed: dict[str, list[str]] = {}
    for row in members.to_dict("records") if members is not None else []:
        listed.setdefault(row[rules.key], []).append(f"{row[rules.member_name]}（{row[rules.relation]}）")
    out, seen = [], set()
    for row in situation.to_dict("records") if situation is not None else []:
        hid = row[rules.key]
        seen.add(hid)
        out.append(Household(unit, " ".join(str(row[p]) for p in rules.place), row[rules.name],
                             mask(hid), now_ready[hid], replay(rules, steps.get(hid, [])),
                             int(row[rules.size]), tuple(listed.get(hid, ()))))
    for hid, (place, name) in names.items():
        if hid not in seen:
            out.append(Household(unit, place, name, mask(hid),
                                 now_ready.get(hid, readiness(rules, None, {}, 0)),
                                 replay(rules, steps[hid])))
    return out


def _known(versions: list[Receipt], moment: dt.datetime) -> Receipt | None:
    known = [r for r in versions if r.received_at <= moment]
    return known[-1] if known else None


def _as_of(book: Book, versions: list[Receipt], moment: dt.datetime) -> pd.DataFrame | None:
    known = _known(versions, moment)
    return book.ledgers.ledger(known) if known else None


def _step_keys(rules, frame: pd.DataFrame) -> list[tuple]:
    if not len(frame):
        return []
    objected = matching(frame, rules.objection).to_numpy() if rules.objection else [False] * len(frame)
    return [(row[rules.key], row[rules.stage], pd.Timestamp(row[rules.stage_date]).date(), bool(o))
            for row, o in zip(frame.to_dict("records"), objected, strict=True)]


def _readiness(rules, frames: dict[str, pd.DataFrame | None]) -> dict[str, Readiness]:
    problems, members = frames["problems"], frames["members"]
    open_by_id = (problems[matching(problems, rules.problem_open)][rules.key].value_counts()
                  if problems is not None and len(problems) else pd.Series(dtype=int))
    listed = (members[rules.key].value_counts() if members is not None and len(members)
              else pd.Series(dtype=int))
    out = {}
    for row in frames["situation"].to_dict("records") if frames["situation"] is not None else []:
        hid = row[rules.key]
        out[hid] = readiness(rules, float(row[rules.income]), row, int(open_by_id.get(hid, 0)),
                             int(row[rules.size]), int(listed[hid]) if hid in listed else None)
    for hid, n in open_by_id.items():
        out.setdefault(hid, readiness(rules, None, {}, int(n)))
    return out


def county_context(plan: Plan, duty: Duty, unit: str, homes: list[Household],
                   today: dt.date) -> dict:
    rules = duty.procedure
    counts = {stage: 0 for stage in (rules.not_started, *rules.stages)}
    for h in homes:
        counts[h.progress.stage or rules.not_started] += 1
    return {
        "unit": plan.unit(unit), "name": plan.unit(unit).name, "total": len(homes),
        "counts": counts, "done": counts[rules.stages[-1]],
        "people": sum(h.size or 0 for h in homes), "listed": sum(len(h.members) for h in homes),
        "stalled": [h for h in homes if h.stalled(rules, today)],
        "not_started": [h for h in homes if h.progress.stage is None],
        "late": [h for h in homes if h.late_to_start(rules, today)],
        "not_ready": [h for h in homes if not h.ready.ready and not h.done(rules)],
        "flagged": [(h, h.flagged(rules)) for h in homes if h.flagged(rules)],
        "notes": [(h, n) for h in homes for n in h.progress.notes],
    }


def procedure_owed(plan: Plan, book: Book, m: Measured, now: dt.datetime
                   ) -> tuple[list[Draft], list[Draft]]:
    """Each week once its period closed: lists and the summary; after the start-by date, the
    通报 draft. Returns (drafts, notice drafts)."""
    duty, rules = m.duty, m.duty.procedure
    drafts: list[Draft] = []
    counties = None
    period = m.closing[0].period if m.closing else None
    if period is not None and summary_key(plan, duty.id, period.id, PROCEDURE) not in book.recorded:
        counties = _counties(plan, book, duty, now)
        base = common(plan) | {"duty": duty, "rules": rules, "period": period, "today": now.date(),
                               "start_by_text": f"{rules.start_by:%-m月%-d日}"}
        for c in counties:
            if c["stalled"] or c["not_started"] or c["notes"] or c["not_ready"] or c["flagged"]:
                drafts.append(Draft(EXIT_LIST, OutboxKey(duty.id, period.id, c["unit"].code, EXIT_LIST),
                                    (c["unit"].code,), base | {"c": c},
                                    heading=f"退出进度清单 {c['name']}：已退出 {c['done']}/{c['total']}"))
        totals = {k: sum(c["counts"][k] for c in counties) for k in (rules.not_started, *rules.stages)}
        context = base | {"counties": counties, "totals": totals,
                          "households": sum(c["total"] for c in counties),
                          "people": sum(c["people"] for c in counties),
                          "listed": sum(c["listed"] for c in counties), "last": rules.stages[-1],
                          "recipients_names": "、".join(plan.unit(r).name for r in duty.recipients)}
        drafts.append(Draft(PROCEDURE, summary_key(plan, duty.id, period.id, PROCEDURE),
                            tuple(duty.recipients), context,
                            heading=f"退出程序 {period.id}：已退出 {totals[rules.stages[-1]]}"))
    if not escalation_begun(duty, rules.start_by, now):
        return drafts, []
    start = [p for p in m.periods if p.start <= rules.start_by <= p.end] or m.periods[-1:]
    if not candidates(plan, book, duty, start[0], [u.code for u in plan.owners(duty)], now):
        return drafts, []  # nobody could be named now: the households need not be replayed
    counties = counties or _counties(plan, book, duty, now)
    behind = [(c["unit"].code, f"{len(c['late'])} 户{rules.not_started}“{rules.stages[0]}”（共 {c['total']} 户，已{rules.stages[-1]} {c['done']} 户）"
               if c["total"] else "未报送脱贫退出台账") for c in counties if c["late"] or not c["total"]]
    draft = notice(plan, book, duty, start[0], behind, [c["name"] for c in counties
                                                          if c["total"] and not c["late"]],
                   now, f"未按期（{rules.start_by:%-m月%-d日}前）全面启动脱贫退出程序")
    return drafts, [draft] if draft else []


def _counties(plan: Plan, book: Book, duty: Duty, now: dt.datetime) -> list[dict]:
    return [county_context(plan, duty, u.code, county_households(plan, book, duty, u.code, now),
                           now.date()) for u in plan.owners(duty)]


