"""The plan file as data: units, ledger templates and duties, checked when loaded."""

from sprint.domain.plan.base import PlanError, Values
from sprint.domain.plan.duties import Cadence, Duty, Reminders, Source
from sprint.domain.plan.ledgers import Column, Template
from sprint.domain.plan.measures import (
    AgeRule,
    Beside,
    Breakdown,
    Census,
    Coverage,
    Items,
    Procedure,
    Progress,
    Summary,
    Target,
)
from sprint.domain.plan.model import BUNDLED_PLAN, Limits, Plan, Unit, load_plan

__all__ = [
    "AgeRule", "BUNDLED_PLAN", "Beside", "Breakdown", "Cadence", "Census", "Column", "Coverage",
    "Duty", "Items", "Limits", "Plan", "PlanError", "Procedure", "Progress", "Reminders", "Source",
    "Summary", "Target", "Template", "Unit", "Values", "load_plan",
]
