"""What a run owes, as plain data: a draft names its kind of message, who gets it, what it is
about and what it says; rendering it into a message is another step's work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from sprint.domain.calendar import BEIJING
from sprint.domain.plan import Plan
from sprint.domain.records import OutboxKey


@dataclass(frozen=True)
class Table:
    """A spreadsheet attachment: ID numbers in `masked` columns are masked when it is written."""

    filename: str
    frame: pd.DataFrame
    masked: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()  # columns written as dates, not date-times
    sheet: str = "汇总台账"


@dataclass(frozen=True)
class Chart:
    """Each unit's figure against its threshold, drawn as bars."""

    cid: str
    names: tuple[str, ...]
    values: tuple[float, ...]
    thresholds: tuple[float | None, ...]
    title: str
    value_label: str
    threshold_label: str


@dataclass
class Draft:
    kind: str  # the template set it is rendered with
    key: OutboxKey
    to: tuple[str, ...]  # unit codes
    context: dict
    parts: tuple[OutboxKey, ...] = ()  # the keys it settles, when it speaks for several
    tables: tuple[Table, ...] = ()
    chart: Chart | None = None
    heading: str = ""  # a line for the run's artifact

    @property
    def covers(self) -> tuple[OutboxKey, ...]:
        return self.parts or (self.key,)


def when(value: dt.datetime) -> str:
    return value.astimezone(BEIJING).strftime("%Y年%-m月%-d日 %H:%M")


def short_name(name: str) -> str:
    """A unit's name short enough for a chart's axis."""
    return name.removesuffix("旅游经济开发区").removesuffix("经济开发区")[:6]


def common(plan: Plan) -> dict:
    """What every message's template knows: the plan, who sends it (the operator) and who
    receives its 通报 (the leading group): every name a message says comes from the plan."""
    return {"plan": plan, "operator": plan.unit(plan.operator),
            "group": plan.unit(plan.leading_group)}
