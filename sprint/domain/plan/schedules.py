"""When the plan's groups run: the deployments a plan carries, each with its schedules.

A schedule is Beijing time, as every date of the plan is (the engine's clock): an iCalendar rule
with its DTSTART, or a cron line of numbers. Both are checked when the plan loads, the way the
replay and a drill will read them, so a schedule nobody could follow never reaches Prefect.
"""

from __future__ import annotations

import re
from typing import Literal

from dateutil.rrule import rrulestr
from pydantic import Field, field_validator, model_validator

from sprint.domain.plan.base import Strict
from sprint.domain.shift import ShiftError, check_cron

INTAKE = "intake"  # the name of the deployment every plan gets that answers files as they land
# The office's review of accepted files (a form in the UI): not a group of duties, the same flow
# for every plan. A deployment whose `flow` is this runs it, by hand only; a plan that lists
# none gets one under this name.
REVIEW = "review"
REVIEW_ABOUT = "审核已接收的台账：逐份标为有疑问、已审核或已退回并附意见；有疑问、已退回的，报送单位收到一封附意见的邮件"
_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")


class Schedule(Strict):
    rrule: str | None = None
    cron: str | None = None
    # The engine counts every due time in Beijing time: a schedule in another zone would run
    # at hours the plan does not mean.
    timezone: Literal["Asia/Shanghai"] = "Asia/Shanghai"

    @model_validator(mode="after")
    def _one_rule(self) -> Schedule:
        if (self.rrule is None) == (self.cron is None):
            raise ValueError("give either rrule or cron")
        if self.cron is not None:
            try:
                check_cron(self.cron)
            except ShiftError as e:
                raise ValueError(str(e)) from None
        if self.rrule is not None:
            # Without DTSTART a rule counts its weeks from the day it is deployed: a biweekly
            # run would fire on the wrong Fridays.
            if "DTSTART:" not in self.rrule:
                raise ValueError("rrule needs DTSTART:YYYYMMDDTHHMMSS, the first time it runs "
                                 "(an every-other-week rule counts its weeks from it)")
            try:
                start = rrulestr(self.rrule, forceset=True)[0]
            except (ValueError, IndexError, TypeError) as e:
                raise ValueError(f"rrule {self.rrule!r} cannot be read ({e or 'no time'})") from None
            if start.tzinfo is not None:
                raise ValueError("rrule: write DTSTART as Beijing time without a zone "
                                 "(no TZID, no Z)")
        return self

    def as_prefect(self) -> dict:
        """The schedule as prefect.yaml writes it."""
        rule = {"rrule": self.rrule} if self.rrule is not None else {"cron": self.cron}
        return rule | {"timezone": self.timezone}


class Deployment(Strict):
    """One deployment of a group's flow: its name in the UI and `sprint run`, what it does in
    the operator's words, and when it runs (none: only by hand)."""

    name: str = Field(pattern=_NAME.pattern)
    flow: str  # the plan's group it runs, or `review`: the review form
    description: str | None = None  # after its schedule in words; default the group's title
    schedules: tuple[Schedule, ...] = ()

    @field_validator("name")
    @classmethod
    def _not_reserved(cls, name: str) -> str:
        if name == INTAKE:
            raise ValueError(f"{INTAKE!r} is the deployment that answers files as they land; "
                             "give this one another name")
        return name


def check_deployments(plan) -> None:
    """Each deployment runs a group of the plan, or the review form by hand only, under a name
    of its own; a group the plan gives no deployment gets one named for it (run by hand), and
    the review form one named `review`, which must not clash either."""
    if REVIEW in plan.flows:
        raise ValueError(f"flows: {REVIEW!r} is the name of the review form's flow; give the "
                         "group another name")
    names: dict[str, str] = {}
    for i, d in enumerate(plan.deployments):
        if d.flow == REVIEW and d.schedules:
            raise ValueError(f"deployments.{i} ({d.name}): the review waits for a person's "
                             "decision in its form, so it runs only by hand: schedules: []")
        if d.flow not in plan.flows and d.flow != REVIEW:
            raise ValueError(f"deployments.{i} ({d.name}).flow: {d.flow!r} is not one of the "
                             f"plan's flows ({', '.join(plan.flows)}), nor {REVIEW!r} "
                             "(the review form)")
        if d.name in names:
            raise ValueError(f"deployments.{i}: the name {d.name!r} appears twice")
        names[d.name] = d.flow
    if REVIEW not in names.values() and REVIEW in names:
        raise ValueError(f"deployments: the name {REVIEW!r} is the review form's when the plan "
                         f"lists no deployment of it (flow: {REVIEW}); give this one another name")
    for group in plan.flows:
        if group in names.values():
            continue
        if group in names or group == INTAKE or not _NAME.fullmatch(group):
            raise ValueError(f"deployments: the group {group!r} has no deployment, and its own "
                             "name cannot be one (taken, or not lowercase letters, digits and "
                             "'-'): give it a deployment with schedules: [] to run it by hand")


def group_deployments(plan) -> tuple[Deployment, ...]:
    """Every deployment of the plan's groups, in the plan's order: those it lists, then one for
    each group it gives none, named for the group, that runs only by hand (仅手动运行)."""
    mine = [d for d in plan.deployments if d.flow != REVIEW]
    listed = {d.flow for d in mine}
    by_hand = tuple(Deployment.model_construct(name=g, flow=g, description=None, schedules=())
                    for g in plan.flows if g not in listed)
    return tuple(d if d.description else d.model_copy(update={"description": plan.flows[d.flow]})
                 for d in (*mine, *by_hand))


def review_deployments(plan) -> tuple[Deployment, ...]:
    """The review form's deployments: those the plan lists, else one named `review`; always by
    hand (the form waits for a person)."""
    listed = [d for d in plan.deployments if d.flow == REVIEW] or [
        Deployment.model_construct(name=REVIEW, flow=REVIEW, description=None, schedules=())]
    return tuple(d if d.description else d.model_copy(update={"description": REVIEW_ABOUT})
                 for d in listed)
