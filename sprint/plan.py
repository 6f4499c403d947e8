"""The plan file: units, templates and duties, checked when loaded."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

BUNDLED_PLAN = Path(__file__).parent / "plans" / "baicheng-2020.yaml"


class PlanError(ValueError):
    """The plan file cannot be used; the message names the key and the problem."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(_Strict):
    code: str
    name: str
    kind: Literal["county", "zone", "department", "group"]
    email: str = Field(pattern=r"^[^@\s<>,;\r\n]+@[^@\s<>,;\r\n]+\.[^@\s<>,;\r\n]+$")


ColumnType = Literal["text", "integer", "number", "date", "choice", "id_number", "mobile"]


class Column(_Strict):
    name: str
    type: ColumnType
    required: bool = True
    unique: bool = False
    choices: tuple[str, ...] = ()
    min_length: int | None = None
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    not_future: bool = False
    not_before: dt.date | None = None
    age: tuple[int, int] | None = None
    required_when: dict[str, tuple[str, ...]] = {}  # required when any of these columns has a value listed
    empty_unless: dict[str, tuple[str, ...]] = {}  # must stay empty unless that holds
    required_when_filled: str | None = None  # required when this other column is filled
    within_period: bool = False  # a date that must fall inside the period the file reports

    @model_validator(mode="after")
    def _choices_only_for_choice(self) -> Column:
        if (self.type == "choice") != bool(self.choices):
            raise ValueError("a 'choice' column needs 'choices', and only it may have them")
        return self


class Template(_Strict):
    name: str
    clause: str
    columns: tuple[Column, ...]
    duty_column: str | None = None  # one template for many duties: this column names the duty

    @cached_property  # asked for by every header candidate of every file
    def required_names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns if c.required)


class Cadence(_Strict):
    """Every `every_days` days from `first_due`, or monthly (each calendar month, due on
    `due_day` of the month after, or on its last day when `due_day` is 'last')."""

    first_due: dt.date
    every_days: int | None = Field(default=None, gt=0)
    monthly: bool = False
    due_day: int | Literal["last"] = 5
    until: dt.date
    due_time: dt.time = dt.time(17, 0)

    @model_validator(mode="after")
    def _one_rhythm(self) -> Cadence:
        if (self.every_days is None) == (not self.monthly):
            raise ValueError("give either every_days or monthly: true")
        return self


class Reminders(_Strict):
    offsets: tuple[int, ...]
    time: dt.time = dt.time(9, 0)

    @model_validator(mode="after")
    def _sorted(self) -> Reminders:
        if list(self.offsets) != sorted(set(self.offsets)):
            raise ValueError("offsets must be distinct and in increasing order")
        return self


class AgeRule(_Strict):
    column: str
    min: int
    max: int


class Target(_Strict):
    """A figure computed from a ledger and held against a threshold.

    rows: rows matching `where`; share: rows matching `hit` among the eligible ones; ratio:
    sum of `numerator` columns over sum of `denominator` columns; sum: the sum of `column`.
    Per unit, or for the whole city (`scope: city`).
    """

    id: str
    clause: str
    title: str
    metric: Literal["rows", "share", "ratio", "sum"]
    where: dict[str, tuple[str, ...]] = {}
    eligible: dict[str, tuple[str, ...]] = {}
    eligible_age: AgeRule | None = None
    hit: dict[str, tuple[str, ...]] = {}
    numerator: tuple[str, ...] = ()
    denominator: tuple[str, ...] = ()
    column: str | None = None
    scope: Literal["unit", "city"] = "unit"
    at_least: float | None = None
    at_most: float | None = None
    stretch: float | None = None
    at_least_by_unit: dict[str, int] = {}
    average: str | None = None
    count_also: dict[str, tuple[str, ...]] = {}


class Progress(_Strict):
    """How far a deadline is met, from a ledger: the share of `where` rows that are `done`."""

    duty: str
    where: dict[str, tuple[str, ...]] = {}
    done: dict[str, tuple[str, ...]]


class Procedure(_Strict):
    """The exit procedure's rules (clause 15): each is plan data."""

    people: int
    income_line: float
    publicity_days: int
    stalled_days: int
    start_by: dt.date
    guarantees: tuple[str, ...]
    stages: tuple[str, ...]


