"""What every part of the plan file shares: strict models and the error a bad plan raises."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

Values = dict[str, tuple[str, ...]]  # a condition: each column holds one of its listed values


class PlanError(ValueError):
    """The plan file cannot be used; the message names the key and the problem."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
