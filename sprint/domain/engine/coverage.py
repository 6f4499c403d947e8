"""Monthly visits held against the roster (clause 16): each county's households visited,
those not visited and those in need, listed to the county; a summary to the office.

ID numbers are masked here: these lists go to the county and the city office, not only in the
unit's own reply."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sprint.domain.engine.book import Book, of_unit
from sprint.domain.engine.draft import Draft, common, when
from sprint.domain.engine.recurring import Measured
from sprint.domain.engine.summary import summary_key
from sprint.domain.engine.targets import matching
from sprint.domain.idcard import mask
from sprint.domain.plan import Coverage, Plan
from sprint.domain.records import OutboxKey

COVERAGE, VISITS_LIST = "coverage", "visits-list"


def county(c: Coverage, roster: pd.DataFrame, visits: pd.DataFrame, unit: str) -> dict:
    """One county's month: households visited per place, those not visited, those in need."""
    mine, seen = of_unit(roster, unit), of_unit(visits, unit)
    if not len(mine):
        return {"households": 0, "people": 0, "visited": 0, "share": None, "places": [],
                "unvisited": [], "need": [], "by_kind": {}, "newly": 0}
    mine = mine.assign(_visited=mine[c.key].isin(set(seen[c.key]) if len(seen) else set()))
    places = (mine.groupby(list(c.place), sort=True)["_visited"].agg(["size", "sum"])
              .reset_index())
    need = []
    for row in seen.to_dict("records") if len(seen) else []:
        lacking = [g for g in c.guarantees if row.get(g) == c.lacking]
        if lacking:
            need.append({"place": " ".join(str(row[p]) for p in c.place), "name": row[c.name],
                         "id": mask(row[c.key]), "missing": "、".join(lacking),
                         "problem": row.get(c.problem) or "", "help": row.get(c.help) or ""})
    people = pd.to_numeric(mine[c.people], errors="coerce").fillna(0)
    return {
        "households": len(mine), "people": int(people.sum()),
        "visited": int(mine["_visited"].sum()), "share": float(mine["_visited"].mean()),
        "places": [{"place": " ".join(str(v) for v in r[:-2]), "households": int(r[-2]),
                    "visited": int(r[-1])} for r in places.itertuples(index=False)],
        "unvisited": [{"place": " ".join(str(r[p]) for p in c.place), "name": r[c.name],
                       "id": mask(r[c.key]), "kind": r[c.category]}
                      for r in mine[~mine["_visited"]].to_dict("records")],
        "need": need,
        "by_kind": {k: int(people[g.index].sum()) for k, g in mine.groupby(c.category)},
        "newly": int(matching(mine, c.newly).sum()) if c.newly else 0,
    }


def coverage_owed(plan: Plan, book: Book, m: Measured, now: dt.datetime) -> list[Draft]:
    """After each month's due time: a list to each county with households not visited or in
    need, and the summary to the duty's recipients; each once."""
    duty, c = m.duty, m.duty.coverage
    if not m.closing or summary_key(plan, duty.id, m.closing[0].period.id, COVERAGE) in book.recorded:
        return []
    period = m.closing[0].period
    roster = book.latest_ledger(c.roster, now)
    visits = book.period_ledger(duty.template, m.closing)
    submitted = {s.unit for s in m.closing if s.state.submitted}
    counties = []
    for unit in plan.owners(duty):
        counties.append({"unit": unit, "name": unit.name, "sent": unit.code in submitted,
                         **county(c, roster, visits, unit.code)})
    counties.sort(key=lambda x: (x["share"] is not None, x["share"] or 0))  # the worst first
    base = common(plan) | {"duty": duty, "period": period, "due_text": when(period.due),
                           "roster_title": plan.template_of(plan.duty(c.roster)).name}
    drafts = [Draft(VISITS_LIST, OutboxKey(duty.id, period.id, x["unit"].code, VISITS_LIST),
                    (x["unit"].code,), base | {"c": x},
                    heading=f"未走访名单 {x['name']}：{len(x['unvisited'])} 户未走访")
              for x in counties if x["unvisited"] or x["need"]]
    totals = {k: sum(x[k] for x in counties) for k in ("households", "people", "visited", "newly")}
    totals["need"] = sum(len(x["need"]) for x in counties)
    by_kind = {k: sum(x["by_kind"].get(k, 0) for x in counties)
               for k in dict.fromkeys([*c.planned, *(k for x in counties for k in x["by_kind"])])}
    context = base | {"counties": counties, "totals": totals, "by_kind": by_kind,
                      "planned": c.planned, "newly_words": "、".join(
                          v for vs in c.newly.values() for v in vs),
                      "recipients_names": "、".join(plan.unit(r).name for r in duty.recipients)}
    drafts.append(Draft(COVERAGE, summary_key(plan, duty.id, period.id, COVERAGE),
                        tuple(duty.recipients), context,
                        heading=f"走访覆盖 {period.id}：已走访 {totals['visited']}/{totals['households']} 户"))
    return drafts