class Duty(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    kind: Literal["recurring", "deadline", "target", "event", "procedure"]
    clause: str | tuple[str, ...]
    title: str
    flow: str
    owners: str | tuple[str, ...]
    recipients: tuple[str, ...]
    template: str | None = None
    cadence: Cadence | None = None
    due: dt.date | None = None
    due_time: dt.time = dt.time(17, 0)
    reminders: Reminders
    escalate: tuple[int, ...] = ()  # working days after the due date: 通报 to the leading group
    escalate_after_silent_periods: int | None = None
    progress: Progress | None = None
    targets: tuple[Target, ...] = ()
    monitored_people: dict[str, int] = {}
    procedure: Procedure | None = None

    @property
    def clauses(self) -> tuple[str, ...]:
        return (self.clause,) if isinstance(self.clause, str) else self.clause

    @property
    def clause_text(self) -> str:
        return "、".join(self.clauses)


class Limits(_Strict):
    """What intake reads at all, and what reading one file may cost.

    Bigger files are refused before they are opened; a sheet declaring more rows, columns or
    cells is refused before it is parsed; and every file is read in a child process (the fence)
    that may take `reader_memory_mb` more address space than it was forked with, and so many
    seconds of CPU and of wall time. The defaults fit a worker of 2 cores and 4 GB.
    """

    max_file_mb: float = Field(default=20, gt=0)
    max_unpacked_mb: float = Field(default=300, gt=0)
    max_rows: int = Field(default=200_000, gt=0)
    max_columns: int = Field(default=1_000, gt=0)
    max_cells: int = Field(default=5_000_000, gt=0)
    fence: bool = True  # false only to measure what the fence costs
    reader_memory_mb: float = Field(default=1536, gt=0)
    reader_cpu_seconds: int = Field(default=60, gt=0)
    reader_wall_seconds: float = Field(default=120, gt=0)
    # A message left 'sending' this long is in doubt, even if a process with the pid that
    # claimed it is alive: pids are reused, and no message takes this long to send.
    sending_stale_minutes: float = Field(default=60, gt=0)


class Sprint(_Strict):
    start: dt.date
    days: int = Field(gt=0)

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)


class Plan(_Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    city: str
    year: int
    title: str
    document: str
    timezone: str
    sprint: Sprint
    limits: Limits = Limits()
    operator: str
    leading_group: str
    units: tuple[Unit, ...]
    groups: dict[str, tuple[str, ...]]
    templates: dict[str, Template]
    duties: tuple[Duty, ...]

    @model_validator(mode="after")
    def _references_resolve(self) -> Plan:
        codes = [u.code for u in self.units]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValueError(f"unit codes appear twice: {', '.join(dupes)}")
        known = set(codes)
        for key in ("operator", "leading_group"):
            if getattr(self, key) not in known:
                raise ValueError(f"{key}: no unit has the code {getattr(self, key)!r}")
        for name, members in self.groups.items():
            for code in members:
                if code not in known:
                    raise ValueError(f"groups.{name}: no unit has the code {code!r}")
        for i, duty in enumerate(self.duties):
            where = f"duties.{i} ({duty.id})"
            owners = [duty.owners] if isinstance(duty.owners, str) else list(duty.owners)
            for code in owners:
                if code not in known and code not in self.groups:
                    raise ValueError(f"{where}.owners: {code!r} is neither a unit nor a group")
            for code in duty.recipients:
                if code not in known:
                    raise ValueError(f"{where}.recipients: no unit has the code {code!r}")
            if duty.template is not None and duty.template not in self.templates:
                raise ValueError(f"{where}.template: no template is named {duty.template!r}")
            if duty.kind == "recurring" and duty.cadence is None:
                raise ValueError(f"{where}.cadence: a recurring duty needs a cadence")
            if duty.kind in ("deadline", "event") and duty.due is None:
                raise ValueError(f"{where}.due: a {duty.kind} needs its date")
            if duty.progress is not None and duty.progress.duty not in {d.id for d in self.duties}:
                raise ValueError(f"{where}.progress.duty: no duty is named {duty.progress.duty!r}")
            for t in duty.targets:
                for code in t.at_least_by_unit:
                    if code not in known:
                        raise ValueError(f"{where}.targets.{t.id}.at_least_by_unit: unknown unit {code!r}")
        return self

    @cached_property
    def _units_by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    def unit(self, code: str) -> Unit:
        try:
            return self._units_by_code[code]
        except KeyError:
            raise PlanError(f"the plan has no unit with the code {code!r}") from None

    def duty(self, duty_id: str) -> Duty:
        for duty in self.duties:
            if duty.id == duty_id:
                return duty
        known = ", ".join(d.id for d in self.duties)
        raise PlanError(f"the plan has no duty {duty_id!r} (known: {known})")

    def owners(self, duty: Duty) -> list[Unit]:
        codes = [duty.owners] if isinstance(duty.owners, str) else list(duty.owners)
        expanded: list[str] = []
        for code in codes:
            expanded.extend(c for c in self.groups.get(code, (code,)) if c not in expanded)
        return [self.unit(c) for c in expanded]

    def template_of(self, duty: Duty) -> Template:
        if duty.template is None:
            raise PlanError(f"duty {duty.id!r} has no ledger template")
        return self.templates[duty.template]


def load_plan(path: Path | str | None = None) -> Plan:
    """Read and check a plan file; a bad plan raises PlanError naming the key and the problem."""
    path = Path(path) if path else BUNDLED_PLAN
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise PlanError(f"plan file {path}: cannot be read ({e.strerror})") from None
    except yaml.YAMLError as e:
        raise PlanError(f"plan file {path}: not valid YAML ({e})") from None
    if not isinstance(raw, dict):
        raise PlanError(f"plan file {path}: the top level must be a mapping of keys")
    try:
        return Plan.model_validate(raw)
    except ValidationError as e:
        lines = []
        for err in e.errors():
            key = ".".join(str(p) for p in err["loc"]) or "(top level)"
            message = err["msg"].removeprefix("Value error, ")
            lines.append(f"  {key}: {message}")
        raise PlanError(f"plan file {path} has {len(lines)} problem(s):\n" + "\n".join(lines)) from None
