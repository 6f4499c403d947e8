"""The period summary of a recurring ledger: who sent what, each breakdown the plan asks for,
every target with the counts behind it, a chart, and the compiled ledger (IDs masked).

One builder for every ledger: what it shows is the plan's `summary` and `targets` of the duty.
A period nobody reported says so plainly: no zeros dressed as figures, no empty attachment.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pandas as pd

from sprint.domain.engine.book import UNIT_COLUMN
from sprint.domain.engine.draft import Chart, Draft, Table, common, short_name, when
from sprint.domain.engine.season import Season
from sprint.domain.engine.stock import Stock
from sprint.domain.engine.targets import CITY, Result, evaluate
from sprint.domain.figures import number
from sprint.domain.plan import Duty, Plan
from sprint.domain.records import OutboxKey
from sprint.domain.status import Rates, Standing, State

SUMMARY = "summary"
STATE_COLORS = {State.ON_TIME: "#2e7d32", State.SUBMITTED_LATE: "#ef6c00"}


def summary_key(plan: Plan, duty_id: str, period_id: str, kind: str = SUMMARY) -> OutboxKey:
    """A period's summary goes once, from the operator, whatever its recipients."""
    return OutboxKey(duty_id, period_id, plan.operator, kind)


def period_rates(rows: list[Standing]) -> Rates:
    return Rates(len(rows), sum(s.state.submitted for s in rows),
                 sum(s.state is State.ON_TIME for s in rows))


def target_results(plan: Plan, duty: Duty, ledger: pd.DataFrame, owners: list[str],
                   submitted: set[str], as_of: dt.date, season: Season | None = None,
                   stock: Stock | None = None, sourced: dict[str, set[str]] | None = None
                   ) -> list[dict]:
    """Every target of the duty with each unit's result, the shortfalls named. A target over
    the season is measured on the season's ledger so far (see season.py); a stock target on
    `stock`, each unit's latest ledger, when given; a threshold read from a baseline ledger
    (`sourced`: target -> units) says whose figure it is."""
    out = []
    for t in duty.targets:
        carried = ""
        if t.over == "season" and season is not None:
            results = [season.judge(r) for r in
                       evaluate(plan, t, season.ledger, owners, season.submitted, as_of)]
        elif t.stock and stock is not None:
            results = evaluate(plan, t, stock.ledger, owners, set(stock.sent_for), as_of)
            carried = stock.words(plan, submitted)
        else:
            results = evaluate(plan, t, ledger, owners, submitted, as_of)
        if t.baseline_from and t.baseline_from.by:
            mine = (sourced or {}).get(t.id, set())
            results = [replace(r, formula=f"{r.formula}（{t.baseline_from.by}）")
                       if r.unit in mine and r.value is not None else r for r in results]
        out.append({"target": t, "results": results, "carried": carried,
                    "season": season.words if t.over == "season" and season is not None else "",
                    "short": [r.name for r in results if r.met is False]})
    return out


def breakdown(ledger: pd.DataFrame, column: str, units: list[str],
              categories: tuple[str, ...], quantity: str | None = None) -> list[dict]:
    """Per unit in each category, every category shown, with the unit's total: rows, or the
    sum of the `quantity` column."""
    if not len(ledger):
        table = pd.DataFrame()
    elif quantity:
        values = pd.to_numeric(ledger[quantity], errors="coerce").fillna(0)
        table = values.groupby([ledger[UNIT_COLUMN], ledger[column]]).sum().unstack()
    else:
        table = pd.crosstab(ledger[UNIT_COLUMN], ledger[column])
    table = table.reindex(index=units, columns=list(categories), fill_value=0).fillna(0)
    shown = number if quantity else int
    return [{"unit": u, "counts": {c: shown(table.loc[u, c]) for c in categories},
             "total": shown(table.loc[u].sum())} for u in units]


