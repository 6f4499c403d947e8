"""What the intake owes right after it took files in: the replies to one unit's files (or a
few units'), by the very rule the scheduled runs answer with (sprint/domain/engine/replies.py), under
the same outbox keys, so a file is answered once whichever run comes first; and the answers to
the mail read from the operator's mailbox: a short reply to a unit's mail that carried no
ledger, and one notice to the operator naming the mail from addresses of no unit (those are
never answered: a sender can be forged)."""

from __future__ import annotations

import datetime as dt
import hashlib

from sprint.domain.calendar import periods
from sprint.domain.engine.book import Book
from sprint.domain.engine.draft import Draft, common, when
from sprint.domain.engine.replies import replies
from sprint.domain.plan import Plan
from sprint.domain.records import (
    NO_LEDGER,
    NO_LEDGER_REPLY,
    UNKNOWN,
    UNKNOWN_SENDERS,
    Letter,
    OutboxKey,
)

MAIL = "mail"  # the outbox's duty for answers about mail, not about a duty's ledger
ANSWERED = (NO_LEDGER, UNKNOWN)  # the outcomes of a message that are answered

def replies_for(plan: Plan, book: Book, units: set[str], now: dt.datetime) -> list[Draft]:
    """The replies owed now for every file these units sent: acceptances and rejections."""
    mine = [r for r in book.receipts if r.unit in units]
    duties = {r.duty for r in mine if r.duty}
    known = {(d, p.id): p for d in duties for p in periods(plan, plan.duty(d))}
    return replies(plan, mine, book.recorded, known, now)


def letter_key(letter: Letter, operator: str) -> OutboxKey:
    if letter.outcome == NO_LEDGER:
        return OutboxKey(MAIL, _day(letter), letter.unit or "", NO_LEDGER_REPLY,
                         letter.sha256[:16])
    return OutboxKey(MAIL, _day(letter), operator, UNKNOWN_SENDERS, letter.sha256[:16])


def letter_answers(plan: Plan, letters: list[Letter], recorded: set, now: dt.datetime
                   ) -> list[Draft]:
    """One short reply to each unit's mail without a ledger, to the unit's address in the plan;
    one notice to the operator for every mail from an unknown address not yet named."""
    drafts = []
    for letter in letters:
        if letter.outcome != NO_LEDGER or not letter.unit:
            continue
        key = letter_key(letter, plan.operator)
        if key in recorded:
            continue
        context = common(plan) | {"unit": plan.unit(letter.unit), "subject": letter.subject,
                                  "received_text": when(letter.received_at),
                                  "skipped": letter.skipped}
        drafts.append(Draft(NO_LEDGER_REPLY, key, (letter.unit,), context,
                            heading=f"来信无台账，已答复 {letter.unit}：邮件 {letter.sha256[:12]}"))
    named = [(x, key) for x in letters if x.outcome == UNKNOWN
             and (key := letter_key(x, plan.operator)) not in recorded]
    if named:
        unknown = [x for x, _ in named]
        keys = tuple(key for _, key in named)
        ref = hashlib.sha256("".join(k.ref for k in keys).encode()).hexdigest()[:16]
        key = OutboxKey(MAIL, now.date().isoformat(), plan.operator, UNKNOWN_SENDERS, ref)
        context = common(plan) | {"letters": [
            {"sender": x.sender or "（无法识别）", "subject": x.subject,
             "received_text": when(x.received_at), "kept": x.kept_path,
             "files": len(x.skipped)} for x in unknown]}
        drafts.append(Draft(UNKNOWN_SENDERS, key, (plan.operator,), context, parts=keys,
                            heading=f"未知发件人，已告知{plan.unit(plan.operator).name}："
                                    f"{'、'.join(x.sender or '?' for x in unknown)}"))
    return drafts


def _day(letter: Letter) -> str:
    return letter.received_at.date().isoformat()
