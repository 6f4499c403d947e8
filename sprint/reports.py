"""What the recurring-ledger duty says, and to whom: reminders, rejection replies, the summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from jinja2 import Environment

from sprint import measures
from sprint.calendar import BEIJING, Period, workdays_after
from sprint.chart import bars_against_target
from sprint.ledger import Problem
from sprint.mail.compose import Attachment, Draft, render
from sprint.plan import Duty, Plan
from sprint.status import Rates, Standing, State
from sprint.store import OutboxKey, Receipt
from sprint.workbook import masked, to_xlsx

XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
PROBLEMS_IN_BODY = 200
STATE_COLORS = {State.ON_TIME: "#2e7d32", State.SUBMITTED_LATE: "#ef6c00"}


def summary_key(plan: Plan, duty_id: str, period_id: str) -> OutboxKey:
    """A period's summary goes once, from the operator, whatever its recipients."""
    return OutboxKey(duty_id, period_id, plan.operator, "summary")


def when(value: dt.datetime) -> str:
    return value.astimezone(BEIJING).strftime("%Y年%-m月%-d日 %H:%M")


def _common(plan: Plan) -> dict:
    return {"plan": plan, "operator": plan.unit(plan.operator)}


def reminder_drafts(env: Environment, plan: Plan, duty: Duty, rows: list[Standing],
                    now: dt.datetime, recorded: set[OutboxKey] = frozenset()) -> list[Draft]:
    """A unit that owes a period gets the reminder of the latest offset already passed, once.

    Earlier offsets a missed run skipped are not sent late: one reminder says it all.
    """
    template = plan.template_of(duty)
    drafts = []
    for s in rows:
        if not s.state.owes:
            continue
        passed = [r for r in s.period.reminders if r.at <= now]
        if not passed:
            continue
        offset = passed[-1].offset
        key = OutboxKey(duty.id, s.period.id, s.unit, "reminder", f"{offset:+d}")
        if key in recorded:
            continue
        unit = plan.unit(s.unit)
        context = _common(plan) | {
            "unit": unit, "duty": duty, "template": template, "period": s.period,
            "due_text": when(s.period.due), "late": now > s.period.due,
            "days_late": workdays_after(s.period.due.date(), now.date()), "today": offset == 0,
            "rejected": s.state is State.REJECTED,
            "recipients": "、".join(plan.unit(c).name for c in duty.recipients),
            "columns": "、".join(c.name for c in template.columns),
        }
        subject, text, html = render(env, "reminder", context)
        drafts.append(Draft(key, [unit.email], subject, text, html))
    return drafts


def rejection_drafts(env: Environment, plan: Plan, refused: list[Receipt],
                     periods_by_id: dict[str, Period]) -> list[Draft]:
    """A reply to the unit for each refused file, listing every problem (IDs in full: its own)."""
    drafts = []
    names = "》《".join(t.name for t in plan.templates.values())
    for r in refused:
        unit = plan.unit(r.unit)
        problems = [Problem(**p) for p in r.problems]
        period = periods_by_id.get(r.period or "")
        context = _common(plan) | {
            "unit": unit, "template": plan.templates.get(r.template or ""),
            "file_name": r.file_name, "received_text": when(r.received_at),
            "problems": problems, "shown": problems[:PROBLEMS_IN_BODY], "period": period,
            "due_text": when(period.due) if period else "", "sha256": r.sha256,
            "template_names": names,
        }
        subject, text, html = render(env, "rejection", context)
        attachments = []
        if len(problems) > PROBLEMS_IN_BODY:
            table = pd.DataFrame([p.__dict__ for p in problems])
            table.columns = ["行", "列", "值", "问题"]
            attachments.append(Attachment("问题清单.xlsx", to_xlsx({"问题清单": table}), *XLSX))
        key = OutboxKey(r.duty or "intake", r.period or r.received_at.date().isoformat(),
                        unit.code, "rejection", r.sha256[:16])
        drafts.append(Draft(key, [unit.email], subject, text, html, attachments))
    return drafts


@dataclass
class LaborSummary:
    period: Period
    rates: Rates
    rows: list[dict]
    forms: list[dict]
    totals: dict
    missing: list[str]
    short: list[dict]
    ledger: pd.DataFrame


