"""What a run owes, judged by the engine from the plan and what the store holds."""

from __future__ import annotations

from sprint.domain.engine import Book, Owed, owed
from sprint.domain.engine.answers import ANSWERED, letter_answers, replies_for
from sprint.domain.engine.owed import TOLD_BY
from sprint.domain.engine.reminders import merged
from sprint.services.context import QUIET, Log, Services


def book_of(services: Services, now=None) -> Book:
    """Everything the engine reads of the store: receipts (with the office's reviews as they
    stood at `now`, a run's clock), mail sent, who was told when, 通报."""
    store = services.store
    return Book(services.plan, store.receipts(as_of=now), store.keys(), services.shelf,
                store.told(TOLD_BY), store.notices.all(), store.unlocks.all(),
                services.shelf.measures)


def judge(services: Services, flow: str, now, rows: bool = True, log: Log = QUIET) -> Owed:
    """What this run owes: replies, reminders, summaries, 通报 drafts, and (`rows`) every unit's
    standing for the run's state table."""
    result = owed(services.plan, book_of(services, now), flow, now, rows)
    log.info("应发邮件 %d 封，通报草稿 %d 份", len(result.drafts), len(result.notices))
    return result


def answer(services: Services, units: set[str], now, log: Log = QUIET) -> Owed:
    """What the intake owes at once: the replies to these units' files, and the answers to the
    mail read from the operator's mailbox."""
    store = services.store
    # The replies need only the files taken in and the messages recorded, not what the
    # scheduled runs also read (who was told when, the 通报 drafts).
    book = Book(services.plan, store.receipts(as_of=now), store.keys(), services.shelf)
    # One acceptance per unit and run, as a scheduled run gives: 50 files mailed at once, one mail.
    drafts = merged(replies_for(services.plan, book, units, now), "intake")
    drafts += letter_answers(services.plan, store.letters.all(ANSWERED), book.recorded, now)
    log.info("应答复 %d 封：%s", len(drafts), "、".join(sorted(units)) or "无单位")
    return Owed(drafts=drafts)
