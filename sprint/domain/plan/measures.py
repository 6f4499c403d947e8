"""What the plan measures in the ledgers: targets, deadline progress, items to close, visit
coverage and the exit procedure. Each names the columns it reads, so a plan whose rule names a
column its ledger lacks is refused when loaded."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import model_validator

from sprint.domain.plan.base import Strict, Values


class AgeRule(Strict):
    column: str
    min: int
    max: int


class BaselineFrom(Strict):
    """Thresholds read from another duty's ledger: a row per unit, named in `unit`, its figure
    in `value`; `by` says whose figure it is, in the summary."""

    duty: str
    unit: str
    value: str
    by: str = ""


class Beside(Strict):
    """Another population measured with the same formula and shown beside, never judged."""

    label: str
    population: Values
    words: dict[str, str]


class Target(Strict):
    """A figure computed from a ledger and held against a threshold.

    count: rows matching `where`; share: `hit` rows among the `eligible` rows of `population`;
    ratio: the sum of the `numerator` columns over the sum of the `denominator` columns; sum:
    the sum of `column`. Per unit, for the whole city (`scope: city`), or per value of the
    `each` column inside every unit (a village, a budget unit), so that no sum hides a part.
    Without a threshold the figure is reported, not judged.
    """

    id: str
    clause: str
    title: str
    says: str
    metric: Literal["count", "share", "ratio", "sum"]
    words: dict[str, str] = {}
    where: Values = {}
    population: Values = {}
    eligible: Values = {}
    eligible_age: AgeRule | None = None
    hit: Values = {}
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    column: str | None = None
    scope: Literal["unit", "city"] = "unit"
    units: str | None = None  # a group: only these units are held to the target
    each: str | None = None
    at_least: float | None = None
    noted_above: float | None = None  # above this is said, not counted as a failure
    stretch: float | None = None
    at_least_by_unit: dict[str, int] = {}
    # The threshold is a baseline the office gives per unit (last year's figure): until given
    # for a unit, its figure is shown and not judged. Says who gives it and from what.
    baseline: str | None = None
    baseline_from: BaselineFrom | None = None
    part_of_whole: bool = False  # the numerator is part of the denominator: over 100 % is wrong data
    household: str | None = None  # rows of one household (this key) are measured as one
    # A stock (counters operating): it stands until the unit reports it changed, so each
    # unit's latest accepted ledger counts, carried forward when it did not send this period.
    stock: bool = False
    city_total: bool = False  # per-unit figures added up beside them (全市合计)
    average: str | None = None
    average_words: str = "平均"
    count_also: Values = {}
    count_also_words: str = ""
    beside: tuple[Beside, ...] = ()
    # period: each period's ledger is held to the threshold; season: the periods' ledgers so
    # far are summed (a unit's counting file of each period), reported as a running figure
    # and judged once, in the summary of the duty's last period.
    over: Literal["period", "season"] = "period"

    @property
    def judged(self) -> bool:
        return self.at_least is not None or bool(self.at_least_by_unit) or bool(self.baseline)

    def columns(self) -> set[str]:
        names = {*self.where, *self.population, *self.eligible, *self.hit, *self.numerator,
                 *self.denominator, *self.count_also}
        names |= {n for b in self.beside for n in b.population}
        names |= {n for n in (self.column, self.each, self.average, self.household) if n}
        if self.eligible_age:
            names.add(self.eligible_age.column)
        return names

    @model_validator(mode="after")
    def _complete(self) -> Target:
        needs = {"ratio": ("numerator", "denominator"), "sum": ("column",)}.get(self.metric, ())
        for key in needs:
            if not getattr(self, key):
                raise ValueError(f"a '{self.metric}' target needs '{key}'")
        return self


class DateFloor(Strict):
    column: str
    date: dt.date


class Covers(Strict):
    column: str
    values: tuple[str, ...]


class Progress(Strict):
    """How far a deadline is met, from the unit's latest ledger of `duty`: the share of the
    `where` rows that are `done` (and, with `done_date_at_least`, whose date reaches it), or,
    with `covers`, whether the ledger names every listed value."""

    duty: str
    where: Values = {}
    done: Values = {}
    done_date_at_least: DateFloor | None = None
    covers: Covers | None = None

    def columns(self) -> set[str]:
        names = {*self.where, *self.done}
        names |= {x.column for x in (self.done_date_at_least, self.covers) if x}
        return names


class Items(Strict):
    """A ledger whose rows are items to close (the weekly roll-call of rectification)."""

    number: str
    open: Values
    closed: Values
    due: str
    closed_on: str

    def columns(self) -> set[str]:
        return {self.number, *self.open, *self.closed, self.due, self.closed_on}


class Coverage(Strict):
    """The month's visits held against the latest roster of another duty."""

    roster: str
    key: str
    place: tuple[str, ...]
    name: str
    category: str
    people: str
    guarantees: tuple[str, ...]
    lacking: str
    problem: str
    help: str
    newly: Values = {}
    planned: dict[str, int] = {}

    def columns(self) -> set[str]:
        return {self.key, *self.place, self.name, self.category, self.people, *self.guarantees,
                self.problem, self.help, *self.newly}

    def roster_columns(self) -> set[str]:
        return {self.key, *self.place, self.name, self.category, self.people, *self.newly}


class Procedure(Strict):
    """The exit procedure's rules and the columns of its four ledgers (clause 15)."""

    people: int
    start_by: dt.date
    situation: str
    members: str
    problems: str
    key: str
    place: tuple[str, ...]
    name: str
    size: str
    income: str
    income_line: float
    guarantees: tuple[str, ...]
    holds: str
    member_name: str
    relation: str
    problem_number: str
    problem_open: Values
    stage: str
    stage_date: str
    objection: Values
    stages: tuple[str, ...]
    not_started: str  # what a household that passed no stage is called
    publicity_stage: str
    publicity_days: int
    stalled_days: int

    def columns_of(self) -> dict[str, set[str]]:
        """The columns each ledger must have, by the role of the ledger."""
        return {
            "situation": {self.key, *self.place, self.name, self.size, self.income,
                          *self.guarantees},
            "members": {self.key, self.member_name, self.relation},
            "problems": {self.key, self.problem_number, *self.problem_open},
            "stages": {self.key, *self.place, self.name, self.stage, self.stage_date,
                       *self.objection},
        }

    @model_validator(mode="after")
    def _stages(self) -> Procedure:
        if self.publicity_stage not in self.stages:
            raise ValueError(f"publicity_stage {self.publicity_stage!r} is not one of the stages")
        return self


class Breakdown(Strict):
    """Each unit's rows by the categories of `column`: counted, or with `sum`, that quantity
    column added up (hectares sown by crop, not rows by crop)."""

    column: str
    sum: str | None = None


class Summary(Strict):
    """What a period's summary shows beside the targets: each unit by the categories of these
    columns (a bare name counts rows), and which target's figure is charted against its
    threshold."""

    breakdowns: tuple[str | Breakdown, ...] = ()
    chart: str | None = None
    reviewed_only: bool = False  # count only files marked 已审核: the office's choice, with
    reviewed_reason: str | None = None  # its reason (checked with the duty)

    @property
    def splits(self) -> tuple[Breakdown, ...]:
        return tuple(Breakdown(column=b) if isinstance(b, str) else b for b in self.breakdowns)


class Census(Strict):
    """`sprint census` measures this duty's ledger per unit, with rows per category of `by`."""

    by: str
