"""A run's mail rendered, recorded in the outbox and sent, with the delivery report to the
operator when something could not go; a dry run renders into files and sends nothing."""

from __future__ import annotations

import datetime as dt

from sprint.domain.engine import Draft
from sprint.mailout import outbox
from sprint.mailout.compose import Message, to_bytes
from sprint.mailout.notices import delivery_report
from sprint.mailout.render import message_of
from sprint.services.context import QUIET, Log, Services


def render(services: Services, drafts: list[Draft]) -> list[Message]:
    """Each draft as the message it becomes: templates, workbooks, charts."""
    return [message_of(services.templates, services.plan, d) for d in drafts]


def send(services: Services, messages: list[Message], flow: str, now, dry_run: bool,
         log: Log = QUIET) -> outbox.Delivery:
    store = services.store
    sender, name = services.sender(), services.sender_name()
    if dry_run:
        folder = services.settings.dry_run_root / now.strftime("%Y%m%dT%H%M%S")
        folder.mkdir(parents=True, exist_ok=True)
        for i, m in enumerate(messages, start=1):
            path = folder / f"{i:03d}-{m.key.kind}-{m.key.unit}.eml"
            path.write_bytes(to_bytes(m, sender, name))
        log.info("试运行：%d 封邮件已生成到 %s，均未发送", len(messages), folder)
        return outbox.Delivery()
    new = outbox.enqueue(store, messages, sender, name, now)
    log.info("发件箱：新登记 %d 封，已登记过 %d 封（不重发）", new, len(messages) - new)
    mailer = services.mailer()
    stale = dt.timedelta(minutes=services.plan.limits.sending_stale_minutes)
    try:
        delivery = outbox.deliver(store, mailer, now, stale=stale)
        report = delivery_report(services.plan, flow, delivery, now)
        if report is not None and outbox.enqueue(
                store, [message_of(services.templates, services.plan, report)], sender, name, now):
            delivery = outbox.merge(delivery, outbox.deliver(store, mailer, now, stale=stale))
    finally:
        mailer.close()
    log.info("已发送 %d 封，待重发 %d 封，失败 %d 封，不确定是否送达 %d 封", len(delivery.sent),
             len(delivery.deferred), len(delivery.failed), len(delivery.in_doubt))
    for problem in delivery.problems:
        log.warning(problem)
    return delivery
