"""Delivering the outbox: each recorded message leaves at most once."""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from sprint.mail.compose import Draft, to_bytes
from sprint.mail.mailer import Mailer, MailError
from sprint.store import Store


@dataclass
class Delivery:
    sent: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # transient failure: stays pending
    failed: list[str] = field(default_factory=list)  # permanent failure: the operator must act
    refused: list[str] = field(default_factory=list)  # some recipients refused, others got it
    in_doubt: list[str] = field(default_factory=list)  # a run died while sending them

    @property
    def problems(self) -> list[str]:
        return self.deferred + self.failed + self.refused + self.in_doubt

    @property
    def for_the_operator(self) -> list[str]:
        """What the operator must act on (not what the next run will retry by itself)."""
        return [p for p in self.failed + self.refused + self.in_doubt
                if not p.startswith(f"{NOTICE_KIND} ")]


NOTICE_KIND = "delivery-report"
CLAIMER = f"{socket.gethostname()}:{os.getpid()}"
STALE = dt.timedelta(hours=1)


def claimer_is_dead(claimer: str | None, claimed_at: dt.datetime | None,
                    now: dt.datetime | None = None) -> bool:
    """A claim is dead when its process on this host is gone, or it is over an hour old."""
    host, _, pid = (claimer or "").rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        if int(pid) == os.getpid():
            return False
        try:
            os.kill(int(pid), 0)
            return False
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return claimed_at is None or now - claimed_at > STALE


def _label(row: dict) -> str:
    return f"{row['kind']} {row['duty']} {row['period']} → {row['recipients']} (#{row['id']})"


def enqueue(store: Store, drafts: list[Draft], sender: str, sender_name: str,
            now: dt.datetime) -> int:
    """Record every draft whose key is new; returns how many were new."""
    new = 0
    known = store.keys()
    for d in drafts:
        if d.key in known:
            continue
        # CRLF line endings, as SMTP wants them: the bytes go out exactly as recorded.
        message = to_bytes(d, sender, sender_name)
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
    for row in store.mark_in_doubt(claimer_is_dead):
        report.in_doubt.append(f"{_label(row)}: the run sending it stopped "
                               "mid-send; check, then `sprint outbox --resend ID`")
    rows = store.outbox_rows("pending")
    with _Bookkeeper(store, now) as book:
        claims = [book.claim(rows[0]["id"])] if rows else []
        for i, row in enumerate(rows):
            claimed = claims[i].result()
            if i + 1 < len(rows):  # the next claim is written while this message is sent
                claims.append(book.claim(rows[i + 1]["id"]))
            if not claimed:
                continue
            label = _label(row)
            error: MailError | None = None
            for pause in (*pauses, None):
                try:
                    refused = mailer.send_raw(row["recipients"].split(","), row["message"])
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
                book.settle(row["id"], "failed" if give_up else "pending", str(error))
                (report.failed if give_up else report.deferred).append(f"{label}: {error}")
                continue
            if refused:
                detail = "; ".join(f"{a}: {r}" for a, r in refused.items())
                book.settle(row["id"], "sent", f"refused: {detail}")
                report.refused.append(f"{label}: {detail}")
            else:
                book.settle(row["id"], "sent", None)
            report.sent.append(label)
    return report


class _Bookkeeper:
    """The outbox's writes, in order, on a thread of their own, beside the sending.

    Each message is claimed (pending -> sending) before it leaves, which is what stops a second
    sending, and settled after. Written on the sending thread, those two commits cost as much as
    the SMTP exchange itself; here the claim of the next message and the settling of the last
    are written while the server answers. The price: a run killed mid-send leaves at most two
    messages 'sending' (the one on the wire and the one claimed next) instead of one, and both
    are reported in doubt, never sent again by themselves."""

    def __init__(self, store: Store, now: dt.datetime):
        self._now = now
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox")
        self._settled: list[Future] = []
        # Opened on the writing thread, and used only there, as database drivers want.
        self._db = self._writer.submit(store.outbox_writer).result()

    def __enter__(self):
        return self

    def claim(self, message_id: int) -> Future:
        return self._writer.submit(self._db.claim, message_id, CLAIMER, self._now)

    def settle(self, message_id: int, status: str, error: str | None) -> None:
        self._settled.append(self._writer.submit(self._db.settle, message_id, status,
                                                 self._now, error))

    def __exit__(self, *exc) -> None:
        self._writer.submit(self._db.close)
        self._writer.shutdown(wait=True)
        if exc[0] is None:
            for done in self._settled:
                done.result()  # a settling that failed fails the delivery, as it did inline


def merge(first: Delivery, second: Delivery) -> Delivery:
    return Delivery(*(getattr(first, f) + getattr(second, f)
                      for f in ("sent", "deferred", "failed", "refused", "in_doubt")))
