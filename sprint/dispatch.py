"""The weekly dispatch (周调度): rectification items per unit, silent units, every duty's
completeness and every target's standing, and the units to name to the leading group."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sprint import targets
from sprint.chart import bars_against_target
from sprint.compiled import latest_ledger
from sprint.mail.compose import Draft, render
from sprint.measures import UNIT_COLUMN
from sprint.plan import Plan
from sprint.reports import when
from sprint.status import Standing, rates
from sprint.store import OutboxKey, Receipt

OPEN = ("未启动", "推进中")


def items_of(ledger: pd.DataFrame, unit: str, start: dt.date, end: dt.date,
             today: dt.date) -> dict:
    """A unit's open items, overdue ones by number, and the ones closed in the week."""
    rows = ledger[ledger[UNIT_COLUMN] == unit] if len(ledger) else ledger
    if not len(rows):
        return {"open": 0, "overdue": [], "closed": 0, "total": 0}
    open_ = rows[rows["整改状态"].isin(OPEN)]
    overdue = open_[pd.to_datetime(open_["整改时限"]) < pd.Timestamp(today)]
    done = pd.to_datetime(rows["完成日期"])
    closed = rows[(rows["整改状态"] == "已完成") & done.between(pd.Timestamp(start), pd.Timestamp(end))]
    return {"open": len(open_), "overdue": sorted(overdue["问题编号"].astype(str)),
            "closed": len(closed), "total": len(rows)}


def silent_twice(rows: list[Standing], periods_back: int) -> set[str]:
    """Units that sent nothing valid for each of the last `periods_back` periods due."""
    by_period: dict[str, list[Standing]] = {}
    for s in rows:
        by_period.setdefault(s.period.id, []).append(s)
    recent = sorted(by_period)[-periods_back:]
    if len(recent) < periods_back:
        return set()
    silent = [{s.unit for s in by_period[p] if not s.state.submitted} for p in recent]
    return set.intersection(*silent)


def dispatch_context(plan: Plan, rect: list[Standing], closing: list[Standing],
                     ledger: pd.DataFrame, others: dict[str, list[Standing]],
                     receipts: list[Receipt], now: dt.datetime) -> dict:
    duty = plan.duty("rectification-ledger")
    period = closing[0].period
    units = []
    for s in closing:
        items = items_of(ledger, s.unit, period.start, period.end, now.date())
        units.append({"code": s.unit, "name": plan.unit(s.unit).name, "state": str(s.state),
                      "submitted": s.state.submitted, **items})
    # The worst first: overdue items, then silence, then open items.
    units.sort(key=lambda u: (-len(u["overdue"]), u["submitted"], -u["open"], u["name"]))
    twice = silent_twice(rect, duty.escalate_after_silent_periods or 2)
    named = [u for u in units if u["overdue"] or u["code"] in twice]
    rollup = []
    for duty_id, rows in others.items():
        r = rates(rows, now)
        if r.expected:
            rollup.append({"title": plan.duty(duty_id).title, "rates": r})
    rollup.sort(key=lambda x: x["rates"].completeness)
    target_lines = []
    for d in plan.duties:
        if not d.targets or d.template is None:
            continue
        latest = latest_ledger(plan, d.template, [r for r in receipts if r.duty == d.id], now)
        owners = [u.code for u in plan.owners(d)]
        sent = set(latest[UNIT_COLUMN]) if len(latest) else set()
        for t in d.targets:
            standing = targets.evaluate(t, latest, owners, sent, now.date())
            short = [("全市" if x.unit == "city" else plan.unit(x.unit).name) for x in standing
                     if x.met is False]
            unknown = sum(x.met is None for x in standing)
            target_lines.append({"title": t.title, "clause": t.clause, "short": short,
                                 "unknown": unknown, "measured": len(standing) - unknown})
    target_lines.sort(key=lambda x: -len(x["short"]))
    completeness = _completeness_by_unit(plan, [*rect, *[s for rows in others.values() for s in rows]], now)
    return {
        "plan": plan, "operator": plan.unit(plan.operator), "group": plan.unit(plan.leading_group),
        "duty": duty, "period": period, "due_text": when(period.due), "units": units,
        "silent": [u["name"] for u in units if not u["submitted"]],
        "twice": sorted(plan.unit(c).name for c in twice), "named": named,
        "rollup": rollup, "targets": target_lines, "completeness": completeness,
        "totals": {k: sum(len(u[k]) if k == "overdue" else u[k] for u in units)
                   for k in ("open", "overdue", "closed")},
    }


def _completeness_by_unit(plan: Plan, rows: list[Standing], now: dt.datetime) -> list[dict]:
    """Each unit's share of the submissions due so far, over every recurring duty."""
    per_unit: dict[str, list[Standing]] = {}
    for s in rows:
        per_unit.setdefault(s.unit, []).append(s)
    out = []
    for unit, mine in per_unit.items():
        r = rates(mine, now)
        if r.expected:
            out.append({"name": plan.unit(unit).name, "share": r.completeness,
                        "received": r.received, "expected": r.expected})
    out.sort(key=lambda x: x["share"])
    return out


def dispatch_key(plan: Plan, period_id: str):
    return OutboxKey("rectification-ledger", period_id, plan.operator, "dispatch")


def dispatch_drafts(env, plan: Plan, context: dict) -> list:
    """The dispatch report to the operator and, when any unit is named, the 通报."""
    period = context["period"]
    cid = f"completeness-{period.id}"
    shares = context["completeness"]
    chart = bars_against_target(
        [c["name"].removesuffix("旅游经济开发区").removesuffix("经济开发区")[:6] for c in shares],
        [round(c["share"] * 100) for c in shares], [100] * len(shares),
        f"各单位报送完整率（%，截至{period.end:%m-%d}）", "完整率", "应报")
    subject, text, html = render(env, "dispatch", context | {"chart_cid": cid})
    operator = context["operator"]
    out = [Draft(dispatch_key(plan, period.id),
                 [operator.email], subject, text, html, images={cid: chart})]
    if context["named"]:
        group = context["group"]
        subject, text, html = render(env, "notice", context)
        out.append(Draft(OutboxKey("rectification-ledger", period.id, group.code, "notice"),
                         [group.email, operator.email], subject, text, html))
    return out
