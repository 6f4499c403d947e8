"""An accepted ledger checked against the other units' ledgers of its period and the unit's
own of the period before, by the duty's `checks` in the plan (sprint/domain/crosscheck.py).

A finding is a warning in the unit's acceptance and a line of the dispatch report; it refuses
the file only when the plan says `refuse: true`."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from sprint.domain.calendar import periods
from sprint.domain.crosscheck import findings
from sprint.domain.records import Problem, Receipt
from sprint.reading.one_verdict import masked
from sprint.services.context import QUIET, Log, Services
from sprint.services.intake import Judgement
from sprint.services.versions import Latest


def _frame(services: Services, entry: Receipt | pd.DataFrame) -> pd.DataFrame:
    return services.shelf.ledger(entry) if isinstance(entry, Receipt) else entry


def checked(services: Services, j: Judgement, known: Latest, log: Log = QUIET) -> Judgement:
    """The judgement with the findings of its duty's cross-checks (`known`: the last accepted
    ledger of each (unit, duty, period), this run's included)."""
    if not j.accepted or j.duty.checks is None or j.verdict.template is None:
        return j
    plan, duty, unit = services.plan, j.duty, j.arrival.unit
    try:
        others = [(plan.unit(u).name, _frame(services, entry))
                  for (u, d, p), entry in sorted(known.items(), key=lambda kv: kv[0])
                  if d == duty.id and p == j.period and u != unit]
        ids = [p.id for p in periods(plan, duty)]
        at = ids.index(j.period)
        before = known.get((unit, duty.id, ids[at - 1])) if at > 0 else None
        found = findings(duty.checks, j.verdict.template, j.verdict.ledger, others,
                         None if before is None else _frame(services, before),
                         _roster(services, duty.checks, unit, known))
    except Exception:  # a check that cannot be worked out never costs the unit its file
        log.exception("%s/%s：交叉核查时出错", unit, j.arrival.path.name)
        return j
    if not found:
        return j
    # the log is the operator's, not the unit's: ID numbers in it are masked
    log.warning("%s/%s：交叉核查 %d 条：%s", unit, j.arrival.path.name, len(found),
                masked(found[0][1]))
    if duty.checks.refuse:
        j.verdict.problems.extend(Problem(None, "", "", reason) for _, reason in found)
        return j
    return replace(j, checks=tuple(found))


def _roster(services: Services, checks, unit: str, known: Latest):
    """The unit's latest roster ledger (its last period's accepted file), named."""
    if checks.roster is None:
        return None
    duty = services.plan.duty(checks.roster.duty)
    mine = sorted(p for (u, d, p) in known if u == unit and d == duty.id)
    if not mine:
        return None
    entry = known[(unit, duty.id, mine[-1])]
    return services.plan.template_of(duty).name, _frame(services, entry)
