"""The weekly dispatch (周调度) of a ledger of items to close: each unit's open and overdue
items, silent units, every recurring duty's completeness and every target's standing; a list
to each unit of its overdue items; a 通报 draft of the units that fall behind."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sprint.domain.calendar import periods
from sprint.domain.engine.baselines import given
from sprint.domain.engine.book import UNIT_COLUMN, Book, of_unit
from sprint.domain.engine.deadline import headway
from sprint.domain.engine.draft import Chart, Draft, common, short_name, when
from sprint.domain.engine.findings import found_since, open_unlocks
from sprint.domain.engine.notices import expired, expires_at, notice
from sprint.domain.engine.recurring import Measured, measure, silent_running
from sprint.domain.engine.season import Season, season_of
from sprint.domain.engine.summary import summary_key, target_results
from sprint.domain.engine.targets import matching
from sprint.domain.plan import Duty, Items, Plan
from sprint.domain.records import OutboxKey
from sprint.domain.status import rates

DISPATCH, ITEMS_LIST = "dispatch", "items-list"


def items_of(items: Items, ledger: pd.DataFrame, unit: str, start: dt.date, end: dt.date,
             today: dt.date) -> dict:
    """A unit's open items, overdue ones by number, and the ones closed in the period."""
    rows = of_unit(ledger, unit)
    if not len(rows):
        return {"open": 0, "overdue": [], "closed": 0, "total": 0}
    open_ = rows[matching(rows, items.open)]
    overdue = open_[pd.to_datetime(open_[items.due]) < pd.Timestamp(today)]
    done_on = pd.to_datetime(rows[items.closed_on])
    closed = rows[matching(rows, items.closed)
                  & done_on.between(pd.Timestamp(start), pd.Timestamp(end))]
    return {"open": len(open_), "overdue": sorted(overdue[items.number].astype(str)),
            "closed": len(closed), "total": len(rows)}


def dispatch_owed(plan: Plan, book: Book, m: Measured, now: dt.datetime
                  ) -> tuple[list[Draft], list[Draft]]:
    """The closed week's dispatch report, lists and 通报 draft (drafts, notice drafts)."""
    duty = m.duty
    if not m.closing or summary_key(plan, duty.id, m.closing[0].period.id, DISPATCH) in book.recorded:
        return [], []
    period = m.closing[0].period
    ledger = book.period_ledger(duty.template, m.closing)
    units = []
    for s in m.closing:
        units.append({"code": s.unit, "name": plan.unit(s.unit).name, "state": str(s.state),
                      "submitted": s.state.submitted,
                      **items_of(duty.items, ledger, s.unit, period.start, period.end, now.date())})
    units.sort(key=lambda u: (-len(u["overdue"]), u["submitted"], -u["open"], u["name"]))
    silent = silent_running(m.everything, duty.escalate_after_silent_periods or 2, now)
    others = [measure(plan, book, d, now) for d in plan.duties
              if d.kind in ("recurring", "procedure") and d.id != duty.id]
    drafts = [_lists(plan, duty, period, u) for u in units if u["overdue"]]
    context = common(plan) | {
        "duty": duty, "period": period, "due_text": when(period.due), "units": units,
        "silent": [u["name"] for u in units if not u["submitted"]],
        "twice": sorted(plan.unit(c).name for c in silent),
        "rollup": _rollup([m, *others]), "targets": _targets(plan, book, now),
        "completeness": _by_unit(plan, [m, *others], now),
        "notices": _notices(plan, book, _before(m, period), now),
        "own": _own(plan, book, now),
        "checks": found_since(plan, book, _before(m, period), now),
        "unlocks": open_unlocks(plan, book, now),
        "totals": {k: sum(len(u[k]) if k == "overdue" else u[k] for u in units)
                   for k in ("open", "overdue", "closed")},
    }
    shares = context["completeness"]
    context["chart_cid"] = f"completeness-{period.id}"
    chart = Chart(f"completeness-{period.id}", tuple(short_name(c["name"]) for c in shares),
                  tuple(round(c["share"] * 100) for c in shares), tuple(100 for _ in shares),
                  f"各单位报送完整率（%，截至{period.end:%m-%d}）", "完整率", "应报")
    behind = [(u["code"], f"{len(u['overdue'])} 项问题超过整改时限未完成（{'、'.join(u['overdue'])}）")
              for u in units if u["overdue"]]
    behind += [(c, f"连续{duty.escalate_after_silent_periods or 2}期未报送《{plan.template_of(duty).name}》")
               for c in sorted(silent)]
    draft = notice(plan, book, duty, period, behind, [], now, "问题整改滞后或连续未报送")
    # 拟稿通报 is said only of the units a draft names now.
    named = {n["code"] for n in draft.context["named"]} if draft else set()
    context["twice_drafted"] = sorted(plan.unit(c).name for c in silent if c in named)
    context["twice_not"] = sorted(plan.unit(c).name for c in silent if c not in named)
    drafts.append(Draft(DISPATCH, summary_key(plan, duty.id, period.id, DISPATCH),
                        (plan.operator,), context, chart=chart,
                        heading=f"{duty.dispatch or plan.flows[duty.flow]} {period.id}："
                                f"超期问题 {context['totals']['overdue']} 项"))
    return drafts, [draft] if draft else []


