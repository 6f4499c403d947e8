"""The labor ledger at province or nation scale: each unit's file checked and measured on its own.

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

from sprint import fence, one_verdict, rules
from sprint.ledger import Problem, validate_file
from sprint.plan import Plan
from sprint.reading import SUFFIXES

AWAY = ("省外", "省内县外")  # working outside the county: the figure the plan's target counts
PROBLEMS_KEPT = 20  # per unit: enough for its reply; the count says how many there were


@dataclass
class UnitFigures:
    unit: str
    file: str
    rows: int = 0
    away: int = 0
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


def check_file(path: Path, plan: Plan, unit: str, as_of: dt.date) -> UnitFigures:
    """Read, validate and measure one unit's file; nothing of its rows is kept."""
    start = time.perf_counter()
    verdict = validate_file(path, plan, unit, as_of)
    figures = UnitFigures(unit, path.name, problems=verdict.problems[:PROBLEMS_KEPT],
                          problem_count=len(verdict.problems))
    ledger = verdict.ledger
    if verdict.template_key == "labor" and len(ledger):
        figures.rows = len(ledger)
        # Counted in Arrow, where the text already is: half the time of pandas' isin and
        # value_counts, which a nation's 2,800 files each pay.
        where = rules.arrow(ledger["务工区域"].fillna(""))
        figures.away = pc.sum(pc.is_in(where, value_set=pa.array(AWAY))).as_py() or 0
        kinds = pc.value_counts(rules.arrow(ledger["人员类别"].fillna("")))
        counted = zip(kinds.field("values").to_pylist(), kinds.field("counts").to_pylist(),
                      strict=True)
        figures.by_kind = dict(sorted(((k, n) for k, n in counted if k), key=lambda kn: -kn[1]))
    elif verdict.template_key is not None and verdict.template_key != "labor":
        figures.problems.insert(0, Problem(None, "", "", f"这是《{verdict.template.name}》，"
                                           "不是贫困劳动力转移就业台账"))
        figures.problem_count += 1
    figures.seconds = time.perf_counter() - start
    figures.peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return figures


def check_batch(batch: list[tuple[str, str]], plan: Plan, as_of: dt.date,
                processes: int = 1) -> list[UnitFigures]:
    """Each unit's file of the batch checked, on `processes` cores of this machine.

    Each file is checked behind the fence (sprint/fence.py), a forked child of its own: it
    starts with everything already imported (a fresh Python would spend seconds importing
    pandas and Arrow) and shares the plan without copying it; a file that crashes or exhausts
    its reader is that unit's refusal, not the batch's end."""
    calls = [(Path(path), plan, unit, as_of, processes > 1) for unit, path in batch]
    answers = fence.map_calls(_check_one, calls, plan.limits, processes)
    return [_figures(unit, Path(path), answer)
            for (unit, path), answer in zip(batch, answers, strict=True)]


def _check_one(path: Path, plan: Plan, unit: str, as_of: dt.date, shared: bool) -> UnitFigures:
    if shared:  # one of a process per core: Arrow's own threads would only contend
        pa.set_cpu_count(1)
    return check_file(path, plan, unit, as_of)


def _figures(unit: str, path: Path, answer) -> UnitFigures:
    if isinstance(answer, UnitFigures):
        return answer
    if isinstance(answer, fence.Broken):
        verdict = one_verdict.refusal(one_verdict.BROKEN + one_verdict.ADVICE, answer.how)
    else:
        verdict = one_verdict.raised(path, answer)
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
