"""What one run of a deployment group owes: for every duty of the group, by its kind, the
states, the replies, the reminders, the summaries and the 通报 drafts, as plain data.

Behaviour comes from the plan: a duty's `kind` and its declared options (`targets`, `items`
with `dispatch`, `coverage`, `procedure`, `progress`) choose what is computed; no code here
names a duty.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sprint.domain.calendar import Period, periods
from sprint.domain.engine.baselines import given
from sprint.domain.engine.book import Book
from sprint.domain.engine.coverage import VISITS_LIST, coverage_owed
from sprint.domain.engine.deadline import deadline_owed, deadline_rows, event_rows, headway
from sprint.domain.engine.dispatch import ITEMS_LIST, dispatch_owed
from sprint.domain.engine.draft import Draft
from sprint.domain.engine.procedure import EXIT_LIST, procedure_owed
from sprint.domain.engine.recurring import measure, reminders, state_rows
from sprint.domain.engine.reminders import REMINDER, merged
from sprint.domain.engine.replies import replies
from sprint.domain.engine.reviews import review_marks
from sprint.domain.engine.season import season_of
from sprint.domain.engine.stock import stock_of
from sprint.domain.engine.summary import summary_draft, summary_key
from sprint.domain.plan import Plan
from sprint.domain.status import Rates

# What counts as telling a unit about a duty, for the rule that names only those told in time.
TOLD_BY = (REMINDER, ITEMS_LIST, VISITS_LIST, EXIT_LIST)


@dataclass
class Owed:
    drafts: list[Draft] = field(default_factory=list)  # to send now
    notices: list[Draft] = field(default_factory=list)  # 通报 drafts: a person decides
    rows: list[dict] = field(default_factory=list)  # every unit's standing, for the state table
    rates: list[tuple[str, Rates]] = field(default_factory=list)


def owed(plan: Plan, book: Book, flow: str, now: dt.datetime, rows: bool = True) -> Owed:
    """`rows`: also every unit's standing for the state table (a replay shows none)."""
    out = Owed()
    known: dict[tuple[str, str], Period] = {}
    ids = set()
    for duty in plan.in_flow(flow):
        ids.add(duty.id)
        if duty.kind in ("deadline", "event"):
            known.update(((duty.id, p.id), p) for p in periods(plan, duty))
            drafts, notices, states = deadline_owed(plan, book, duty, now, rows)
            out.drafts += drafts
            out.notices += notices
            out.rows += states
            continue
        m = measure(plan, book, duty, now)
        known.update(((duty.id, p.id), p) for p in m.periods)
        out.rates.append((duty.title, m.rates))
        out.rows += state_rows(plan, m, review_marks(book.receipts)) if rows else []
        out.drafts += reminders(plan, book, m, now)
        notices: list[Draft] = []
        if duty.dispatch and duty.items:
            drafts, notices = dispatch_owed(plan, book, m, now)
        elif duty.coverage:
            drafts = coverage_owed(plan, book, m, now)
        elif duty.procedure:
            drafts, notices = procedure_owed(plan, book, m, now)
        elif m.closing and summary_key(plan, duty.id, m.closing[0].period.id) not in book.recorded:
            ledger = book.period_ledger(duty.template, m.closing, duty.summary.reviewed_only)
            season = season_of(book, duty, m.everything, m.closing[0].period.id, len(m.periods))
            stock = stock_of(plan, book, duty, m.closing[0].period)
            held, sourced = given(plan, book, duty, now)  # thresholds from baseline ledgers
            drafts = [summary_draft(plan, held, m.closing, ledger, now, season=season,
                                    stock=stock, sourced=sourced)]
        else:
            drafts = []
        out.drafts += drafts
        out.notices += notices
    answered = [r for r in book.receipts if r.duty in ids or r.duty is None]
    out.drafts = merged(replies(plan, answered, book.recorded, known, now) + out.drafts, flow)
    return out


def standing_rows(plan: Plan, book: Book, now: dt.datetime) -> list[dict]:
    """Every duty's standing at `now`, as `sprint status` shows it: each unit's state in each
    period of a ledger, each owner's progress on a deadline, an event as an event."""
    rows: list[dict] = []
    marks = review_marks(book.receipts)
    for duty in plan.duties:
        if duty.kind == "event":
            rows += event_rows(plan, duty, now)
        elif duty.kind == "deadline":
            [period] = periods(plan, duty)
            if period.opens <= now:
                rows += deadline_rows(plan, duty, period, headway(plan, book, duty, now), now)
        else:
            rows += state_rows(plan, measure(plan, book, duty, now), marks)
    return rows