def summary_draft(plan: Plan, duty: Duty, rows: list[Standing], ledger: pd.DataFrame,
                  now: dt.datetime, season: Season | None = None, stock: Stock | None = None,
                  sourced: dict[str, set[str]] | None = None) -> Draft:
    template = plan.template_of(duty)
    period = rows[0].period
    owners = [s.unit for s in rows]
    submitted = {s.unit for s in rows if s.state.submitted}
    counts = ledger[UNIT_COLUMN].value_counts() if len(ledger) else pd.Series(dtype=int)
    units = [{"code": s.unit, "name": plan.unit(s.unit).name, "state": str(s.state),
              "state_color": STATE_COLORS.get(s.state, "#c62828"),
              "submitted_text": when(s.submitted_at) if s.submitted_at else "",
              "rows": int(counts.get(s.unit, 0)), "ok": s.state.submitted} for s in rows]
    units.sort(key=lambda u: (u["ok"], u["name"]))  # the worst first
    choices = {c.name: c.choices for c in template.columns if c.type == "choice"}
    names = {u.code: u.name for u in plan.units}
    breakdowns = [{"column": b.column, "categories": choices[b.column],
                   "measure": f"{b.sum}合计" if b.sum else "行数",
                   "rows": [r | {"name": names[r["unit"]]} for r in
                            breakdown(ledger, b.column, sorted(submitted, key=owners.index),
                                      choices[b.column], b.sum)]}
                  for b in duty.summary.splits] if submitted else []
    targets = target_results(plan, duty, ledger, owners, submitted, now.date(), season, stock,
                             sourced)
    chart = _chart(duty, period.id, targets) if submitted else None
    tables = ()
    attachment = ""
    if len(ledger):
        attachment = f"{template.name}汇总_{period.id}.xlsx"
        tables = (Table(attachment, ledger, tuple(template.id_columns),
                        tuple(template.date_columns)),)
    context = common(plan) | {
        "duty": duty, "template": template, "period": period, "due_text": when(period.due),
        "rates": period_rates(rows), "units": units, "breakdowns": breakdowns,
        "targets": targets, "short_count": sum(len(t["short"]) for t in targets),
        "missing": [u["name"] for u in units if not u["ok"]], "nobody": not submitted,
        "chart_cid": chart.cid if chart else None, "attachment_name": attachment,
        "ledger_rows": len(ledger),
        "recipients_names": "、".join(plan.unit(c).name for c in duty.recipients),
    }
    return Draft(SUMMARY, summary_key(plan, duty.id, period.id), tuple(duty.recipients), context,
                 tables=tables, chart=chart,
                 heading=f"汇总 {duty.id} {period.id}：已报送 {len(submitted)}/{len(rows)}")


def _chart(duty: Duty, period_id: str, targets: list[dict]) -> Chart | None:
    chosen = next((t for t in targets if t["target"].id == duty.summary.chart), None)
    if chosen is None:
        return None
    shown: list[Result] = [r for r in chosen["results"] if r.value is not None
                           and (r.unit != CITY or chosen["target"].scope == CITY)]
    if not shown:
        return None
    t = chosen["target"]
    limits = [t.at_least_by_unit.get(r.unit, t.at_least) for r in shown]
    so_far = "全季累计" if t.over == "season" else "本期"
    return Chart(f"chart-{duty.id}-{period_id}", tuple(short_name(r.name) for r in shown),
                 tuple(float(r.value) for r in shown), tuple(limits),  # drawn, not compared
                 f"{t.words.get('figure', t.title)}：{so_far}与{t.words.get('threshold', '目标')}",
                 so_far, t.words.get("threshold", "目标"))


def section(context: dict) -> str:
    """The summary in the run's artifact: each target's formula per unit."""
    lines = [f"## {context['template'].name} · {context['period'].label()}", "",
             f"已报 {context['rates'].received}/{context['rates'].expected}"
             + (f"；未报送或被退回：{'、'.join(context['missing'])}" if context["missing"] else "")]
    for t in context["targets"]:
        lines += ["", f"**{t['target'].title}**（第{t['target'].clause}条）", "",
                  "| 单位 | 计算 | 情况 |", "|---|---|---|"]
        lines += [f"| {r.name} | {r.formula} | {r.verdict} |" for r in t["results"]]
        lines += [f"\n{t['carried']}"] if t["carried"] else []
    return "\n".join(lines)
