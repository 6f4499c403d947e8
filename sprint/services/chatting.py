"""A run's messages to group robots, after its mail: made from each mail (and its draft),
recorded in the outbox under their own keys, and posted (sprint.chat)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from sprint.chat import delivery as robots
from sprint.chat.render import chat_messages
from sprint.domain.engine import Draft
from sprint.mailout import outbox
from sprint.mailout.compose import Message
from sprint.services.context import QUIET, Log, Services


def attach(services: Services, draft: Draft, message: Message) -> Message:
    """The robots' messages made with the mail, from the draft's context."""
    message.chats = chat_messages(services.plan, draft.key, list(draft.to), message.subject,
                                  message.text, draft.context)
    return message


def _chats(services: Services, messages: list[Message]) -> list:
    plan, out = services.plan, []
    for m in messages:
        if m.chats is None:  # made without a draft (an approved 通报): from the mail itself
            codes = [u.code for u in plan.units if u.email in m.to]
            m.chats = chat_messages(plan, m.key, codes, m.subject, m.text)
        out.extend(m.chats)
    return out


def dry_run(services: Services, messages: list[Message], folder: Path) -> int:
    chats = _chats(services, messages)
    for i, c in enumerate(chats, start=1):
        (folder / f"robot-{i:03d}-{c.code}.json").write_text(
            json.dumps(c.payload, ensure_ascii=False, indent=1), encoding="utf-8")
    return len(chats)


def send(services: Services, messages: list[Message], now, log: Log = QUIET) -> outbox.Delivery:
    """Record and post the robots' messages; a robot's trouble never holds up the mail."""
    if not any(u.robot for u in services.plan.units):
        return outbox.Delivery()
    for code in robots.unset(services.plan):
        unit = services.plan.unit(code)
        log.info("群机器人未配置：%s 的环境变量 %s 未设置，仅发送邮件", unit.name, unit.robot.url_env)
    new = robots.enqueue(services.store, services.plan, _chats(services, messages), now)
    stale = dt.timedelta(minutes=services.plan.limits.sending_stale_minutes)
    done = robots.deliver(services.store, services.plan, now, claimer=outbox.CLAIMER,
                          is_dead=lambda c, at: outbox.claimer_is_dead(c, at, stale=stale))
    delivery = outbox.Delivery(done.sent, done.deferred, done.failed, [], done.in_doubt)
    if new or delivery.sent or delivery.problems:
        log.info("群机器人：新登记 %d 条，已发送 %d 条，待重发 %d 条，失败 %d 条，不确定是否送达 %d 条",
                 new, len(delivery.sent), len(delivery.deferred), len(delivery.failed),
                 len(delivery.in_doubt))
    return delivery
