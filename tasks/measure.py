"""Computing where every unit stands, and the period summary when one is due."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from prefect import task

from sprint.calendar import Period, open_and_closing, periods
from sprint.compiled import compile_ledger
from sprint.status import Rates, Standing, rates, standings
from tasks.context import settings, store


@dataclass
class Measured:
    periods: list[Period]
    everything: list[Standing]  # every period so far, for the status table
    active: list[Standing]  # the closing and the open period: who gets reminders
    rates: Rates
    closing: list[Standing]  # the period just due: its rows, once its due time has passed
    ledger: pd.DataFrame | None  # the closing period's compiled ledger


@task(name="measure")
def measure(duty_id: str, now: dt.datetime) -> Measured:
    s = settings()
    plan = s.plan
    duty = plan.duty(duty_id)
    all_periods = periods(duty)
    units = [u.code for u in plan.owners(duty)]
    receipts = store(s).receipts(duty_id)
    started = [p for p in all_periods if p.opens <= now or p.due <= now]
    everything = standings(started, units, receipts, now)
    active_ids = {p.id for p in open_and_closing(all_periods, now)}
    active = [x for x in everything if x.period.id in active_ids]
    closing = [p for p in all_periods if p.due < now][-1:]
    rows = [x for x in everything if closing and x.period.id == closing[0].id]
    ledger = compile_ledger(plan, duty.template, rows) if rows and duty.template else None
    return Measured(all_periods, everything, active, rates(everything, now), rows, ledger)
