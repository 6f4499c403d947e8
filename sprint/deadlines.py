"""One-off deadlines and events: who is done, reminders before the date, a 通报 after it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jinja2 import Environment

from sprint.calendar import Period, add_workdays, at, periods, workdays_after
from sprint.compiled import latest_ledger
from sprint.mail.compose import Draft, render
from sprint.measures import UNIT_COLUMN, matching
from sprint.plan import Duty, Plan
from sprint.reports import when
from sprint.store import OutboxKey, Receipt


@dataclass(frozen=True)
class Done:
    unit: str
    name: str
    done: bool
    progress: str  # in words: "已完成 12/20（60%）", "未报送台账", "已报送"
    share: float | None


def standing(plan: Plan, duty: Duty, receipts: list[Receipt], now: dt.datetime) -> list[Done]:
    """Each owner's progress on a deadline.

    With a `progress` rule it is measured from the unit's latest ledger: the share of the rows
    in scope that are done (a unit with nothing in scope is done). Otherwise a unit is done once
    it has sent an accepted file for the deadline, saying 已完成 when it is a completion report.
    """
    owners = plan.owners(duty)
    out = []
    if duty.progress is not None:
        source = plan.duty(duty.progress.duty)
        ledger = latest_ledger(plan, source.template, [r for r in receipts if r.duty == source.id], now)
        for unit in owners:
            rows = ledger[ledger[UNIT_COLUMN] == unit.code] if len(ledger) else ledger
            if not len(rows):
                out.append(Done(unit.code, unit.name, False, f"未报送《{plan.template_of(source).name}》", None))
                continue
            scope = rows[matching(rows, duty.progress.where)]
            finished = int(matching(scope, duty.progress.done).sum())
            share = finished / len(scope) if len(scope) else 1.0
            words = f"已完成 {finished}/{len(scope)}（{share * 100:.0f}%）" if len(scope) else "无相关事项"
            out.append(Done(unit.code, unit.name, share >= 1.0, words, share))
        return out
    mine = [r for r in receipts if r.duty == duty.id and r.accepted and r.received_at <= now]
    completion = plan.templates.get(duty.template or "")
    for unit in owners:
        sent = [r for r in mine if r.unit == unit.code]
        if not sent:
            out.append(Done(unit.code, unit.name, False, "未报送", None))
            continue
        if completion is not None and completion.duty_column:
            ledger = latest_ledger(plan, duty.template, sent, now)
            finished = bool(len(ledger)) and ledger["完成情况"].eq("已完成").all()
            out.append(Done(unit.code, unit.name, finished,
                            "已完成" if finished else "推进中", 1.0 if finished else None))
        else:
            out.append(Done(unit.code, unit.name, True, f"已报送（{when(sent[-1].received_at)}）", 1.0))
    return out


def _latest_passed(offsets: list[tuple[int, dt.datetime]], now: dt.datetime) -> int | None:
    passed = [off for off, at in offsets if at <= now]
    return passed[-1] if passed else None


def drafts(env: Environment, plan: Plan, duty: Duty, receipts: list[Receipt],
           now: dt.datetime, recorded: set[OutboxKey] = frozenset()) -> tuple[list[Draft], list[Done]]:
    """Reminders to owners not done before the date; a 通报 to the leading group after it."""
    [period] = periods(duty)
    common = {"plan": plan, "operator": plan.unit(plan.operator), "duty": duty,
              "period": period, "due_text": when(period.due)}
    if duty.kind == "event":
        offset = _latest_passed([(r.offset, r.at) for r in period.reminders], now)
        if offset is None or now > period.due:
            return [], []
        out = []
        for unit in plan.owners(duty):
            key = OutboxKey(duty.id, period.id, unit.code, "event", f"{offset:+d}")
            if key not in recorded:
                subject, text, html = render(env, "event", common | {"unit": unit})
                out.append(Draft(key, [unit.email], subject, text, html))
        return out, []
    offset = _latest_passed([(r.offset, r.at) for r in period.reminders if r.offset <= 0], now)
    escalation = _escalation_times(duty, period)
    late = _latest_passed(escalation, now)
    group = plan.unit(plan.leading_group)
    owners = plan.owners(duty)
    reminding = offset is not None and now <= period.due and any(
        OutboxKey(duty.id, period.id, u.code, "reminder", f"{offset:+d}") not in recorded
        for u in owners)
    escalating = late is not None and OutboxKey(
        duty.id, period.id, group.code, "escalation", f"{late:+d}") not in recorded
    if not (reminding or escalating):
        return [], []  # nothing left to say: progress is not measured again for nothing
    done = standing(plan, duty, receipts, now)
    behind = sorted((d for d in done if not d.done), key=lambda d: (d.share is not None, d.share or 0))
    out = []
    if reminding:
        for d in behind:
            unit = plan.unit(d.unit)
            if OutboxKey(duty.id, period.id, unit.code, "reminder", f"{offset:+d}") in recorded:
                continue
            days = workdays_after(now.date(), period.due.date())
            context = common | {"unit": unit, "progress": d.progress, "days": days}
            subject, text, html = render(env, "deadline-reminder", context)
            out.append(Draft(OutboxKey(duty.id, period.id, unit.code, "reminder", f"{offset:+d}"),
                             [unit.email], subject, text, html))
    if escalating and behind:
        operator = plan.unit(plan.operator)
        context = common | {"group": group, "behind": behind, "done": [d for d in done if d.done]}
        subject, text, html = render(env, "escalation", context)
        out.append(Draft(OutboxKey(duty.id, period.id, group.code, "escalation", f"{late:+d}"),
                         [group.email, operator.email], subject, text, html))
    return out, done


def _escalation_times(duty: Duty, period: Period) -> list[tuple[int, dt.datetime]]:
    return [(off, at(add_workdays(period.due.date(), off), duty.reminders.time))
            for off in duty.escalate]
