"""What the exit procedure says each week: per county, to 市扶贫办, and to the leading group."""

from __future__ import annotations

import datetime as dt

from jinja2 import Environment

from sprint.calendar import Period, add_workdays, at
from sprint.compiled import latest_ledger
from sprint.exit import Household, households
from sprint.mail.compose import Draft, render
from sprint.plan import Duty, Plan
from sprint.reports import summary_key
from sprint.store import OutboxKey, Receipt

LEDGERS = {"exit-households": "exit-households", "exit-members": "exit-members",
           "exit-problems": "exit-problems",
           "exit-process": "exit-stages"}  # duty -> template of the four exit ledgers


def homes_by_county(plan: Plan, receipts: list[Receipt], now: dt.datetime) -> dict[str, list[Household]]:
    """Every county's households, from the latest of its four exit ledgers received by `now`."""
    duty = plan.duty("exit-process")
    ledgers = {d: latest_ledger(plan, t, [r for r in receipts if r.duty == d], now)
               for d, t in LEDGERS.items()}
    return {u.code: households(duty.procedure, u.code, ledgers["exit-households"],
                               ledgers["exit-problems"], ledgers["exit-process"],
                               ledgers["exit-members"])
            for u in plan.owners(duty)}


def county_context(plan: Plan, duty: Duty, unit: str, homes: list[Household],
                   today: dt.date) -> dict:
    rules = duty.procedure
    counts = {stage: 0 for stage in ("未启动", *rules.stages)}
    for h in homes:
        counts[h.progress.stage or "未启动"] += 1
    return {
        "unit": plan.unit(unit), "name": plan.unit(unit).name, "total": len(homes),
        "counts": counts, "done": counts["销号"],
        "stalled": [h for h in homes if h.stalled(rules, today)],
        "not_started": [h for h in homes if h.progress.stage is None],
        "late": [h for h in homes if h.late_to_start(rules, today)],
        "not_ready": [h for h in homes if not h.ready.ready],
        "notes": [(h, n) for h in homes for n in h.progress.notes],
    }


def drafts(env: Environment, plan: Plan, duty: Duty, period: Period,
           counties: list[dict], now: dt.datetime) -> list[Draft]:
    """Each week: a list to every county with work to do and a summary to the office; after
    the start-by date, one 通报 naming the counties whose households have not all started."""
    rules = duty.procedure
    common = {"plan": plan, "operator": plan.unit(plan.operator), "duty": duty, "rules": rules,
              "period": period, "today": now.date()}
    out = []
    for c in counties:
        if c["stalled"] or c["not_started"] or c["notes"] or c["not_ready"]:
            subject, text, html = render(env, "exit-county", common | {"c": c})
            out.append(Draft(OutboxKey(duty.id, period.id, c["unit"].code, "exit-list"),
                             [c["unit"].email], subject, text, html))
    totals = {k: sum(c["counts"][k] for c in counties) for k in ("未启动", *rules.stages)}
    context = common | {"counties": counties, "totals": totals,
                        "households": sum(c["total"] for c in counties)}
    subject, text, html = render(env, "exit-summary", context)
    out.append(Draft(summary_key(plan, duty.id, period.id),
                     [plan.unit(r).email for r in duty.recipients], subject, text, html))
    behind = [c for c in counties if c["late"] or not c["total"]]
    escalate_at = [at(add_workdays(rules.start_by, off), duty.reminders.time) for off in duty.escalate]
    if behind and escalate_at and now >= escalate_at[0]:
        group = plan.unit(plan.leading_group)
        subject, text, html = render(env, "exit-escalation", common | {"group": group,
                                     "behind": behind, "start_by": rules.start_by})
        out.append(Draft(OutboxKey(duty.id, rules.start_by.isoformat(), group.code, "escalation"),
                         [group.email, plan.unit(plan.operator).email], subject, text, html))
    return out
