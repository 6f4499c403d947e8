"""The 通报: one builder for every duty that can name units to the leading group.

A draft names only units that were told about the duty (a reminder or a list) at least the
plan's working days before, so each had time to act; units behind but not yet told long enough
are left for a later draft. No 通报 leaves without a person's approval: these are drafts, and a
draft not decided within the plan's working days expires.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sprint.domain.calendar import BEIJING, Period, add_workdays, at
from sprint.domain.engine.book import Book
from sprint.domain.engine.draft import Draft, common, when
from sprint.domain.plan import Duty, Plan
from sprint.domain.records import EXPIRED, WAITING, NoticeRecord, OutboxKey

NOTICE = "notice"


def workdays_before(now: dt.datetime, days: int) -> dt.datetime:
    local = now.astimezone(BEIJING)
    return at(add_workdays(local.date(), -days), local.time().replace(tzinfo=None)) if days else now


def already_named(book: Book, duty_id: str, period_id: str, now: dt.datetime) -> set[str]:
    """Units a draft of this duty and period named by `now` (decided or not, except dropped or
    expired by then: the office let those go, so they may be named again). A run of a past
    time, or a replay over its own state, judges as it would have then, not with drafts made
    after."""
    return {code for n in book.notices if (n.duty, n.period) == (duty_id, period_id)
            and n.drafted_at <= now and not _let_go(book.plan, n, now)
            for code in n.named.split(",") if code}


def _let_go(plan: Plan, record: NoticeRecord, now: dt.datetime) -> bool:
    if record.status not in ("dropped", EXPIRED):
        return False
    decided = record.decided_at or expires_at(plan, record)
    return decided <= now


def escalation_begun(duty: Duty, day: dt.date, now: dt.datetime) -> bool:
    """Whether a binding duty's first 通报 day, its first `escalate` working days after `day`,
    has come."""
    return bool(duty.binds and duty.escalate) and now >= at(
        add_workdays(day, duty.escalate[0]), duty.reminders.time)


def candidates(plan: Plan, book: Book, duty: Duty, period: Period, units: list[str],
               now: dt.datetime) -> list[str]:
    """The units a draft could name now, if they are behind: told in time, not named before."""
    told_before = workdays_before(now, plan.notices.told_workdays_before)
    named_before = already_named(book, duty.id, period.id, now)
    return [c for c in units if c not in named_before and book.told_by(duty.id, c, told_before)]


def notice(plan: Plan, book: Book, duty: Duty, period: Period, behind: list[tuple[str, str]],
           done: list[str], now: dt.datetime, about: str) -> Draft | None:
    """A draft naming the units of `behind` (code, reason in words) that were told in time.

    `about` says what they fall behind on; `done` names those who finished. None when nobody
    can be named yet."""
    named_before = already_named(book, duty.id, period.id, now)
    # The office issues the 通报: its own duties go to the operator in the dispatch, never here.
    fresh = [(c, r) for c, r in behind if c not in named_before and c != plan.operator]
    eligible = set(candidates(plan, book, duty, period, [c for c, _ in fresh], now))
    named = [(c, r) for c, r in fresh if c in eligible]
    if not named:
        return None
    waiting = [c for c, _ in fresh if c not in eligible]
    ref = hashlib.sha256(",".join(sorted(c for c, _ in named)).encode()).hexdigest()[:16]
    group = plan.unit(plan.leading_group)
    key = OutboxKey(duty.id, period.id, group.code, NOTICE, ref)
    context = common(plan) | {
        "group": group, "duty": duty, "period": period, "about": about,
        "due_text": when(period.due), "says": plan.notices.says,
        "named": [{"code": c, "name": plan.unit(c).name, "reason": r} for c, r in named],
        "waiting": [plan.unit(c).name for c in waiting], "done": done,
    }
    return Draft(NOTICE, key, (group.code, plan.operator), context,
                 heading=f"通报草稿 {duty.id} {period.id}: " + "、".join(plan.unit(c).name
                                                                   for c, _ in named))


def expires_at(plan: Plan, record: NoticeRecord) -> dt.datetime:
    drafted = record.drafted_at.astimezone(BEIJING)
    return at(add_workdays(drafted.date(), plan.notices.expire_after_workdays),
              drafted.time().replace(tzinfo=None))


def expired(plan: Plan, record: NoticeRecord, now: dt.datetime) -> bool:
    """A draft nobody decided within the plan's working days: it can no longer be approved."""
    return record.status == EXPIRED or (record.status == WAITING and now > expires_at(plan, record))
