"""Rendering the duty's mail, recording it in the outbox, and sending it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from prefect import task

from sprint import deadlines, dispatch, exit_report, visits
from sprint.compiled import latest_ledger
from sprint.ledger_summary import ledger_summary_draft
from sprint.mail import outbox
from sprint.mail.compose import Draft, environment, to_bytes
from sprint.mail.mailer import YagmailMailer
from sprint.mail.notices import delivery_report
from sprint.reports import (
    LaborSummary,
    rejection_drafts,
    reminder_drafts,
    summarise,
    summary_draft,
    summary_key,
)
from tasks.context import log, settings, store
from tasks.measure import Measured, measure


def owed_replies(duty_ids: list[str], measured: list[Measured]) -> list[Draft]:
    """Replies to refused files of these duties (and of files no duty recognised)."""
    s = settings()
    refused = [r for r in store(s).unanswered_rejections() if r.duty in (*duty_ids, None)]
    by_id = {p.id: p for m in measured for p in m.periods}
    return rejection_drafts(environment(), s.plan, refused, by_id)


@task(name="render")
def render_labor(duty_id: str, measured: Measured, now: dt.datetime
                 ) -> tuple[list[Draft], LaborSummary | None]:
    s = settings()
    plan, env = s.plan, environment()
    duty = plan.duty(duty_id)
    drafts = owed_replies([duty_id], [measured])
    drafts += reminder_drafts(env, plan, duty, measured.active, now, store(s).keys())
    summary = None
    if measured.closing:
        summary = summarise(plan, duty, measured.closing, measured.ledger, now)
        # The chart and the workbook are built once, not on every run after.
        if not store(s).recorded(summary_key(plan, duty.id, summary.period.id)):
            drafts.append(summary_draft(env, plan, duty, summary))
    return drafts, summary


@task(name="render")
def render_ledgers(duty_ids: list[str], measured: list[Measured], now: dt.datetime
                   ) -> tuple[list[Draft], list[str]]:
    """Replies, reminders and, for each period just closed, its summary with its targets."""
    s = settings()
    plan, env = s.plan, environment()
    drafts = owed_replies(duty_ids, measured)
    sections = []
    known = store(s).keys()
    for duty_id, m in zip(duty_ids, measured, strict=True):
        duty = plan.duty(duty_id)
        drafts += reminder_drafts(env, plan, duty, m.active, now, known)
        if (m.closing and m.ledger is not None
                and not store(s).recorded(summary_key(plan, duty_id, m.closing[0].period.id))):
            draft, context = ledger_summary_draft(env, plan, duty, m.closing, m.ledger, now)
            drafts.append(draft)
            sections.append(target_section(context))
    return drafts, sections


@task(name="render")
def render_deadlines(duty_ids: list[str], now: dt.datetime) -> tuple[list[Draft], list[str]]:
    """Replies to refused reports, reminders and 通报 for every deadline, event reminders."""
    s = settings()
    plan, env = s.plan, environment()
    receipts = store(s).receipts()
    drafts = owed_replies(duty_ids, [])
    sections = []
    known = store(s).keys()
    for duty_id in duty_ids:
        duty = plan.duty(duty_id)
        mine, done = deadlines.drafts(env, plan, duty, receipts, now, known)
        drafts += mine
        if done:
            finished = sum(d.done for d in done)
            lines = [f"## {duty.title}（第{duty.clause_text}条）", "",
                     f"已完成 {finished}/{len(done)}", "", "| 单位 | 进度 |", "|---|---|"]
            lines += [f"| {d.name} | {d.progress} |" for d in done]
            sections.append("\n".join(lines))
    return drafts, sections


@task(name="render")
def render_dispatch(rect: Measured, now: dt.datetime) -> tuple[list[Draft], list[str]]:
    """Replies and reminders for the rectification ledger; the week's dispatch and 通报, with
    every other recurring duty measured for its roll-up only when the dispatch is due."""
    s = settings()
    plan, env = s.plan, environment()
    duty = plan.duty("rectification-ledger")
    drafts = owed_replies([duty.id], [rect])
    drafts += reminder_drafts(env, plan, duty, rect.active, now, store(s).keys())
    if not rect.closing or store(s).recorded(
            dispatch.dispatch_key(plan, rect.closing[0].period.id)):
        return drafts, []
    ledger = rect.ledger if rect.ledger is not None else pd.DataFrame()
    others = {d.id: measure.fn(d.id, now).everything for d in plan.duties
              if d.kind == "recurring" and d.id != duty.id}
    context = dispatch.dispatch_context(plan, rect.everything, rect.closing, ledger, others,
                                        store(s).receipts(), now)
    drafts += dispatch.dispatch_drafts(env, plan, context)
    lines = [f"## 周调度 {context['period'].label()}", "",
             f"超期 {context['totals']['overdue']} 项，未完成 {context['totals']['open']} 项，"
             f"本周完成 {context['totals']['closed']} 项", "",
             "| 单位 | 状态 | 未完成 | 超期 |", "|---|---|---:|---|"]
    lines += [f"| {u['name']} | {u['state']} | {u['open']} | {'、'.join(u['overdue'])} |"
              for u in context["units"]]
    if context["named"]:
        lines += ["", "通报：" + "、".join(u["name"] for u in context["named"])]
    return drafts, ["\n".join(lines)]


@task(name="render")
def render_visits(roster: Measured, visits_m: Measured, now: dt.datetime
                  ) -> tuple[list[Draft], list[str]]:
    """Replies and reminders for roster and visits; after the month, lists and the summary."""
    s = settings()
    plan, env = s.plan, environment()
    ids = ["monitored-roster", "household-visits"]
    drafts = owed_replies(ids, [roster, visits_m])
    known = store(s).keys()
    for duty_id, m in zip(ids, (roster, visits_m), strict=True):
        drafts += reminder_drafts(env, plan, plan.duty(duty_id), m.active, now, known)
    duty = plan.duty("household-visits")
    if not visits_m.closing or store(s).recorded(
            summary_key(plan, duty.id, visits_m.closing[0].period.id)):
        return drafts, []
    receipts = [r for r in store(s).receipts() if r.duty == "monitored-roster"]
    people = latest_ledger(plan, "roster", receipts, now)
    seen = visits_m.ledger if visits_m.ledger is not None else pd.DataFrame()
    submitted = {x.unit for x in visits_m.closing if x.state.submitted}
    mine, context = visits.drafts(env, plan, duty, visits_m.closing[0].period, people, seen,
                                  submitted)
    drafts += mine
    lines = [f"## 入户走访 {context['period'].label()}", "", "| 县 | 走访/户数 | 未走访 | 需帮扶 |",
             "|---|---:|---:|---:|"]
    lines += [f"| {c['name']} | {c['visited']}/{c['households']} | {len(c['unvisited'])} | "
              f"{len(c['need'])} |" for c in context["counties"]]
    return drafts, ["\n".join(lines)]


@task(name="render")
def render_exit(measured: dict[str, Measured], now: dt.datetime) -> tuple[list[Draft], list[str]]:
    """Replies and reminders for the three exit ledgers; each week, once the stage ledger's period
    has closed, a list to every county, a summary and, after the start-by date, the 通报."""
    s = settings()
    plan, env = s.plan, environment()
    drafts = owed_replies(list(measured), list(measured.values()))
    known = store(s).keys()
    for duty_id, m in measured.items():
        drafts += reminder_drafts(env, plan, plan.duty(duty_id), m.active, now, known)
    stages = measured["exit-process"]
    duty = plan.duty("exit-process")
    if not stages.closing or store(s).recorded(summary_key(plan, duty.id, stages.closing[0].period.id)):
        return drafts, []
    homes = exit_report.homes_by_county(plan, store(s).receipts(), now)
    counties = [exit_report.county_context(plan, duty, unit, mine, now.date())
                for unit, mine in homes.items()]
    drafts += exit_report.drafts(env, plan, duty, stages.closing[0].period, counties, now)
    lines = ["## 脱贫退出程序", "", "| 县 | 户数 | 已销号 | 未启动 | 停滞 |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {c['name']} | {c['total']} | {c['done']} | {len(c['not_started'])} | "
              f"{len(c['stalled'])} |" for c in counties]
    return drafts, ["\n".join(lines)]


def target_section(context: dict) -> str:
    lines = [f"## {context['template'].name} · {context['period'].label()}", "",
             f"已报 {context['rates'].received}/{context['rates'].expected}"
             + (f"；未报送或被退回：{'、'.join(context['missing'])}" if context["missing"] else "")]
    for t in context["targets"]:
        lines += ["", f"**{t['target'].title}**", "", "| 单位 | 数值 | 情况 |", "|---|---:|---|"]
        lines += [f"| {r['name']} | {r['value']} | {'达标' if r['met'] else r['shortfall']} |"
                  for r in t["rows"]]
    return "\n".join(lines)


@task(name="send")  # no retries: a retry around many sends is what the outbox prevents
def send_mail(duty_id: str, drafts: list[Draft], now: dt.datetime,
              dry_run: bool) -> outbox.Delivery:
    s = settings()
    logger = log()
    plan = s.plan
    sender, name = s.sender(), plan.unit(plan.operator).name
    if dry_run:
        folder = s.dry_run_root / now.strftime("%Y%m%dT%H%M%S")
        folder.mkdir(parents=True, exist_ok=True)
        for i, d in enumerate(drafts, start=1):
            path = Path(folder) / f"{i:03d}-{d.key.kind}-{d.key.unit}.eml"
            path.write_bytes(to_bytes(d, sender, name))
        logger.info("dry run: %d message(s) rendered into %s, none sent", len(drafts), folder)
        return outbox.Delivery()
    st = store(s)
    new = outbox.enqueue(st, drafts, sender, name, now)
    logger.info("outbox: %d new message(s), %d already recorded", new, len(drafts) - new)
    mailer = YagmailMailer(
        s.smtp_host, s.smtp_port, sender, s.smtp_user,
        s.smtp_password.get_secret_value() if s.smtp_password else None,
        s.smtp_security, s.smtp_timeout,
    )
    try:
        stale = dt.timedelta(minutes=plan.limits.sending_stale_minutes)
        delivery = outbox.deliver(st, mailer, now, stale=stale)
        notice = delivery_report(environment(), plan, duty_id, delivery, now)
        if notice is not None and outbox.enqueue(st, [notice], sender, name, now):
            delivery = outbox.merge(delivery, outbox.deliver(st, mailer, now, stale=stale))
    finally:
        mailer.close()
    logger.info("sent %d, deferred %d, failed %d, in doubt %d", len(delivery.sent),
             len(delivery.deferred), len(delivery.failed), len(delivery.in_doubt))
    for problem in delivery.problems:
        logger.warning(problem)
    return delivery
