"""Every name the plan uses must resolve: unit codes, groups, duties, templates and the columns
each rule reads. A wrong one stops the plan from loading, with the key that holds it."""

from __future__ import annotations


def check_references(plan) -> None:
    """`plan` is the Plan being loaded (model.py calls this from its validator; typed loosely so
    that this module and the model do not import each other)."""
    codes = [u.code for u in plan.units]
    dupes = sorted({c for c in codes if codes.count(c) > 1})
    if dupes:
        raise ValueError(f"unit codes appear twice: {', '.join(dupes)}")
    known = set(codes)
    for key in ("operator", "leading_group"):
        if getattr(plan, key) not in known:
            raise ValueError(f"{key}: no unit has the code {getattr(plan, key)!r}")
    for name, members in plan.groups.items():
        for code in members:
            if code not in known:
                raise ValueError(f"groups.{name}: no unit has the code {code!r}")
    ids = [d.id for d in plan.duties]
    if len(ids) != len(set(ids)):
        raise ValueError(f"duty ids appear twice: {', '.join(sorted({i for i in ids if ids.count(i) > 1}))}")
    for i, duty in enumerate(plan.duties):
        _check_duty(plan, f"duties.{i} ({duty.id})", duty, known, set(ids))


def _check_duty(plan, where: str, duty, known: set[str], ids: set[str]) -> None:
    if duty.flow not in plan.flows:
        raise ValueError(f"{where}.flow: {duty.flow!r} is not one of the plan's flows")
    for code in duty.owner_codes:
        if code not in known and code not in plan.groups:
            raise ValueError(f"{where}.owners: {code!r} is neither a unit nor a group")
    for code in duty.recipients:
        if code not in known:
            raise ValueError(f"{where}.recipients: no unit has the code {code!r}")
    if duty.template is not None and duty.template not in plan.templates:
        raise ValueError(f"{where}.template: no template is named {duty.template!r}")
    if duty.cadence is not None and duty.cadence.until > plan.sprint.end:
        raise ValueError(f"{where}.cadence.until: {duty.cadence.until} is after the sprint's "
                         f"last day {plan.sprint.end}")
    own = plan.templates[duty.template].names if duty.template else frozenset()

    def need(key: str, names: set[str], template_of: str | None = None) -> None:
        columns = plan.templates[template_of].names if template_of else own
        missing = sorted(n for n in names if n not in columns)
        if missing:
            raise ValueError(f"{where}.{key}: the ledger has no column {', '.join(missing)}")

    for j, t in enumerate(duty.targets):
        need(f"targets.{j} ({t.id})", t.columns())
        for code in t.at_least_by_unit:
            if code not in known:
                raise ValueError(f"{where}.targets.{t.id}.at_least_by_unit: unknown unit {code!r}")
        if t.units is not None and t.units not in plan.groups:
            raise ValueError(f"{where}.targets.{t.id}.units: no group is named {t.units!r}")
        if t.baseline_from is not None:
            source = next((d for d in plan.duties if d.id == t.baseline_from.duty), None)
            if source is None or source.template is None:
                raise ValueError(f"{where}.targets.{t.id}.baseline_from: no duty with a ledger "
                                 f"is named {t.baseline_from.duty!r}")
            need(f"targets.{j} ({t.id}).baseline_from",
                 {t.baseline_from.unit, t.baseline_from.value}, source.template)
    if duty.summary.chart and duty.summary.chart not in {t.id for t in duty.targets}:
        raise ValueError(f"{where}.summary.chart: no target of this duty is {duty.summary.chart!r}")
    need("summary.breakdowns", {n for b in duty.summary.splits for n in (b.column, b.sum) if n})
    for b in duty.summary.splits:
        if duty.template and plan.templates[duty.template].column(b.column).type != "choice":
            raise ValueError(f"{where}.summary.breakdowns: {b.column!r} is not a choice column")
        if b.sum and plan.templates[duty.template].column(b.sum).type not in ("integer", "number"):
            raise ValueError(f"{where}.summary.breakdowns: {b.sum!r} is not a number column")
    for t in duty.targets:
        if t.over == "season" and duty.kind != "recurring":
            raise ValueError(f"{where}.targets.{t.id}.over: only a recurring ledger has a season")
    if duty.census is not None:
        need("census.by", {duty.census.by})
    if duty.items is not None:
        need("items", duty.items.columns())
    for key, other in (("progress.duty", duty.progress and duty.progress.duty),
                       ("coverage.roster", duty.coverage and duty.coverage.roster)):
        if other and other not in ids:
            raise ValueError(f"{where}.{key}: no duty is named {other!r}")
    if duty.progress is not None:
        source = plan.duty(duty.progress.duty)
        if source.template is None:
            raise ValueError(f"{where}.progress.duty: {source.id!r} has no ledger to measure")
        need("progress", duty.progress.columns(), source.template)
    if duty.coverage is not None:
        need("coverage", duty.coverage.columns())
        need("coverage (roster)", duty.coverage.roster_columns(),
             plan.duty(duty.coverage.roster).template)
    if duty.checks is not None:
        _check_cross_checks(plan, where, duty.checks, ids, need)
    if duty.procedure is not None:
        p = duty.procedure
        for role, names in p.columns_of().items():
            source = duty if role == "stages" else plan.duty(getattr(p, role)) \
                if getattr(p, role) in ids else None
            if source is None or source.template is None:
                raise ValueError(f"{where}.procedure.{role}: no duty with a ledger is named "
                                 f"{getattr(p, role)!r}")
            need(f"procedure ({role})", names, source.template)


def _check_cross_checks(plan, where: str, checks, ids: set[str], need) -> None:
    """The columns a duty's cross-checks read, in its own ledger and in its roster's."""
    for j, rule in enumerate(checks.jumps):
        need(f"checks.jumps.{j}", {rule.column, *rule.where, *([rule.by] if rule.by else [])})
    roster = checks.roster
    if roster is None:
        return
    if roster.duty not in ids:
        raise ValueError(f"{where}.checks.roster.duty: no duty is named {roster.duty!r}")
    source = plan.duty(roster.duty)
    if source.template is None:
        raise ValueError(f"{where}.checks.roster.duty: {roster.duty!r} has no ledger to check against")
    need("checks.roster", {roster.key, *([roster.date] if roster.date else [])})
    need(f"checks.roster ({roster.duty})",
         {roster.roster_key, *([roster.since] if roster.since else [])}, source.template)
