"""One-off deadlines: how far each owner is, reminders before the date, a 通报 draft after a
date the plan itself sets (a date the office set is a reminder date only)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from sprint.domain.calendar import periods
from sprint.domain.engine.book import Book
from sprint.domain.engine.draft import Draft, when
from sprint.domain.engine.notices import candidates, escalation_begun, notice
from sprint.domain.engine.reminders import EVENT, REMINDER, latest_passed, remind, reminder_key
from sprint.domain.engine.states import row
from sprint.domain.engine.targets import matching
from sprint.domain.plan import Duty, Plan


@dataclass(frozen=True)
class Headway:
    """How far one owner is with a deadline."""

    unit: str
    name: str
    done: bool
    words: str  # "已完成 12/20（60%）", "未报送《问题整改台账》", "已报送（…）"
    share: float | None


def headway(plan: Plan, book: Book, duty: Duty, now: dt.datetime) -> list[Headway]:
    """Each owner's progress, measured from its latest ledger when the plan says how
    (`progress`); else done once it sent an accepted file, or, for a completion report, once
    every row says done."""
    owners = plan.owners(duty)
    rule = duty.progress
    if rule is not None:
        source = plan.duty(rule.duty)
        latest = book.latest(source.id, now)
        return [_measured(plan, duty, u.code, u.name, pd.DataFrame(), source)
                if u.code not in latest else
                book.measured(("progress", duty.id, u.code, latest[u.code].kept_path),
                              lambda u=u: _measured(plan, duty, u.code, u.name,
                                                    book.ledgers.ledger(latest[u.code]), source))
                for u in owners]
    out = []
    template = plan.templates.get(duty.template or "")
    latest = book.latest(duty.id, now)
    for u in owners:
        r = latest.get(u.code)
        if r is None:
            out.append(Headway(u.code, u.name, False, "未报送", None))
        elif template is not None and template.done:
            out.append(book.measured(("reported", duty.id, u.code, r.kept_path),
                                     lambda u=u, r=r: _reported(template, u, book.ledgers.ledger(r))))
        else:
            out.append(Headway(u.code, u.name, True, f"已报送（{when(r.received_at)}）", 1.0))
    return out


def _reported(template, unit, rows: pd.DataFrame) -> Headway:
    """A completion report: done once every row says done."""
    finished = bool(len(rows)) and bool(matching(rows, template.done).all())
    said = "、".join(dict.fromkeys(str(v) for c in template.done for v in rows[c].dropna()))
    return Headway(unit.code, unit.name, finished, f"报告为“{said}”" if said else "报告为空",
                   1.0 if finished else None)


def _measured(plan: Plan, duty: Duty, code: str, name: str, rows: pd.DataFrame,
              source: Duty) -> Headway:
    rule = duty.progress
    if not len(rows):
        return Headway(code, name, False, f"未报送《{plan.template_of(source).name}》", None)
    if rule.covers is not None:
        have = set(rows[rule.covers.column].dropna())
        lacking = [v for v in rule.covers.values if v not in have]
        words = (f"已涵盖全部 {len(rule.covers.values)} 类" if not lacking else
                 f"已有 {len(rule.covers.values) - len(lacking)}/{len(rule.covers.values)} 类，"
                 f"缺{'、'.join(lacking)}")
        share = 1 - len(lacking) / len(rule.covers.values)
        return Headway(code, name, not lacking, words, share)
    scope = rows[matching(rows, rule.where)]
    finished = matching(scope, rule.done)
    floor = rule.done_date_at_least
    if floor is not None:
        finished &= pd.to_datetime(scope[floor.column]) >= pd.Timestamp(floor.date)
    if not len(scope):
        return Headway(code, name, True, "无相关事项", 1.0)
    share = int(finished.sum()) / len(scope)
    words = f"已完成 {int(finished.sum())}/{len(scope)}（{share * 100:.0f}%）"
    if floor is not None and share < 1:
        words += f"（须{floor.date:%Y年%-m月%-d日}后到期）"
    return Headway(code, name, share >= 1.0, words, share)


def deadline_owed(plan: Plan, book: Book, duty: Duty, now: dt.datetime, rows: bool = True
                  ) -> tuple[list[Draft], list[Draft], list[dict]]:
    """Reminders, a 通报 draft, and (when `rows`) each owner's row for the run's state table.
    Progress is measured only when there is something to say or to show: a replay's hundred
    days would otherwise measure every deadline every day."""
    [period] = periods(plan, duty)
    if duty.kind == "event":
        owing = {u.code: {} for u in plan.owners(duty)} if now <= period.due else {}
        return remind(plan, book, duty, period, owing, now, EVENT), [], event_rows(plan, duty, now)
    latest = latest_passed(period, now)
    reminding = latest is not None and any(
        reminder_key(duty, period, u.code, REMINDER, latest) not in book.recorded
        for u in plan.owners(duty))
    escalating = escalation_begun(duty, period.due.date(), now) and bool(
        candidates(plan, book, duty, period, [u.code for u in plan.owners(duty)], now))
    if not (reminding or escalating or rows):
        return [], [], []
    progress = headway(plan, book, duty, now)
    behind = sorted((h for h in progress if not h.done),
                    key=lambda h: (h.share is not None, h.share or 0))
    drafts = remind(plan, book, duty, period, {h.unit: {"progress": h.words} for h in behind}, now)
    notices = []
    if escalating and behind:
        draft = notice(plan, book, duty, period, [(h.unit, h.words) for h in behind],
                       [h.name for h in progress if h.done], now, f"未按期完成“{duty.title}”")
        notices += [draft] if draft else []
    return drafts, notices, deadline_rows(plan, duty, period, progress, now) if rows else []


def deadline_rows(plan: Plan, duty: Duty, period, progress: list[Headway],
                  now: dt.datetime) -> list[dict]:
    """Each owner's standing on a deadline, for the state table and `sprint status`."""
    basis = "方案规定" if duty.binds else f"{plan.unit(plan.operator).name}提醒日"
    return [row(duty.title, period.id, h.name, h.unit,
                "完成" if h.done else ("逾期未完成" if now > period.due else "未完成"), h.words,
                f"{period.due:%Y-%m-%d %H:%M}", "", basis) for h in progress]


def event_rows(plan: Plan, duty: Duty, now: dt.datetime) -> list[dict]:
    """An event is no submission: it is shown as the date it is, never as overdue."""
    [period] = periods(plan, duty)
    days = (period.due.date() - now.date()).days
    when_words = f"还有{days}天" if days > 0 else ("今天" if days == 0 else "已过")
    return [row(duty.title, period.id, "、".join(u.name for u in plan.owners(duty)), "",
                f"节点（{when_words}）", "提醒", f"{period.due:%Y-%m-%d}", "", "方案规定")]