def summarise(plan: Plan, duty: Duty, rows: list[Standing], ledger: pd.DataFrame,
              now: dt.datetime) -> LaborSummary:
    template = plan.template_of(duty)
    choices = {c.name: c.choices for c in template.columns if c.type == "choice"}
    units = [s.unit for s in rows]
    areas = measures.breakdown(ledger, "务工区域", units, choices["务工区域"])
    forms = measures.breakdown(ledger, "就业形式", units, choices["就业形式"])
    submitted = {s.unit for s in rows if s.state.submitted}
    target = (measures.target_standings(duty.targets[0], ledger, units, submitted)
              if duty.targets else [])
    table = []
    for s, t in zip(rows, target, strict=True):
        name = plan.unit(s.unit).name
        if t.met is None:
            verdict, color = "未报送", "#8a8f99"
        elif t.met:
            verdict, color = f"+{t.value - (t.threshold or 0)}", "#2e7d32"
        else:
            verdict, color = f"差{t.shortfall}", "#c62828"
        table.append({
            "unit": s.unit, "name": name, "state": str(s.state),
            "state_color": STATE_COLORS.get(s.state, "#c62828"),
            "submitted_text": when(s.submitted_at) if s.submitted_at else "",
            "workers": int(areas.loc[s.unit, "合计"]),
            "areas": {a: int(areas.loc[s.unit, a]) for a in choices["务工区域"]},
            "away": t.value, "last_year": t.threshold or 0, "gap": t.shortfall,
            "met": t.met, "verdict": verdict, "verdict_color": color,
        })
    totals = {
        "workers": int(areas["合计"].sum()),
        "areas": {a: int(areas[a].sum()) for a in choices["务工区域"]},
        "away": sum(r["away"] for r in table), "last_year": sum(r["last_year"] for r in table),
    }
    return LaborSummary(
        period=rows[0].period,
        rates=Rates(len(rows), len(submitted), sum(s.state is State.ON_TIME for s in rows)),
        rows=table,
        forms=[{"name": plan.unit(u).name, "forms": {f: int(forms.loc[u, f]) for f in forms.columns}}
               for u in units],
        totals=totals,
        missing=[plan.unit(s.unit).name for s in rows if not s.state.submitted],
        short=[r for r in table if r["met"] is False],
        ledger=ledger,
    )


def summary_draft(env: Environment, plan: Plan, duty: Duty, summary: LaborSummary) -> Draft:
    template = plan.template_of(duty)
    cid = f"chart-{summary.period.id}"
    chart = bars_against_target(
        [r["name"].removesuffix("旅游经济开发区").removesuffix("经济开发区") for r in summary.rows],
        [r["away"] for r in summary.rows], [r["last_year"] or None for r in summary.rows],
        f"外出务工贫困劳动力：本期与去年（{summary.period.label()}）", "本期", "去年",
    )
    attachment_name = f"{template.name}汇总_{summary.period.id}.xlsx"
    ids = [c.name for c in template.columns if c.type == "id_number"]
    ledger = masked(summary.ledger, ids)
    for c in template.columns:
        if c.type == "date" and c.name in ledger:
            ledger[c.name] = pd.to_datetime(ledger[c.name]).dt.date
    workbook = to_xlsx({"汇总台账": ledger})
    recipients = [plan.unit(c) for c in duty.recipients]
    context = _common(plan) | {
        "template": template, "period": summary.period, "due_text": when(summary.period.due),
        "rates": summary.rates, "rows": summary.rows, "forms": summary.forms,
        "form_names": list(summary.forms[0]["forms"]) if summary.forms else [],
        "totals": summary.totals, "missing": summary.missing, "short": summary.short,
        "chart_cid": cid, "attachment_name": attachment_name,
        "recipients_names": "、".join(u.name for u in recipients),
    }
    subject, text, html = render(env, "summary", context)
    key = summary_key(plan, duty.id, summary.period.id)
    return Draft(key, [u.email for u in recipients], subject, text, html,
                 [Attachment(attachment_name, workbook, *XLSX)], {cid: chart})
