"""The compiled ledger of a period: the version of each unit's file that counts, stacked."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from sprint.ledger import validate_file
from sprint.measures import UNIT_COLUMN
from sprint.plan import Plan
from sprint.status import Standing
from sprint.store import Receipt


def compile_ledger(plan: Plan, template_key: str, rows: list[Standing]) -> pd.DataFrame:
    """Rows of every submitted unit's counting version, with the unit's code and name in front."""
    return _stack(plan, template_key, [s.receipt for s in rows
                                       if s.state.submitted and s.receipt is not None])


def latest_ledger(plan: Plan, template_key: str, receipts: list[Receipt],
                  now: dt.datetime) -> pd.DataFrame:
    """Each unit's latest accepted file of a ledger received by `now`, whatever its period."""
    latest: dict[str, Receipt] = {}
    for r in receipts:
        if r.accepted and r.received_at <= now and r.template == template_key:
            latest[r.unit] = r
    return _stack(plan, template_key, list(latest.values()))


_LEDGERS: dict[tuple[int, str], pd.DataFrame] = {}  # kept files never change: read each once


def remember(plan: Plan, kept_path: str, ledger: pd.DataFrame) -> None:
    """Keep a ledger just validated at intake, so that compiling does not read it again."""
    _LEDGERS[(id(plan), kept_path)] = ledger


def _ledger_of(plan: Plan, r: Receipt) -> pd.DataFrame:
    key = (id(plan), r.kept_path)
    if key not in _LEDGERS:
        _LEDGERS[key] = validate_file(Path(r.kept_path), plan, r.unit, r.received_at.date()).ledger
    return _LEDGERS[key]


def _stack(plan: Plan, template_key: str, receipts: list[Receipt]) -> pd.DataFrame:
    template = plan.templates[template_key]
    names = [c.name for c in template.columns]
    parts = []
    for r in receipts:
        frame = _ledger_of(plan, r).reindex(columns=names)
        frame.insert(0, "单位名称", plan.unit(r.unit).name)
        frame.insert(0, UNIT_COLUMN, r.unit)
        parts.append(frame)
    if not parts:
        return pd.DataFrame(columns=[UNIT_COLUMN, "单位名称", *names])
    return pd.concat(parts, ignore_index=True)
