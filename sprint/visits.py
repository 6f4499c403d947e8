"""Clause 16: the monthly visits to monitored households, held against the roster."""

from __future__ import annotations

import pandas as pd

from sprint.idcard import mask
from sprint.mail.compose import Draft, render
from sprint.measures import UNIT_COLUMN
from sprint.reports import when
from sprint.store import OutboxKey

GUARANTEES = ("吃穿不愁", "义务教育保障", "基本医疗保障", "住房安全保障", "饮水安全")
ID = "户主身份证号"


def coverage(roster: pd.DataFrame, visits: pd.DataFrame, unit: str) -> dict:
    """One county's month: households visited per village, those not visited, those in need.

    A household counts as visited when a record of the month carries its ID. ID numbers are
    masked: these lists go to the county and to the city office, not only to the unit's reply.
    """
    mine = roster[roster[UNIT_COLUMN] == unit] if len(roster) else roster
    seen = visits[visits[UNIT_COLUMN] == unit] if len(visits) else visits
    if not len(mine):
        return {"households": 0, "people": 0, "visited": 0, "share": None, "villages": [],
                "unvisited": [], "need": [], "by_kind": {}}
    visited_ids = set(seen[ID]) if len(seen) else set()
    mine = mine.assign(visited=mine[ID].isin(visited_ids))
    villages = (mine.groupby(["乡镇", "村"], sort=True)["visited"].agg(["size", "sum"])
                .reset_index().rename(columns={"size": "households", "sum": "visited"}))
    unvisited = mine[~mine["visited"]]
    need = []
    for row in seen.to_dict("records") if len(seen) else []:
        missing = [g for g in GUARANTEES if row.get(g) == "否"]
        if missing:
            need.append({"town": row["乡镇"], "village": row["村"], "name": row["户主姓名"],
                         "id": mask(row[ID]), "missing": "、".join(missing),
                         "problem": row.get("发现问题") or "", "help": row.get("帮扶措施") or ""})
    return {
        "households": len(mine), "people": int(pd.to_numeric(mine["家庭人口"]).sum()),
        "visited": int(mine["visited"].sum()), "share": float(mine["visited"].mean()),
        "villages": [{"town": v.乡镇, "village": v.村, "households": int(v.households),
                      "visited": int(v.visited)} for v in villages.itertuples(index=False)],
        "unvisited": [{"town": r.乡镇, "village": r.村, "name": r.户主姓名, "id": mask(r.户主身份证号),
                       "kind": r.监测类别} for r in unvisited.itertuples(index=False)],
        "need": need,
        "by_kind": {k: int(pd.to_numeric(g["家庭人口"]).sum()) for k, g in mine.groupby("监测类别")},
    }


def drafts(env, plan, duty, period, roster: pd.DataFrame, visits: pd.DataFrame,
           submitted: set[str]) -> tuple[list, dict]:
    """A list to each county of its households not visited and those in need; a summary."""
    counties = []
    for unit in plan.owners(duty):
        c = coverage(roster, visits, unit.code)
        counties.append({"unit": unit, "name": unit.name, "sent": unit.code in submitted, **c})
    counties.sort(key=lambda c: (c["share"] is not None, c["share"] or 0))  # the worst first
    common = {"plan": plan, "operator": plan.unit(plan.operator), "duty": duty, "period": period,
              "due_text": when(period.due)}
    out = []
    for c in counties:
        if c["unvisited"] or c["need"]:
            subject, text, html = render(env, "visits-county", common | {"c": c})
            out.append(Draft(OutboxKey(duty.id, period.id, c["unit"].code, "visits-list"),
                             [c["unit"].email], subject, text, html))
    totals = {k: sum(c[k] for c in counties) for k in ("households", "people", "visited")}
    totals["need"] = sum(len(c["need"]) for c in counties)
    by_kind = {k: sum(c["by_kind"].get(k, 0) for c in counties) for k in duty.monitored_people}
    context = common | {"counties": counties, "totals": totals, "by_kind": by_kind,
                        "planned": duty.monitored_people,
                        "recipients_names": "、".join(plan.unit(r).name for r in duty.recipients)}
    subject, text, html = render(env, "visits-summary", context)
    out.append(Draft(OutboxKey(duty.id, period.id, plan.operator, "summary"),
                     [plan.unit(r).email for r in duty.recipients], subject, text, html))
    return out, context
