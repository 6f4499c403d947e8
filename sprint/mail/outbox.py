"""Delivering the outbox: each recorded message leaves at most once."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy

from sprint.mail.compose import Draft, to_mime
from sprint.mail.mailer import Mailer, MailError
from sprint.store import Store


@dataclass
class Delivery:
    sent: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # transient failure: stays pending
    failed: list[str] = field(default_factory=list)  # permanent failure: the operator must act
    refused: list[str] = field(default_factory=list)  # some recipients refused, others got it

    @property
    def problems(self) -> list[str]:
        return self.deferred + self.failed + self.refused


def enqueue(store: Store, drafts: list[Draft], sender: str, sender_name: str,
            now: dt.datetime) -> int:
    """Record every draft whose key is new; returns how many were new."""
    new = 0
    for d in drafts:
        message = to_mime(d, sender, sender_name).as_bytes()
        new += store.enqueue(d.key, d.to, d.subject, message, now)
    return new


def deliver(store: Store, mailer: Mailer, now: dt.datetime, max_attempts: int = 10,
            pauses: tuple[float, ...] = (1.0, 3.0), sleep=time.sleep) -> Delivery:
    """Send every pending message once.

    A message is claimed (pending -> sending) before it goes, so a concurrent run or a retry
    cannot send it again. A transient failure (4xx, a lost connection) is tried again after each
    pause; if it still fails the message goes back to pending for the next run, and the rest of
    this run tries each message once, since the server is likely down.
    """
    report = Delivery()
    for row in store.outbox_rows("pending"):
        if not store.claim(row["id"]):
            continue
        label = f"{row['kind']} {row['duty']} {row['period']} → {row['recipients']}"
        message = message_from_bytes(row["message"], policy=policy.SMTP)
        error: MailError | None = None
        for pause in (*pauses, None):
            try:
                refused = mailer.send(message)
                error = None
                break
            except MailError as e:
                error = e
                if not e.transient or pause is None:
                    break
                sleep(pause)
        if error is not None:
            pauses = ()
            give_up = not error.transient or row["attempts"] + 1 >= max_attempts
            store.settle(row["id"], "failed" if give_up else "pending", now, str(error))
            (report.failed if give_up else report.deferred).append(f"{label}: {error}")
            continue
        if refused:
            detail = "; ".join(f"{a}: {r}" for a, r in refused.items())
            store.settle(row["id"], "sent", now, f"refused: {detail}")
            report.refused.append(f"{label}: {detail}")
        else:
            store.settle(row["id"], "sent", now)
        report.sent.append(label)
    return report
