"""The period summary of any recurring ledger: who sent what, and how each target stands."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from jinja2 import Environment

from sprint import targets
from sprint.mail.compose import Attachment, Draft, render
from sprint.measures import UNIT_COLUMN
from sprint.plan import Duty, Plan
from sprint.reports import XLSX, summary_key, when
from sprint.status import Rates, Standing, State
from sprint.workbook import masked, to_xlsx


def target_rows(plan: Plan, duty: Duty, rows: list[Standing], ledger: pd.DataFrame,
                now: dt.datetime) -> list[dict]:
    """Every target of the duty, each with its standings, the shortfalls first."""
    units = [s.unit for s in rows]
    submitted = {s.unit for s in rows if s.state.submitted}
    out = []
    for t in duty.targets:
        standings = targets.evaluate(t, ledger, units, submitted, now.date())
        out.append({
            "target": t,
            "rows": [{"name": "全市" if x.unit == "city" else plan.unit(x.unit).name,
                      "value": x.shown(), "met": x.met, "shortfall": x.shortfall,
                      "extras": x.extras} for x in standings],
            "short": [("全市" if x.unit == "city" else plan.unit(x.unit).name) for x in standings
                      if x.met is False],
        })
    return out


def summary_context(plan: Plan, duty: Duty, rows: list[Standing], ledger: pd.DataFrame,
                    now: dt.datetime) -> dict:
    template = plan.template_of(duty)
    counts = ledger[UNIT_COLUMN].value_counts() if len(ledger) else pd.Series(dtype=int)
    units = [{"name": plan.unit(s.unit).name, "state": str(s.state),
              "submitted_text": when(s.submitted_at) if s.submitted_at else "",
              "rows": int(counts.get(s.unit, 0)), "ok": s.state.submitted} for s in rows]
    units.sort(key=lambda u: (u["ok"], u["name"]))  # the worst first
    standing = target_rows(plan, duty, rows, ledger, now)
    return {
        "plan": plan, "operator": plan.unit(plan.operator), "duty": duty, "template": template,
        "period": rows[0].period, "due_text": when(rows[0].period.due),
        "rates": Rates(len(rows), sum(s.state.submitted for s in rows),
                       sum(s.state is State.ON_TIME for s in rows)),
        "units": units, "targets": standing,
        "short_count": sum(len(t["short"]) for t in standing),
        "missing": [u["name"] for u in units if not u["ok"]],
        "recipients_names": "、".join(plan.unit(c).name for c in duty.recipients),
    }


def ledger_summary_draft(env: Environment, plan: Plan, duty: Duty, rows: list[Standing],
                         ledger: pd.DataFrame, now: dt.datetime) -> tuple[Draft, dict]:
    context = summary_context(plan, duty, rows, ledger, now)
    template = context["template"]
    name = f"{template.name}汇总_{context['period'].id}.xlsx"
    ids = [c.name for c in template.columns if c.type == "id_number"]
    frame = masked(ledger, ids)
    for c in template.columns:
        if c.type == "date" and c.name in frame:
            frame[c.name] = pd.to_datetime(frame[c.name]).dt.date
    context["attachment_name"] = name
    subject, text, html = render(env, "ledger-summary", context)
    key = summary_key(plan, duty.id, context["period"].id)
    draft = Draft(key, [plan.unit(c).email for c in duty.recipients], subject, text, html,
                  [Attachment(name, to_xlsx({"汇总台账": frame}), *XLSX)])
    return draft, context
