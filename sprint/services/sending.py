"""A run's mail rendered, recorded in the outbox and sent, with the delivery report to the
operator when something could not go; a dry run renders into files and sends nothing."""

from __future__ import annotations

import datetime as dt

from sprint.domain.engine import Draft
from sprint.mailout import outbox
from sprint.mailout.compose import Message, to_bytes
from sprint.mailout.notices import delivery_report
from sprint.mailout.render import message_of
from sprint.services import chatting
from sprint.services.context import QUIET, Log, Services


def render(services: Services, drafts: list[Draft]) -> list[Message]:
    """Each draft as the message it becomes: templates, workbooks, charts."""
    return [chatting.attach(services, d, message_of(services.templates, services.plan, d))
            for d in drafts]


def send(services: Services, messages: list[Message], flow: str, now, dry_run: bool,
         log: Log = QUIET, report: bool = True,
         after: outbox.Delivery | None = None) -> outbox.Delivery:
    """Record and deliver; with `report`, then tell the operator what could not go. A run that
    sends more than once (after a 通报 decision) reports once, after its last delivery
    (`report=False` until then, and `report_to_operator` at the end); `after` is the run's
    delivery so far: a server that stopped answering then is not tried again."""
    store = services.store
    sender, name = services.sender(), services.sender_name()
    if dry_run:
        folder = services.settings.dry_run_root / now.strftime("%Y%m%dT%H%M%S")
        folder.mkdir(parents=True, exist_ok=True)
        for i, m in enumerate(messages, start=1):
            path = folder / f"{i:03d}-{m.key.kind}-{m.key.unit}.eml"
            path.write_bytes(to_bytes(m, sender, name))
        chats = chatting.dry_run(services, messages, folder)
        log.info("试运行：%d 封邮件、%d 条群机器人消息已生成到 %s，均未发送", len(messages), chats, folder)
        return after or outbox.Delivery()
    new = outbox.enqueue(store, messages, sender, name, now)
    log.info("发件箱：新登记 %d 封，已登记过 %d 封（不重发）", new, len(messages) - new)
    mailer = services.mailer()
    stale = dt.timedelta(minutes=services.plan.limits.sending_stale_minutes)
    try:
        delivery = outbox.deliver(store, mailer, now, stale=stale, silent=_silent(after))
    finally:
        mailer.close()
    delivery = outbox.merge(delivery, chatting.send(services, messages, now, log))
    if after is not None:
        delivery = outbox.merge(after, delivery)
    if report:
        return report_to_operator(services, delivery, flow, now, log)
    _log(delivery, log)
    return delivery


def report_to_operator(services: Services, delivery: outbox.Delivery, flow: str, now,
                       log: Log = QUIET) -> outbox.Delivery:
    """One notice naming every message of the run in doubt or failed, made after its last
    delivery and sent alone (the messages that wait are not tried again); when the server
    stopped answering it waits, pending, with them for the next run."""
    report = delivery_report(services.plan, flow, delivery, now)
    if report is not None and outbox.enqueue(
            services.store, [message_of(services.templates, services.plan, report)],
            services.sender(), services.sender_name(), now):
        mailer = services.mailer()
        try:
            delivery = outbox.merge(delivery, outbox.deliver(
                services.store, mailer, now, kinds={outbox.NOTICE_KIND}, silent=_silent(delivery)))
        finally:
            mailer.close()
    _log(delivery, log)
    return delivery


def _silent(delivery: outbox.Delivery | None) -> int:
    return outbox.TIMEOUTS_BEFORE_STOP if delivery is not None and delivery.stopped else 0


def _log(delivery: outbox.Delivery, log: Log) -> None:
    log.info("已发送 %d 封，待重发 %d 封，失败 %d 封，不确定是否送达 %d 封", len(delivery.sent),
             len(delivery.deferred), len(delivery.failed), len(delivery.in_doubt))
    for problem in delivery.problems:
        log.warning(problem)
