"""Delivering the outbox: each recorded message leaves at most once."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import socket
import time
from dataclasses import dataclass, field

from sprint.domain.records import ROBOT  # group robots' messages: sprint.chat delivers them
from sprint.mailout.compose import Message, to_bytes
from sprint.mailout.mailer import Mailer, MailError
from sprint.store.outbox_writer import OutboxWriter
from sprint.store.store import Store, StoreError


@dataclass
class Delivery:
    sent: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # transient failure: stays pending
    failed: list[str] = field(default_factory=list)  # permanent failure: the operator must act
    refused: list[str] = field(default_factory=list)  # some recipients refused, others got it
    in_doubt: list[str] = field(default_factory=list)  # a run died while sending them
    stopped: str = ""  # why the delivery stopped before the end (the rest wait, pending)

    @property
    def problems(self) -> list[str]:
        return ([self.stopped] if self.stopped else []) + (
            self.deferred + self.failed + self.refused + self.in_doubt)

    @property
    def for_the_operator(self) -> list[str]:
        """What the operator must act on (not what the next run will retry by itself)."""
        return [p for p in self.failed + self.refused + self.in_doubt
                if not p.startswith(f"{NOTICE_KIND} ")]


NOTICE_KIND = "delivery-report"
DELIVERY_READS = ("id", "duty", "period", "unit", "kind", "recipients", "attempts")
CLAIMER = f"{socket.gethostname()}:{os.getpid()}"
STALE = dt.timedelta(hours=1)  # the plan's limits.sending_stale_minutes, unless told
TIMEOUTS_BEFORE_STOP = 3


def claimer_is_dead(claimer: str | None, claimed_at: dt.datetime | None,
                    now: dt.datetime | None = None, stale: dt.timedelta = STALE) -> bool:
    """A claim is dead when it is older than `stale` (wall-clock time, as claims are stamped),
    or when its process on this host is gone.

    A live process with the claimer's pid proves nothing once the claim is stale: pids are
    reused, and no send takes an hour."""
    now = now or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if claimed_at is not None and claimed_at.tzinfo is not None:
        claimed_at = claimed_at.astimezone(dt.UTC).replace(tzinfo=None)
    if claimed_at is None or now - claimed_at > stale:
        return True
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
    return False  # another host's claim, still young: its run may be sending it now


def _label(row: dict) -> str:
    return f"{row['kind']} {row['duty']} {row['period']} → {row['recipients']} (#{row['id']})"


def enqueue(store: Store, messages: list[Message], sender: str, sender_name: str,
            now: dt.datetime) -> int:
    """Record every message none of whose keys is recorded yet; returns how many were new."""
    new = 0
    known = store.keys()
    for m in messages:
        covers = m.covers or (m.key,)
        if any(k in known for k in covers):
            continue
        # CRLF line endings, as SMTP wants them: the bytes go out exactly as recorded.
        new += store.enqueue(m.key, m.to, m.subject, to_bytes(m, sender, sender_name), now, covers)
    return new


def deliver(store: Store, mailer: Mailer, now: dt.datetime, max_attempts: int = 10,
            pauses: tuple[float, ...] = (1.0, 3.0), sleep=time.sleep,
            stale: dt.timedelta = STALE, timeouts_before_stop: int = TIMEOUTS_BEFORE_STOP,
            kinds: set[str] | None = None, silent: int = 0) -> Delivery:
    """Send every pending message once.

    A message is claimed (pending -> sending) before the server can take it, so a concurrent
    run or a retry cannot send it again: the claim is written while the server reads the MAIL
    command, and the message's DATA waits for it (Mailer.send_raw). A transient failure (4xx, a lost connection) is tried again after each
    pause; if it still fails the message goes back to pending for the next run, and the rest of
    this run tries each message once, since the server is likely down. A server that accepts
    and never answers costs a whole time-out per try: after `timeouts_before_stop` in a row
    the delivery stops, and every message not yet tried stays pending for the next run.
    A message left 'sending' for longer than `stale` by a run that died is in doubt.
    `kinds` delivers only messages of those kinds (the operator's report, after the rest), and
    leaves stale claims to the full delivery; `silent` is the time-outs in a row so far in this
    run: a run whose server stopped answering tries nothing more.
    """
    report = Delivery()
    for row in [] if kinds else store.mark_in_doubt(
            lambda claimer, at: claimer_is_dead(claimer, at, stale=stale)):
        report.in_doubt.append(f"{_label(row)}: the run sending it stopped "
                               "mid-send; check, then `sprint outbox --resend ID`")
    rows = [r for r in store.outbox_rows("pending", with_message=False, only=DELIVERY_READS)
            if (kinds is None or r["kind"] in kinds) and not r["kind"].startswith(ROBOT)]
    writer = OutboxWriter(store)
    settle = None  # how the message just sent went: written with the next claim, one commit
    claim = None
    try:
        for position, row in enumerate(rows):
            if silent >= timeouts_before_stop:
                left = rows[position:]
                report.stopped = (f"the mail server did not answer {silent} times in a row: "
                                  f"delivery stopped, {len(left)} message(s) not tried wait, "
                                  "pending, for the next run")
                report.deferred += [f"{_label(r)}: not tried, the server did not answer"
                                    for r in left]
                break
            claim = _Claim(writer, row["id"], now, settle)
            settle = None
            label = _label(row)
            refused: dict[str, str] | None = None
            error: MailError | None = None
            for pause in (*pauses, None):
                try:
                    refused = mailer.send_raw(row["recipients"].split(","), claim)
                    error, silent = None, 0
                    break
                except MailError as e:
                    error = e.with_traceback(None)  # kept: no cycle through this frame
                    silent = silent + 1 if e.timed_out else 0
                    if (not e.transient or pause is None or claim.taken_elsewhere
                            or silent >= timeouts_before_stop):
                        break
                    sleep(pause)
            # A server that failed before asking for the message leaves it unclaimed: claim it
            # now, so that the attempt counts and the message before is settled all the same.
            if claim() is None:
                if claim.lost is not None:  # its bytes are gone: it can never leave
                    settle = (row["id"], "failed", str(claim.lost))
                    report.failed.append(f"{label}: {claim.lost}")
                continue  # or another run took it first
            if error is not None and error.in_doubt:
                settle = (row["id"], "doubt", str(error))
                report.in_doubt.append(f"{label}: {error}; check, then `sprint outbox --resend ID`")
                continue
            if error is not None:
                pauses = ()
                give_up = not error.transient or row["attempts"] + 1 >= max_attempts
                settle = (row["id"], "failed" if give_up else "pending", str(error))
                (report.failed if give_up else report.deferred).append(f"{label}: {error}")
                continue
            if refused:
                detail = "; ".join(f"{a}: {r}" for a, r in refused.items())
                settle = (row["id"], "sent", f"refused: {detail}")
                report.refused.append(f"{label}: {detail}")
            else:
                settle = (row["id"], "sent", None)
            report.sent.append(label)
        if settle is not None:
            writer.settle(settle[0], settle[1], now, settle[2])
    finally:
        if claim is not None and not claim.done and claim.settle is not None:
            # Stopped before the next claim (an error other than the mail's): the message
            # before still gets how it went, if the store can take it.
            with contextlib.suppress(Exception):
                writer.settle(*claim.settle[:2], now, claim.settle[2])
        writer.close()
    return report


class _Claim:
    """Claiming one message, done when the mailer first asks for its bytes (while the server
    reads the MAIL command) and only once, however often the sending is tried. It carries the
    settling of the message before, so each message costs one commit."""

    def __init__(self, writer: OutboxWriter, message_id: int, now: dt.datetime,
                 settle: tuple[int, str, str | None] | None):
        self._writer, self._id, self._now, self.settle = writer, message_id, now, settle
        self.done = False
        self._message: bytes | None = None
        self.lost: StoreError | None = None

    def __call__(self) -> bytes | None:
        if not self.done:
            try:
                self._message = self._writer.claim(self._id, CLAIMER, self._now, self.settle)
            except StoreError as e:  # the claim took nothing: the mailer abandons the message
                self.lost = e
            self.done = True
        return self._message

    @property
    def taken_elsewhere(self) -> bool:
        return self.done and self._message is None


_FIELDS = ("sent", "deferred", "failed", "refused", "in_doubt")


def _ids(entries: list[str]) -> set[str]:
    return {m.group(1) for e in entries if (m := _ID.search(e))}


_ID = re.compile(r"\(#(\d+)\)")


def merge(first: Delivery, second: Delivery) -> Delivery:
    """Two deliveries of one run as one: a message still waiting after the first and tried (or
    passed over) again in the second is counted once, as the second left it."""
    again = set().union(*(_ids(getattr(second, f)) for f in _FIELDS))
    deferred = [e for e in first.deferred if not (_ids([e]) & again)]
    merged = Delivery(*(deferred if f == "deferred" else getattr(first, f)
                        for f in _FIELDS))
    for f in _FIELDS:
        getattr(merged, f).extend(getattr(second, f))
    merged.stopped = first.stopped or second.stopped
    return merged