def _lists(plan: Plan, duty: Duty, period, u: dict) -> Draft:
    context = common(plan) | {"unit": plan.unit(u["code"]), "duty": duty, "period": period,
                              "template": plan.template_of(duty), "u": u}
    return Draft(ITEMS_LIST, OutboxKey(duty.id, period.id, u["code"], ITEMS_LIST), (u["code"],),
                 context, heading=f"超期问题清单 {u['name']}：{len(u['overdue'])} 项")


def _own(plan: Plan, book: Book, now: dt.datetime) -> list[dict]:
    """The office's own deadlines past their date and not done: for the operator, since a
    通报 never names the office that issues it."""
    out = []
    for d in plan.duties:
        if d.kind != "deadline" or plan.operator not in {u.code for u in plan.owners(d)}:
            continue
        [period] = periods(plan, d)
        if period.due > now:
            continue
        mine = [h for h in headway(plan, book, d, now) if h.unit == plan.operator]
        out += [{"title": d.title, "due": when(period.due), "words": h.words}
                for h in mine if not h.done]
    return out


def _rollup(measured: list[Measured]) -> list[dict]:
    out = [{"title": x.duty.title, "rates": x.rates} for x in measured if x.rates.expected]
    return sorted(out, key=lambda r: r["rates"].completeness)


def _targets(plan: Plan, book: Book, now: dt.datetime) -> list[dict]:
    """Every target of the plan on each unit's latest ledger, the most shortfalls first."""
    lines = []
    for d in plan.duties:
        if not d.targets or d.template is None:
            continue
        latest = book.latest_ledger(d.id, now)
        sent = set(latest[UNIT_COLUMN]) if len(latest) else set()
        held, sourced = given(plan, book, d, now)
        for t in target_results(plan, held, latest, [u.code for u in plan.owners(d)], sent,
                                now.date(), _season(plan, book, held, now), sourced=sourced):
            unknown = sum(r.value is None for r in t["results"])
            # Judged only where a result was: a baseline not given is never "met".
            why = next((r.verdict for r in t["results"] if r.value is not None and r.met is None),
                       "仅列示")
            lines.append({"title": t["target"].title, "clause": t["target"].clause,
                          "short": t["short"], "unknown": unknown,
                          "measured": len(t["results"]) - unknown,
                          "judged": any(r.met is not None for r in t["results"]), "why": why})
    return sorted(lines, key=lambda x: -len(x["short"]))


def _season(plan: Plan, book: Book, duty: Duty, now: dt.datetime) -> Season | None:
    """A target over the season is held to the periods' sum so far, not the latest file."""
    if duty.kind != "recurring" or not any(t.over == "season" for t in duty.targets):
        return None
    m = measure(plan, book, duty, now)
    so_far = max((s.period.id for s in m.everything), default="")  # the open period's files too
    return season_of(book, duty, m.everything, so_far, len(m.periods), now)


def _by_unit(plan: Plan, measured: list[Measured], now: dt.datetime) -> list[dict]:
    """Each unit's share of the submissions due so far, over every recurring duty."""
    per_unit: dict[str, list] = {}
    for x in measured:
        for s in x.everything:
            per_unit.setdefault(s.unit, []).append(s)
    out = []
    for unit, mine in per_unit.items():
        r = rates(mine, now)
        if r.expected:
            out.append({"name": plan.unit(unit).name, "share": r.completeness,
                        "received": r.received, "expected": r.expected})
    return sorted(out, key=lambda x: x["share"])


def _before(m: Measured, period) -> dt.datetime:
    """The due time of the period before: the last dispatch."""
    prior = [p.due for p in m.periods if p.due < period.due]
    return prior[-1] if prior else period.due - dt.timedelta(days=7)


def _notices(plan: Plan, book: Book, since: dt.datetime, now: dt.datetime) -> dict:
    """通报 drafts that wait for a decision, and those that expired undecided since the last
    dispatch."""
    return {
        "waiting": [n for n in book.notices if n.status == "waiting" and not expired(plan, n, now)],
        "expired": [n for n in book.notices if expired(plan, n, now)
                    and since < expires_at(plan, n) <= now],
    }
