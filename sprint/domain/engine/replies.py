"""Answers to the files a unit sent: a rejection listing every problem, or an acceptance saying
what was taken, which period it counts for, and whether it came on time.

A refused file that a later accepted one of the same period has already replaced, by the time
the run answers, gets no rejection of its own: the unit learns both in the one acceptance.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sprint.domain.calendar import Period
from sprint.domain.engine.draft import Draft, Table, common, when
from sprint.domain.engine.reviews import review_replies
from sprint.domain.filenames import as_sent, mailed
from sprint.domain.plan import Plan
from sprint.domain.records import OutboxKey, Problem, Receipt

REJECTION, ACCEPTANCE = "rejection", "acceptance"
PROBLEMS_IN_BODY = 200


def reply_key(r: Receipt) -> OutboxKey:
    kind = ACCEPTANCE if r.taken else REJECTION
    return OutboxKey(r.duty or "intake", r.period or r.received_at.date().isoformat(), r.unit,
                     kind, r.sha256[:16])


def replies(plan: Plan, receipts: list[Receipt], recorded: set[OutboxKey],
            periods: dict[tuple[str, str], Period], now: dt.datetime) -> list[Draft]:
    """A reply to every file not answered yet; `periods` maps (duty, period id) to the period."""
    waiting = [r for r in receipts if reply_key(r) not in recorded and r.received_at <= now]
    drafts = []
    for r in waiting:
        same = [x for x in waiting if r.duty and (x.unit, x.duty, x.period) == (r.unit, r.duty, r.period)]
        if not r.taken:
            if any(x.taken and x.received_at >= r.received_at for x in same):
                continue  # said in the acceptance of the file that replaced it
            drafts.append(rejection(plan, r, periods.get((r.duty or "", r.period or ""))))
        else:
            earlier = [x for x in same if not x.taken and x.received_at <= r.received_at]
            drafts.append(acceptance(plan, r, periods[(r.duty, r.period)], earlier))
    return drafts + review_replies(plan, receipts, recorded, periods)


def rejection(plan: Plan, r: Receipt, period: Period | None) -> Draft:
    """Every problem of a refused file, ID numbers in full: it goes to the unit that sent it."""
    unit = plan.unit(r.unit)
    problems = [Problem(**{k: p[k] for k in ("row", "column", "value", "reason")})
                for p in r.problems]
    names = "》《".join(t.name for t in plan.templates.values())
    context = common(plan) | {
        "unit": unit, "template": plan.templates.get(r.template or ""),
        "file_name": as_sent(r.file_name), "by_mail": mailed(r.file_name),
        "received_text": when(r.received_at), "problems": problems,
        "shown": problems[:PROBLEMS_IN_BODY], "period": period,
        "due_text": when(period.due) if period else "", "sha256": r.sha256,
        "template_names": names,
    }
    tables = ()
    if len(problems) > PROBLEMS_IN_BODY:  # the whole list as a workbook: its own IDs, in full
        frame = pd.DataFrame([[p.row, p.column, p.value, p.reason] for p in problems],
                             columns=["行", "列", "值", "问题"])
        tables = (Table("问题清单.xlsx", frame, sheet="问题清单"),)
    return Draft(REJECTION, reply_key(r), (r.unit,), context, tables=tables,
                 heading=f"退回 {r.unit}/{as_sent(r.file_name)}：{len(problems)} 个问题")


def acceptance(plan: Plan, r: Receipt, period: Period, earlier: list[Receipt]) -> Draft:
    """What was taken, which period it counts for, on time or late, the notes that did not
    refuse it, and the earlier refused files it replaces. Several in one run are one mail."""
    unit = plan.unit(r.unit)
    duty = plan.duty(r.duty)
    section = {
        "duty": duty, "template": plan.templates[r.template], "file_name": as_sent(r.file_name),
        "received_text": when(r.received_at), "rows": r.rows, "period": period,
        "due_text": when(period.due), "on_time": r.received_at <= period.due,
        "remarks": [Problem(**{k: p[k] for k in ("row", "column", "value", "reason")})
                    for p in r.remarks],
        "earlier": [{"file_name": as_sent(x.file_name), "received_text": when(x.received_at),
                     "problems": len(x.problems),
                     "first": Problem(**{k: x.problems[0][k] for k in ("row", "column", "value", "reason")}).describe()
                     if x.problems else ""} for x in earlier],
        "changes": [p["reason"] for p in r.changes],  # to the unit itself: IDs in full
        "checks": [p["reason"] for p in r.checks],
        "sha256": r.sha256,
    }
    return Draft(ACCEPTANCE, reply_key(r), (r.unit,), common(plan) | {"unit": unit, "sections": [section]},
                 parts=(reply_key(r), *(reply_key(x) for x in earlier)),
                 heading=f"已接收 {r.unit}/{as_sent(r.file_name)} → {duty.id} {period.id}")
