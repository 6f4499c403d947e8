"""The cross-check findings of the files taken in since the last dispatch, for the office:
ID numbers masked (the report is not the unit's own reply)."""

from __future__ import annotations

import datetime as dt
import re

from sprint.domain.calendar import BEIJING, period_by_id, periods
from sprint.domain.engine.book import Book
from sprint.domain.filenames import as_sent
from sprint.domain.idcard import mask
from sprint.domain.plan import Plan

_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def masked(text: str) -> str:
    return _ID.sub(lambda m: mask(m.group()), text)


def found_since(plan: Plan, book: Book, since: dt.datetime, now: dt.datetime) -> list[dict]:
    """Each accepted file received in (since, now] with findings: unit, ledger, file, reasons."""
    out = []
    for r in book.receipts:
        if not (r.accepted and since < r.received_at <= now) or not r.checks:
            continue
        out.append({"unit": plan.unit(r.unit).name, "template": plan.templates[r.template].name,
                    "file_name": as_sent(r.file_name),
                    "reasons": [masked(p["reason"]) for p in r.checks]})
    return out


def open_unlocks(plan: Plan, book: Book, now: dt.datetime) -> list[str]:
    """Each exception to a lock still open at `now`: unit, duty, period, end date, reason, who."""
    out = []
    for u in book.unlocks:
        if u.until < now.astimezone(BEIJING).date():
            continue
        duty = plan.duty(u.duty)
        period = period_by_id(periods(plan, duty), u.period)
        label = period.label() if period else u.period
        out.append(f"{plan.unit(u.unit).name}《{duty.title}》报送期{label}：可补报至"
                   f"{u.until.year}年{u.until.month}月{u.until.day}日，原因：{u.reason}，"
                   f"开放人：{u.opened_by}")
    return out
