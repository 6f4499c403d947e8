"""Duties: what each unit owes, when, who hears of it, and how it is measured."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from sprint.domain.plan.base import Strict
from sprint.domain.plan.checks import Checks
from sprint.domain.plan.measures import (
    Census,
    Coverage,
    Items,
    Procedure,
    Progress,
    Summary,
    Target,
)


class Cadence(Strict):
    """Every `every_days` days from `first_due`, or monthly (each calendar month, due on
    `due_day` of the month after, or on its last day when `due_day` is 'last')."""

    first_due: dt.date
    every_days: int | None = Field(default=None, gt=0)
    monthly: bool = False
    due_day: int | Literal["last"] = 5
    until: dt.date
    due_time: dt.time = dt.time(17, 0)
    office: str | None = None  # what of the rhythm the office chose, where the plan is silent

    @model_validator(mode="after")
    def _one_rhythm(self) -> Cadence:
        if (self.every_days is None) == (not self.monthly):
            raise ValueError("give either every_days or monthly: true")
        if not self.monthly and "due_day" in self.model_fields_set:
            raise ValueError("due_day is for a monthly cadence only: every_days counts from "
                             "first_due")
        if self.monthly:
            # first_due names the first period's due date: it must be on due_day, or the
            # plan would say one date and the system keep another.
            month_end = (self.first_due + dt.timedelta(days=1)).day == 1
            if self.due_day == "last" and not month_end:
                raise ValueError(f"first_due {self.first_due} contradicts due_day 'last': it "
                                 f"is not a month's last day")
            if self.due_day != "last" and self.first_due.day != self.due_day:
                raise ValueError(f"first_due {self.first_due} contradicts due_day "
                                 f"{self.due_day}: periods fall due on day {self.due_day} "
                                 f"of each month")
        return self


class Reminders(Strict):
    offsets: tuple[int, ...]
    time: dt.time = dt.time(9, 0)

    @model_validator(mode="after")
    def _sorted(self) -> Reminders:
        if list(self.offsets) != sorted(set(self.offsets)):
            raise ValueError("offsets must be distinct and in increasing order")
        return self


class Source(Strict):
    """Where a date comes from: the plan's words, or the office's choice and its reason.

    A date the plan sets binds (missing it can lead to a 通报); a date the office sets is a
    reminder date until the office marks it binding."""

    by: Literal["plan", "office"]
    says: str | None = None
    reading: str | None = None  # how the office reads words that name no single day
    reason: str | None = None
    binding: bool | None = None

    @property
    def binds(self) -> bool:
        return self.binding if self.binding is not None else self.by == "plan"

    @model_validator(mode="after")
    def _explained(self) -> Source:
        if self.by == "plan" and not self.says:
            raise ValueError("a date the plan sets quotes the plan's words in 'says'")
        if self.by == "office" and not self.reason:
            raise ValueError("a date the office sets gives its 'reason'")
        return self


class Duty(Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    kind: Literal["recurring", "deadline", "event", "procedure"]
    clause: str | tuple[str, ...]
    title: str
    says: str
    flow: str = Field(pattern=r"^[a-z][a-z0-9-]*$")  # the deployment group that runs it
    owners: str | tuple[str, ...]
    recipients: tuple[str, ...]
    template: str | None = None
    cadence: Cadence | None = None
    due: dt.date | None = None
    due_time: dt.time = dt.time(17, 0)
    source: Source | None = None
    reminders: Reminders
    escalate: tuple[int, ...] = ()  # working days after the due date: a 通报 draft
    escalate_after_silent_periods: int | None = None
    progress: Progress | None = None
    targets: tuple[Target, ...] = ()
    summary: Summary = Summary()
    census: Census | None = None
    items: Items | None = None
    dispatch: str | None = None  # the name of its period report as the dispatch (周调度)
    coverage: Coverage | None = None
    procedure: Procedure | None = None
    checks: Checks | None = None  # cross-checks between units and periods (plan/checks.py)
    # A file for a period arriving more than this many working days after its due time is
    # refused unless the operator opened an exception (`sprint unlock`); the plan is silent on
    # it, so the office gives its reason.
    expiry_workdays: int | None = Field(default=None, gt=0)
    expiry_reason: str | None = None

    @property
    def clauses(self) -> tuple[str, ...]:
        return (self.clause,) if isinstance(self.clause, str) else self.clause

    @property
    def clause_text(self) -> str:
        return "、".join(self.clauses)

    @property
    def owner_codes(self) -> tuple[str, ...]:
        return (self.owners,) if isinstance(self.owners, str) else self.owners

    @property
    def binds(self) -> bool:
        """Whether missing this duty's date can lead to a 通报."""
        return self.source is None or self.source.binds

    @model_validator(mode="after")
    def _shape(self) -> Duty:
        if self.kind in ("recurring", "procedure") and self.cadence is None:
            raise ValueError(f"a {self.kind} duty needs a cadence")
        if self.kind in ("deadline", "event"):
            if self.due is None:
                raise ValueError(f"a {self.kind} needs its date ('due')")
            if self.source is None:
                raise ValueError(f"a {self.kind}'s date needs its 'source' (by: plan or office)")
        if self.kind == "procedure" and self.procedure is None:
            raise ValueError("a procedure duty needs its 'procedure' rules")
        if self.summary.reviewed_only and not self.summary.reviewed_reason:
            raise ValueError("summary.reviewed_only needs the office's 'reviewed_reason'")
        if self.expiry_workdays is not None and not self.expiry_reason:
            raise ValueError("'expiry_workdays' needs the office's 'expiry_reason'")
        return self
