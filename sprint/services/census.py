"""A ledger at province or nation scale (the plan's duty with `census`, the labor ledger in
Baicheng's): each unit's file checked and measured on its own.

A city compiles its seven counties' ledgers into one table; a province has seventy units and the
nation 2,800, with 32 million rows between them, more than any one table or workbook should
hold. So each file is read, validated and reduced to its unit's figures, and only the figures
travel on: memory grows with the number of units, never with rows.
"""

from __future__ import annotations

import datetime as dt
import resource
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from sprint.domain import rules
from sprint.domain.plan import Duty, Plan, PlanError, Target
from sprint.domain.records import Problem
from sprint.reading import fence, one_verdict
from sprint.reading.ledger import validate_file
from sprint.reading.sheets import SUFFIXES

PROBLEMS_KEPT = 20  # per unit: enough for its reply; the count says how many there were


@dataclass
class UnitFigures:
    unit: str
    file: str
    rows: int = 0
    counted: int = 0  # rows the duty's count target counts (working away, in Baicheng's plan)
    by_kind: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    seconds: float = 0.0  # reading, validating and measuring this file
    peak_mb: float = 0.0  # the checking process's peak memory so far (resident)

    @property
    def accepted(self) -> bool:
        return self.problem_count == 0


def unit_files(inbox: Path) -> list[tuple[str, Path]]:
    """Each unit's newest ledger file: the inbox holds one folder per unit code."""
    found = []
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir()):
        files = [f for f in folder.iterdir() if f.is_file() and f.suffix.lower() in SUFFIXES]
        if files:
            found.append((folder.name, max(files, key=lambda f: (f.stat().st_mtime, f.name))))
    return found


def census_duty(plan: Plan) -> Duty:
    found = [d for d in plan.duties if d.census is not None]
    if not found:
        raise PlanError("no duty of the plan has 'census': nothing for `sprint census` to measure")
    return found[0]


def counted_target(duty: Duty) -> Target | None:
    """The figure the census counts per unit: the duty's first counting target."""
    return next((t for t in duty.targets if t.metric == "count"), None)


def check_file(path: Path, plan: Plan, unit: str, as_of: dt.date) -> UnitFigures:
    """Read, validate and measure one unit's file; nothing of its rows is kept."""
    start = time.perf_counter()
    duty = census_duty(plan)
    verdict = validate_file(path, plan, unit, as_of)
    figures = UnitFigures(unit, path.name, problems=verdict.problems[:PROBLEMS_KEPT],
                          problem_count=len(verdict.problems))
    ledger = verdict.ledger
    if verdict.template_key == duty.template and len(ledger):
        figures.rows = len(ledger)
        # Counted in Arrow, where the text already is: half the time of pandas' isin and
        # value_counts, which a nation's 2,800 files each pay.
        target = counted_target(duty)
        if target is not None:
            held = None
            for column, values in target.where.items():
                here = pc.is_in(rules.arrow(ledger[column].fillna("")), value_set=pa.array(values))
                held = here if held is None else pc.and_(held, here)
            figures.counted = (pc.sum(held).as_py() or 0) if held is not None else len(ledger)
        kinds = pc.value_counts(rules.arrow(ledger[duty.census.by].fillna("")))
        counted = zip(kinds.field("values").to_pylist(), kinds.field("counts").to_pylist(),
                      strict=True)
        figures.by_kind = dict(sorted(((k, n) for k, n in counted if k), key=lambda kn: -kn[1]))
    elif verdict.template_key is not None:
        figures.problems.insert(0, Problem(None, "", "", f"这是《{verdict.template.name}》，"
                                           f"不是《{plan.template_of(duty).name}》"))
        figures.problem_count += 1
    figures.seconds = time.perf_counter() - start
    figures.peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def check_batch(batch: list[tuple[str, str]], plan: Plan, as_of: dt.date,
                processes: int = 1) -> list[UnitFigures]:
    """Each unit's file of the batch checked, on `processes` cores of this machine.

    Each file is checked behind the fence (sprint/reading/fence.py), a forked child of its own: it
    starts with everything already imported (a fresh Python would spend seconds importing
    pandas and Arrow) and shares the plan without copying it; a file that crashes or exhausts
    its reader is that unit's refusal, not the batch's end."""
    calls = [(Path(path), plan, unit, as_of, processes > 1) for unit, path in batch]
    answers = fence.map_calls(_check_one, calls, plan.limits, processes)
    return [_figures(unit, Path(path), answer, plan.unit(plan.operator).name)
            for (unit, path), answer in zip(batch, answers, strict=True)]


def _check_one(path: Path, plan: Plan, unit: str, as_of: dt.date, shared: bool) -> UnitFigures:
    if shared:  # one of a process per core: Arrow's own threads would only contend
        pa.set_cpu_count(1)
    return check_file(path, plan, unit, as_of)


def _figures(unit: str, path: Path, answer, contact: str) -> UnitFigures:
    if isinstance(answer, UnitFigures):
        return answer
    if isinstance(answer, fence.Broken):
        verdict = one_verdict.refusal(one_verdict.BROKEN + one_verdict.ADVICE, answer.how)
    else:
        verdict = one_verdict.raised(path, answer, contact)
    return UnitFigures(unit, path.name, problems=verdict.problems, problem_count=1)


def batches(files: list[tuple[str, Path]], parallel: int, most: int = 500
            ) -> list[list[tuple[str, str]]]:
    """Units in batches, a task per batch, so task runs grow with units, never with rows:
    at least `parallel` batches (one per worker of a cluster), at most `most` units in one,
    the biggest files spread over them."""
    pairs = sorted(((unit, str(path)) for unit, path in files),
                   key=lambda p: -Path(p[1]).stat().st_size)
    count = min(len(pairs), max(parallel, -(-len(pairs) // most)))
    return [pairs[i::count] for i in range(count)]


@dataclass
class Census:
    figures: list[UnitFigures]
    silent: list[str]  # units of the plan with no file at all

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.figures)

    @property
    def refused(self) -> list[UnitFigures]:
        return [f for f in self.figures if not f.accepted]


def combine(plan: Plan, owners: list[str], results: list[list[UnitFigures]]) -> Census:
    figures = sorted((f for batch in results for f in batch), key=lambda f: f.unit)
    seen = {f.unit for f in figures}
    return Census(figures, [u for u in owners if u not in seen])
