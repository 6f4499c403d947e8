"""The compiled ledger of a period: the version of each unit's file that counts, stacked."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sprint.ledger import validate_file
from sprint.measures import UNIT_COLUMN
from sprint.plan import Plan
from sprint.status import Standing


def compile_ledger(plan: Plan, template_key: str, rows: list[Standing]) -> pd.DataFrame:
    """Rows of every submitted unit's counting version, with the unit's code and name in front."""
    template = plan.templates[template_key]
    names = [c.name for c in template.columns]
    parts = []
    for s in rows:
        if not s.state.submitted or s.receipt is None:
            continue
        verdict = validate_file(Path(s.receipt.kept_path), plan, s.unit, s.receipt.received_at.date())
        frame = verdict.ledger.reindex(columns=names)
        frame.insert(0, "单位名称", plan.unit(s.unit).name)
        frame.insert(0, UNIT_COLUMN, s.unit)
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=[UNIT_COLUMN, "单位名称", *names])
    return pd.concat(parts, ignore_index=True)
