"""Cross-checks a duty declares: looks across units' ledgers of one period and across periods.

Each finding is a warning in the unit's acceptance and a line of the dispatch report; it
refuses the file only where the plan says so (`refuse`). The plan is silent on such checks:
each is the office's choice, with its `reason`."""

from __future__ import annotations

from pydantic import Field

from sprint.domain.plan.base import Strict, Values


class Jump(Strict):
    """A stock figure that moves implausibly from the unit's previous period: the column's
    total (of the rows `where` holds), or per `by` (a village), below `below` or above
    `above` times the last period's."""

    column: str
    where: Values = {}
    by: str | None = None
    below: float | None = Field(default=None, gt=0, lt=1)
    above: float | None = Field(default=None, gt=1)


class Roster(Strict):
    """Each row's person on the unit's latest roster (another duty's ledger), and its date
    not before the day the household entered it."""

    duty: str  # the roster's duty
    key: str  # this ledger's person column
    roster_key: str
    date: str | None = None  # this ledger's date (a visit's)
    since: str | None = None  # the roster's date of entry


class Checks(Strict):
    same_person: bool = False  # one ID number in two units' ledgers of the same period
    copied: bool = False  # a ledger identical to another unit's of the same period
    jumps: tuple[Jump, ...] = ()
    roster: Roster | None = None
    refuse: bool = False  # the plan's words make a finding a refusal
    reason: str  # why the office looks: the plan does not say these checks
