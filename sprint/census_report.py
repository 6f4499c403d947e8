"""What the census says: each unit its own verdict and figures, the operator the whole table."""

from __future__ import annotations

import datetime as dt

from jinja2 import Environment

from sprint.census import Census
from sprint.mail.compose import Draft, render
from sprint.plan import Duty, Plan
from sprint.store import OutboxKey

KIND_UNIT, KIND_SUMMARY = "census-unit", "census-summary"
WORST_SHOWN = 30  # the summary's table: the units refused or silent first, then the largest


def drafts(env: Environment, plan: Plan, duty: Duty, census: Census, as_of: dt.date) -> list[Draft]:
    common = {"plan": plan, "operator": plan.unit(plan.operator), "duty": duty,
              "template": plan.templates[duty.template], "as_of": as_of}
    out = []
    for f in census.figures:
        unit = plan.unit(f.unit)
        subject, text, html = render(env, KIND_UNIT, common | {"unit": unit, "f": f})
        # One reply per unit and file: a corrected file gets its own, the same file none again.
        key = OutboxKey(duty.id, as_of.isoformat(), unit.code, KIND_UNIT, f.file)
        out.append(Draft(key, [unit.email], subject, text, html))
    names = {u.code: u.name for u in plan.units}
    rows = sorted(census.figures, key=lambda f: (f.accepted, -f.rows))[:WORST_SHOWN]
    context = common | {"census": census, "rows": rows, "names": names,
                        "silent": [names.get(u, u) for u in census.silent]}
    subject, text, html = render(env, KIND_SUMMARY, context)
    to = [plan.unit(u).email for u in duty.recipients]
    out.append(Draft(OutboxKey(duty.id, as_of.isoformat(), plan.operator, KIND_SUMMARY),
                     to, subject, text, html))
    return out
