"""Ledger templates: the header row a unit's file must carry, and each column's rules."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from typing import Literal

from pydantic import ConfigDict, model_validator

from sprint.domain.plan.base import Strict, Values

ColumnType = Literal["text", "integer", "number", "date", "choice", "id_number", "mobile"]


class Column(Strict):
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
    age: tuple[int, int] | None = None  # an age from the ID number outside this refuses the row
    warn_age: tuple[int, int] | None = None  # outside this: a note in the reply, not a refusal
    warn_above: float | None = None  # above this: a note in the reply with `warn_reason`
    warn_reason: str = ""  # the office's reason for a note the plan's text does not state
    required_when: Values = {}  # required when any of these columns has a value listed
    empty_unless: Values = {}  # must stay empty unless that holds
    required_when_filled: str | None = None  # required when this other column is filled
    within_period: bool = False  # a date that must fall inside the period the file reports

    @model_validator(mode="after")
    def _choices_only_for_choice(self) -> Column:
        if (self.type == "choice") != bool(self.choices):
            raise ValueError("a 'choice' column needs 'choices', and only it may have them")
        if self.warn_above is not None and not self.warn_reason:
            raise ValueError("'warn_above' needs the office's 'warn_reason'")
        return self


class Template(Strict):
    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))

    name: str
    clause: str
    columns: tuple[Column, ...]
    duty_column: str | None = None  # one template for many duties: this column names the duty
    done: Values = {}  # a report of this template says "done" when every row holds this
    key: str | None = None  # what names a row across versions; default: the first unique column
    label: str | None = None  # shown beside the key when a row is named (a person's name)
    numbering: str | None = None  # a column that only numbers rows: no change when renumbered

    @cached_property  # asked for by every header candidate of every file
    def required_names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns if c.required)

    @cached_property
    def names(self) -> frozenset[str]:
        return frozenset(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def key_column(self) -> str | None:
        """The column a new version is compared on, row by row, with the one it replaces."""
        return self.key or next((c.name for c in self.columns if c.unique), None)

    @property
    def id_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.type == "id_number"]

    @property
    def date_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.type == "date"]

    @model_validator(mode="after")
    def _own_columns(self) -> Template:
        for name in [self.duty_column or "", self.key or "", self.label or "",
                     self.numbering or "", *self.done]:
            if name and name not in {c.name for c in self.columns}:
                raise ValueError(f"no column is named {name!r}")
        return self
