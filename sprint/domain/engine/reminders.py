"""Reminders: one rule for every duty that has reminder offsets.

A unit that owes a period gets, once, the reminder of the latest offset whose time has passed.
Offsets a missed run skipped are not sent late: one reminder says it all, and it says where the
unit stands that day, so two reminders of one period never read the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sprint.domain.calendar import BEIJING, Period, Reminder, workdays_after
from sprint.domain.engine.book import Book
from sprint.domain.engine.draft import Draft, common, when
from sprint.domain.engine.replies import ACCEPTANCE
from sprint.domain.plan import Duty, Plan
from sprint.domain.records import OutboxKey

REMINDER, EVENT = "reminder", "event"
MERGED = (REMINDER, EVENT, ACCEPTANCE)  # one mail per unit and run, a section each


def reminder_key(duty: Duty, period: Period, code: str, kind: str, reminder: Reminder) -> OutboxKey:
    """The key of a unit's reminder at one of the period's offsets: sent once per offset."""
    return OutboxKey(duty.id, period.id, code, kind, f"{reminder.offset:+d}")


def latest_passed(period: Period, now: dt.datetime) -> Reminder | None:
    passed = [r for r in period.reminders if r.at <= now]
    return passed[-1] if passed else None


def standing_words(period: Period, now: dt.datetime) -> tuple[str, bool]:
    """Where a unit that has not yet delivered stands at `now`, in words, and whether it is late:
    还有3个工作日 / 今日17:00截止 / 已逾期2个工作日."""
    due = period.due.astimezone(BEIJING)
    today = now.astimezone(BEIJING).date()
    if now > period.due:
        days = workdays_after(due.date(), today)
        return (f"已逾期{days}个工作日" if days else f"已过今日{due:%H:%M}的截止时间"), True
    if today == due.date():
        return f"今日{due:%H:%M}截止", False
    return f"还有{workdays_after(today, due.date())}个工作日截止", False


def _days_to(period: Period, now: dt.datetime) -> str:
    days = (period.due.astimezone(BEIJING).date() - now.astimezone(BEIJING).date()).days
    return f"还有{days}天" if days > 0 else "就在今天"


def remind(plan: Plan, book: Book, duty: Duty, period: Period, owing: dict[str, dict],
           now: dt.datetime, kind: str = REMINDER) -> list[Draft]:
    """The reminder of the latest offset passed to each unit in `owing` (unit code -> what the
    message should also say), unless that offset's reminder was recorded already."""
    latest = latest_passed(period, now)
    if latest is None:
        return []
    words, late = standing_words(period, now) if kind != EVENT else (_days_to(period, now), False)
    template = plan.templates.get(duty.template or "")
    drafts = []
    for code, extra in owing.items():
        key = reminder_key(duty, period, code, kind, latest)
        if key in book.recorded:
            continue
        unit = plan.unit(code)
        section = {"duty": duty, "template": template, "period": period,
                   "due_text": when(period.due), "standing": words, "late": late,
                   "recipients": "、".join(plan.unit(c).name for c in duty.recipients),
                   "columns": "、".join(c.name for c in template.columns) if template else ""}
        context = common(plan) | {"unit": unit, "sections": [section | extra]}
        drafts.append(Draft(kind, key, (code,), context,
                            heading=f"{'节点提醒' if kind == EVENT else '催报提醒'} {duty.id} {period.id} → {unit.name}（{words}）"))
    return drafts


def merged(drafts: list[Draft], run_key: str) -> list[Draft]:
    """One message per unit and kind in a run: a county owing four ledgers of one run gets one
    reminder with a section for each, which settles each ledger's own key; four files taken in
    one run, one acceptance."""
    groups: dict[tuple[str, tuple[str, ...]], list[Draft]] = {}
    for d in drafts:
        groups.setdefault((d.kind, d.to), []).append(d)
    out = []
    for (kind, to), same in groups.items():
        if kind not in MERGED or len(same) == 1:
            out.extend(same)
            continue
        parts = tuple(k for d in same for k in d.covers)
        ref = "+".join(sorted(f"{k.duty}{k.ref}" for k in parts))
        first = same[0]
        key = OutboxKey(run_key, first.key.period, first.key.unit, kind,
                        hashlib.sha256(ref.encode()).hexdigest()[:16])
        sections = [s for d in same for s in d.context["sections"]]
        if kind != ACCEPTANCE:
            sections.sort(key=lambda s: s["period"].due)  # the most pressing first
        context = first.context | {"sections": sections}
        out.append(Draft(kind, key, to, context, parts=parts,
                         heading="；".join(d.heading for d in same)))
    return out

