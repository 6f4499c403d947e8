"""The plan: units, groups, templates and duties, every reference checked when it is loaded."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Literal

import yaml
from pydantic import ConfigDict, Field, ValidationError, model_validator

from sprint.domain.plan.base import PlanError, Strict
from sprint.domain.plan.duties import Duty
from sprint.domain.plan.ledgers import Template
from sprint.domain.plan.references import check_references
from sprint.domain.plan.robots import Robot, Robots
from sprint.domain.plan.schedules import (
    Deployment,
    check_deployments,
    group_deployments,
    review_deployments,
)

# Found where the package is, checkout or site-packages (package data, not a path of the
# source tree); a plain file on disk either way, as the drill and the commands name it.
BUNDLED_PLAN = Path(str(files("sprint") / "plans" / "baicheng-2020.yaml"))


class Unit(Strict):
    """A unit of the plan. `division`: the six-digit administrative division code whose ID
    numbers count as issued in this unit's own county (an ID's first six digits); by default
    a numeric code's first six digits (a county's own code, a town's 9-digit or a village's
    12-digit code begins with its county's), none for a short code such as a zone's."""

    code: str
    name: str
    kind: Literal["county", "zone", "department", "group", "town", "village"]
    email: str = Field(pattern=r"^[^@\s<>,;\r\n]+@[^@\s<>,;\r\n]+\.[^@\s<>,;\r\n]+$")
    division: str | None = Field(default=None, pattern=r"^[1-9][0-9]{5}$")
    robot: Robot | None = None  # its group chat's robot, beside mail (sprint/chat)

    @property
    def division_code(self) -> str | None:
        if self.division is not None:
            return self.division
        return self.code[:6] if self.code.isdigit() and len(self.code) >= 6 else None


class Limits(Strict):
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
    readers_at_once: int = Field(default=2, gt=0)  # fenced children on the machine at once
    reader_cpu_seconds: int = Field(default=60, gt=0)
    reader_wall_seconds: float = Field(default=120, gt=0)
    max_problems: int = Field(default=1000, gt=0)  # listed per refused file; the rest counted
    # A message left 'sending' this long is in doubt, even if a process with the pid that
    # claimed it is alive: pids are reused, and no message takes this long to send.
    sending_stale_minutes: float = Field(default=60, gt=0)


class Sprint(Strict):
    start: dt.date
    days: int = Field(gt=0)
    says: str | None = None

    @property
    def end(self) -> dt.date:
        return self.start + dt.timedelta(days=self.days - 1)


class CalendarRules(Strict):
    """month_end: where a due date on a month's last day goes when that is a rest day (every
    other due date on a rest day moves to the next working day). clip_to_sprint: a period that
    would fall due after the sprint's last day falls due on it."""

    month_end: Literal["last_workday_before", "next_workday"] = "last_workday_before"
    clip_to_sprint: bool = True


class Notices(Strict):
    clause: str  # where the plan says units falling behind are named: 四（三）
    says: str
    expire_after_workdays: int = Field(default=2, ge=1)
    told_workdays_before: int = Field(default=1, ge=0)


class Plan(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    city: str
    year: int
    title: str
    campaign: str  # the short name every subject starts with, in 【】
    campaign_title: str  # the banner of every mail, after the city's name
    document: str
    # Read, and held to Beijing time: the working days are China's official calendar and every
    # time the system writes says 北京时间, so a plan in another zone would be silently wrong.
    timezone: Literal["Asia/Shanghai"] = "Asia/Shanghai"
    whole: str | None = None  # all units together, in a figure of `scope: city`; default below
    sprint: Sprint
    calendar: CalendarRules = CalendarRules()
    limits: Limits = Limits()
    robots: Robots = Robots()
    operator: str
    leading_group: str
    notices: Notices
    flows: dict[str, str]  # deployment group -> its title
    deployments: tuple[Deployment, ...] = ()  # when each group runs; none: only by hand
    units: tuple[Unit, ...]
    groups: dict[str, tuple[str, ...]]
    templates: dict[str, Template]
    duties: tuple[Duty, ...]

    @model_validator(mode="after")
    def _references_resolve(self) -> Plan:
        check_references(self)
        check_deployments(self)
        return self

    @cached_property
    def _units_by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    @cached_property
    def _duties_by_id(self) -> dict[str, Duty]:
        return {d.id: d for d in self.duties}

    @property
    def everyone(self) -> str:
        """The words for all units together (全市 for a city's plan, 全县 for a county's)."""
        if self.whole:
            return self.whole
        return f"全{self.city[-1]}" if self.city[-1:] in ("市", "县", "区", "旗", "州", "盟") else "合计"

    @property
    def dispatch_name(self) -> str | None:
        """The name of the plan's regular dispatch report, where expired drafts are named."""
        return next((d.dispatch for d in self.duties if d.dispatch), None)

    def division(self, code: str | None) -> str | None:
        """The division code an ID number of this unit's own county begins with."""
        if code in self._units_by_code:
            return self._units_by_code[code].division_code
        return code[:6] if code and code.isdigit() and len(code) >= 6 else None

    def has_unit(self, code: str) -> bool:
        return code in self._units_by_code

    def unit(self, code: str) -> Unit:
        try:
            return self._units_by_code[code]
        except KeyError:
            raise PlanError(f"the plan has no unit with the code {code!r}") from None

    def duty(self, duty_id: str) -> Duty:
        try:
            return self._duties_by_id[duty_id]
        except KeyError:
            known = ", ".join(d.id for d in self.duties)
            raise PlanError(f"the plan has no duty {duty_id!r} (known: {known})") from None

    def group(self, code: str) -> list[str]:
        """The unit codes a group or a unit code stands for."""
        return list(self.groups.get(code, (code,)))

    def owners(self, duty: Duty) -> list[Unit]:
        expanded: list[str] = []
        for code in duty.owner_codes:
            expanded.extend(c for c in self.group(code) if c not in expanded)
        return [self.unit(c) for c in expanded]

    def template_of(self, duty: Duty) -> Template:
        if duty.template is None:
            raise PlanError(f"duty {duty.id!r} has no ledger template")
        return self.templates[duty.template]

    def owner_kinds(self, duty: Duty) -> list[str]:
        """The kinds of the duty's owners (templates/_owners.txt says them in words)."""
        return sorted({u.kind for u in self.owners(duty)})

    def in_flow(self, flow: str) -> list[Duty]:
        return [d for d in self.duties if d.flow == flow]

    def group_deployments(self) -> tuple[Deployment, ...]:
        """Every group's deployments, a group the plan gives none one to run it by hand."""
        return group_deployments(self)

    def review_deployments(self) -> tuple[Deployment, ...]:
        """The review form's deployments (run by hand): the plan's, else one named `review`."""
        return review_deployments(self)

    def missing_baselines(self) -> list[tuple[str, str, str, list[str]]]:
        """(duty, target, what, units' names) for every baseline the office has not given yet:
        those units' figures are shown and not judged until it is."""
        out = []
        for d in self.duties:
            for t in d.targets:
                if t.baseline:
                    held = self.group(t.units) if t.units else [u.code for u in self.owners(d)]
                    missing = [self.unit(c).name for c in held if c not in t.at_least_by_unit]
                    if missing:
                        out.append((d.id, t.id, t.words.get("threshold", "基数"), missing))
        return out


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
