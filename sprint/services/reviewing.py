"""The office's review of an accepted file: a decision recorded, and for 有疑问 or 已退回 the
one reply to the unit with the note, sent at once through the outbox (its key keeps it to
one, whoever decides again)."""

from __future__ import annotations

from sprint.domain.engine.answers import replies_for
from sprint.domain.engine.book import Book
from sprint.domain.engine.reviews import REVIEW
from sprint.domain.records import Receipt
from sprint.services import sending
from sprint.services.context import Services


def reviewable(services: Services) -> list[Receipt]:
    """Every file that passed the checks, with its review state, in the order received."""
    return [r for r in services.store.receipts() if r.taken and r.duty and r.period]


def decide(services: Services, receipt: Receipt, state: str, note: str, by: str, now):
    """Record the decision; returns (whether it changed anything, the delivery of the reply
    or None when none is owed)."""
    changed = services.store.reviews.mark(receipt.id, state, note, by, now)
    store = services.store
    book = Book(services.plan, store.receipts(), store.keys(), services.shelf)
    drafts = [d for d in replies_for(services.plan, book, {receipt.unit}, now)
              if d.kind == REVIEW and d.key.ref.startswith(receipt.sha256[:16])]
    if not drafts:
        return changed, None
    messages = sending.render(services, drafts)
    return changed, sending.send(services, messages, services.plan.duty(receipt.duty).flow, now,
                                 dry_run=False)
