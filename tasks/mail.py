"""The run's mail: what it owes judged from the plan and the store, rendered, recorded in the
outbox and sent."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from prefect import task
from prefect.cache_policies import NO_CACHE

from sprint.domain.engine import Book, Draft, Owed, owed
from sprint.domain.engine.answers import ANSWERED, letter_answers, replies_for
from sprint.domain.engine.owed import TOLD_BY
from sprint.mailout import outbox
from sprint.mailout.compose import Message, to_bytes
from sprint.mailout.notices import delivery_report
from sprint.mailout.render import message_of
from tasks.services import Services, log


def book_of(services: Services) -> Book:
    store = services.store
    return Book(services.plan, store.receipts(), store.keys(), services.shelf,
                store.told(TOLD_BY), store.notices.all())


@task(name="judge", cache_policy=NO_CACHE)
def judge(services: Services, flow: str, now, rows: bool = True) -> Owed:
    """What this run owes: replies, reminders, summaries, 通报 drafts, and (`rows`) every unit's
    standing for the run's state table."""
    result = owed(services.plan, book_of(services), flow, now, rows)
    log().info("%d message(s) owed, %d 通报 draft(s)", len(result.drafts), len(result.notices))
    return result


@task(name="answer", cache_policy=NO_CACHE)
def answer(services: Services, units: set[str], now) -> Owed:
    """What the intake owes at once: the replies to these units' files, and the answers to the
    mail read from the operator's mailbox."""
    store = services.store
    # The replies need only the files taken in and the messages recorded, not what the
    # scheduled runs also read (who was told when, the 通报 drafts).
    book = Book(services.plan, store.receipts(), store.keys(), services.shelf)
    drafts = replies_for(services.plan, book, units, now)
    drafts += letter_answers(services.plan, store.letters.all(ANSWERED), book.recorded, now)
    log().info("%d answer(s) owed for %s", len(drafts), ", ".join(sorted(units)) or "no unit")
    return Owed(drafts=drafts)


@task(name="render", cache_policy=NO_CACHE)
def render(services: Services, drafts: list[Draft]) -> list[Message]:
    """Each draft as the message it becomes: templates, workbooks, charts."""
    return [message_of(services.templates, services.plan, d) for d in drafts]


@task(name="send", cache_policy=NO_CACHE)  # no retries: a retry around many sends is what the outbox prevents
def send(services: Services, messages: list[Message], flow: str, now,
         dry_run: bool) -> outbox.Delivery:
    logger, store = log(), services.store
    sender, name = services.sender(), services.sender_name()
    if dry_run:
        folder = services.settings.dry_run_root / now.strftime("%Y%m%dT%H%M%S")
        folder.mkdir(parents=True, exist_ok=True)
        for i, m in enumerate(messages, start=1):
            path = Path(folder) / f"{i:03d}-{m.key.kind}-{m.key.unit}.eml"
            path.write_bytes(to_bytes(m, sender, name))
        logger.info("dry run: %d message(s) rendered into %s, none sent", len(messages), folder)
        return outbox.Delivery()
    new = outbox.enqueue(store, messages, sender, name, now)
    logger.info("outbox: %d new message(s), %d already recorded", new, len(messages) - new)
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
    logger.info("sent %d, deferred %d, failed %d, in doubt %d", len(delivery.sent),
                len(delivery.deferred), len(delivery.failed), len(delivery.in_doubt))
    for problem in delivery.problems:
        logger.warning(problem)
    return delivery
