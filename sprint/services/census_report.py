"""What the census says: each unit its own verdict and figures, the operator the whole table."""

from __future__ import annotations

import datetime as dt

from sprint.domain.engine.draft import Draft, common
from sprint.domain.plan import Duty, Plan
from sprint.domain.records import OutboxKey
from sprint.services.census import Census, UnitFigures, census_duty, combine, counted_target

KIND_UNIT, KIND_SUMMARY = "census-unit", "census-summary"
WORST_SHOWN = 30  # the summary's table: the units refused or silent first, then the largest


def judge(plan: Plan, results: list[list[UnitFigures]], as_of: dt.date
          ) -> tuple[Census, list[Draft]]:
    """The batches' figures as one census, and what it says to each unit and to the operator."""
    duty = census_duty(plan)
    whole = combine(plan, [u.code for u in plan.owners(duty)], results)
    return whole, drafts(plan, duty, whole, as_of)


def drafts(plan: Plan, duty: Duty, census: Census, as_of: dt.date) -> list[Draft]:
    target = counted_target(duty)
    base = common(plan) | {"duty": duty, "template": plan.template_of(duty), "as_of": as_of,
                           "counted_words": target.words.get("figure", target.title) if target else "",
                           "counted_rule": "；".join(f"{c}为{'、'.join(v)}" for c, v in target.where.items())
                           if target else ""}
    out = []
    for f in census.figures:
        unit = plan.unit(f.unit)
        # One reply per unit and file: a corrected file gets its own, the same file none again.
        key = OutboxKey(duty.id, as_of.isoformat(), unit.code, KIND_UNIT, f.file)
        out.append(Draft(KIND_UNIT, key, (unit.code,), base | {"unit": unit, "f": f}))
    names = {u.code: u.name for u in plan.units}
    rows = sorted(census.figures, key=lambda f: (f.accepted, -f.rows))[:WORST_SHOWN]
    context = base | {"census": census, "rows": rows, "names": names,
                      "silent": [names.get(u, u) for u in census.silent]}
    out.append(Draft(KIND_SUMMARY, OutboxKey(duty.id, as_of.isoformat(), plan.operator, KIND_SUMMARY),
                     tuple(duty.recipients), context))
    return out
