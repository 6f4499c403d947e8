"""Watching the inbox and the operator's mailbox, so that a file is answered within a minute.

`sprint watch` (started by `sprint up`) polls, every `interval` seconds: the mailbox (a local
Maildir, or IMAP), taking in each new message (sprint/mailin); then every unit's folder, with
the scan the intake itself does (a directory listing and a stat per file; a file's SHA-256 is
computed once, then kept while its size and time stay the same; one query for the files taken
in). A file not taken in yet, and unchanged since the poll before (so not still being
copied), has landed: the watcher emits an event for its unit, and the intake deployment's
trigger runs the intake. A mail that needs an answer (no ledger, an unknown sender) emits one
too. A file still not taken in later is announced again, after 20 s, then 40 s, ... at most
every 10 minutes: a trigger that was swallowed (the trigger fires at most once in its window)
or a run that failed does not leave it waiting for the next scheduled run.

Polling, not file-system notifications: it works the same on a network share (where inotify
sees nothing written by another machine) and costs a few milliseconds a poll. The emitting
itself is given (`emit`): this module imports no Prefect.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sprint import intake
from sprint.calendar import BEIJING
from sprint.mailin.boxes import MailboxError
from sprint.mailin.letter import DUPLICATE, take
from sprint.mailin.record import NO_LEDGER, TAKEN, UNKNOWN
from sprint.one_verdict import masked
from sprint.plan import Plan
from sprint.store import Store
from sprint.window import outside

LANDED, MAIL_READ = "sprint.ledger.landed", "sprint.mail.read"
AGAIN_FIRST, AGAIN_MOST = 20.0, 600.0
Emit = Callable[[str, str, dict], None]  # event, unit code, payload
log = logging.getLogger("sprint.watch")


@dataclass
class _Pending:
    size_mtime: tuple[int, int]
    announced: float | None = None  # monotonic time of the last event for it
    wait: float = AGAIN_FIRST


@dataclass
class Watcher:
    plan: Plan
    store: Store
    inbox: Path
    letters_root: Path
    emit: Emit
    mailbox: object | None = None  # boxes.Maildir or boxes.Imap
    clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(BEIJING)
    pending: dict[tuple[str, str], _Pending] = field(default_factory=dict)
    whole: set[tuple[str, str]] = field(default_factory=set)  # placed by the mail reader
    mailbox_failures: int = 0
    _mail_after: float = 0.0

    def step(self) -> int:
        """One poll: the mailbox, then the folders. Returns how many events it emitted."""
        now = self.clock()
        live = outside(self.plan, now) is None
        emitted = self._read_mail(now, live)
        return emitted + (self._scan(now) if live else 0)

    def _read_mail(self, now: dt.datetime, live: bool) -> int:
        if self.mailbox is None or time.monotonic() < self._mail_after:
            return 0
        try:
            taken = self.mailbox.read(lambda raw, delivered: take(
                raw, delivered, self.plan, self.store, self.inbox, self.letters_root, now))
            self.mailbox_failures = 0
        except MailboxError as e:
            self.mailbox_failures += 1
            pause = min(5.0 * 2 ** (self.mailbox_failures - 1), 300.0)
            self._mail_after = time.monotonic() + pause
            log.warning("mailbox not read (%s); again in %.0f s", e, pause)
            return 0
        emitted = 0
        for t in taken:
            if t.outcome == DUPLICATE:
                log.info("mail %s: taken in before, skipped", t.sha256[:12])
                continue
            log.info("mail %s from %s (%s): %s%s", t.sha256[:12], t.sender or "?",
                     t.unit or "no unit", t.outcome, f" ({t.why})" if t.why else "")
            for p in t.placed:
                log.info("  placed %s", masked(f"{p.parent.name}/{p.name}"))
            if live and t.outcome in (NO_LEDGER, UNKNOWN):
                unit = t.unit or self.plan.operator
                self._emit(MAIL_READ, unit, {"mail": t.sha256[:16], "outcome": t.outcome})
                emitted += 1
            elif t.outcome == TAKEN:  # written whole, then moved in: no need to wait
                self.whole.update((t.unit, p.name) for p in t.placed)
        return emitted

    def _scan(self, now: dt.datetime) -> int:
        arrivals, _ = intake.scan(self.inbox, self.plan, self.store, now)
        seen, emitted, tick = set(), 0, time.monotonic()
        for a in arrivals:
            key = (a.unit, a.path.name)
            seen.add(key)
            try:
                st = a.path.stat()
            except FileNotFoundError:
                continue
            state = (st.st_size, st.st_mtime_ns)
            p = self.pending.get(key)
            if p is None or p.size_mtime != state:  # new, or still being written
                self.pending[key] = p = _Pending(state)
                if key not in self.whole:
                    continue  # landed once it stays the same until the next poll
            if p.announced is None or tick - p.announced >= p.wait:
                again = p.announced is not None
                self._emit(LANDED, a.unit, {"file": a.sha256[:16], "again": again})
                if again:
                    p.wait = min(p.wait * 2, AGAIN_MOST)
                p.announced = tick
                emitted += 1
        for key in set(self.pending) - seen:  # taken in, or gone
            del self.pending[key]
        self.whole &= seen
        return emitted

    def _emit(self, event: str, unit: str, payload: dict) -> None:
        try:
            self.emit(event, unit, payload)
        except Exception as e:  # the server away: the file is announced again later
            log.warning("event %s for %s not emitted: %s", event, unit, e)


def run(watcher: Watcher, interval: float, stop: Callable[[], bool] = lambda: False) -> None:
    """Poll until `stop()`; a poll that fails is logged, and the next one comes all the same."""
    while not stop():
        started = time.monotonic()
        try:
            watcher.step()
        except Exception:
            log.exception("watch: this poll failed; the next one follows")
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
