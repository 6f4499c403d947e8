"""Watching the inbox and the operator's mailbox, so that a file is answered within a minute.

`sprint watch` (started by `sprint up`) polls, every `interval` seconds: the mailbox (a local
Maildir, or IMAP), taking in each new message (sprint/mailin); then every unit's folder, with
the scan the intake itself does (a directory listing and a stat per file; a file's SHA-256 is
computed once, then kept while its size and time stay the same; one query for the files taken
in). A file not taken in yet, and unchanged since the poll before (so not still being copied;
the mail reader's files are written whole before they appear), has landed: the watcher emits
an event for its unit, and the intake deployment's trigger runs the intake, which takes in
every unit's new files. A mail that needs an answer (no ledger, an unknown sender) is
announced the same way.

Events go out in batches, one per unit with something new: a batch as soon as everything the
last one announced is taken in (its intake run is over), else at most every `hold` seconds;
what lands while an intake runs is taken by the next. Anything announced and still not taken in
(or answered) is announced again after 20 s, then 40 s, ... at most every 10 minutes, so a run
that failed or an event that was lost does not leave a file waiting for the scheduled run.

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

from sprint.domain.calendar import BEIJING
from sprint.domain.plan import Plan
from sprint.domain.records import AUTOMATIC, NO_LEDGER, TAKEN, UNKNOWN, UNREADABLE
from sprint.domain.window import Window, window
from sprint.mailin.boxes import MailboxError
from sprint.mailin.letter import DUPLICATE, take
from sprint.reading.one_verdict import masked
from sprint.services import intake
from sprint.store.store import Store

LANDED, MAIL_READ = "sprint.ledger.landed", "sprint.mail.read"
# A batch goes as soon as the last one is taken in (its intake run is over), or after HOLD
# seconds if it is not (a run that failed, a file it cannot take): one run at a time, never a
# pile of them waiting for the deployment's one slot.
HOLD, AGAIN_FIRST, AGAIN_MOST = 5.0, 20.0, 600.0
Emit = Callable[[str, str, dict], None]  # event, unit code, payload
log = logging.getLogger("sprint.job.watch")
OUTCOMES = {TAKEN: "台账已收取", NO_LEDGER: "无台账附件，将答复", UNKNOWN: "发件人不是方案中的单位",
            AUTOMATIC: "自动回复，不处理", UNREADABLE: "无法读取", DUPLICATE: "此前已收取"}


@dataclass
class _Item:
    unit: str
    event: str
    ref: str  # the file's or the mail's SHA-256, first 16
    state: tuple = ()  # a file's size and time when last seen
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
    hold: float = HOLD
    files: dict[tuple[str, str], _Item] = field(default_factory=dict)  # (unit, name)
    letters: dict[str, _Item] = field(default_factory=dict)  # by ref
    whole: set[tuple[str, str]] = field(default_factory=set)  # placed by the mail reader
    mailbox_failures: int = 0
    _mail_after: float = 0.0
    _last: float = float("-inf")
    _window: Window = field(init=False)

    def __post_init__(self) -> None:
        # The plan does not change while the watcher runs: its window is found once, not at
        # every poll (it walks every period of every duty).
        self._window = window(self.plan)

    def step(self) -> int:
        """One poll: the mailbox, then the folders, then the events due. Returns how many
        events it emitted."""
        now = self.clock()
        live = now in self._window
        self._read_mail(now)
        ready = []
        if live:
            ready = self._scan(now) + self._unanswered()
        tick = time.monotonic()
        due = [i for i in ready if i.announced is None or tick - i.announced >= i.wait]
        if not due or (self._taking() and tick - self._last < self.hold):
            return 0
        by_event: dict[tuple[str, str], list[_Item]] = {}
        for item in due:
            by_event.setdefault((item.event, item.unit), []).append(item)
        for (event, unit), items in sorted(by_event.items()):
            self._emit(event, unit, {"refs": [i.ref for i in items],
                                     "again": any(i.announced is not None for i in items)})
        log.info("通知即时收件：%s", "、".join(f"{unit}（{len(items)}）" for (_, unit), items
                                          in sorted(by_event.items())))
        for item in due:
            if item.announced is not None:
                item.wait = min(item.wait * 2, AGAIN_MOST)
            item.announced = tick
        self._last = tick
        return len(by_event)

    def _read_mail(self, now: dt.datetime) -> None:
        if self.mailbox is None or time.monotonic() < self._mail_after:
            return
        try:
            taken = self.mailbox.read(lambda raw, delivered: take(
                raw, delivered, self.plan, self.store, self.inbox, self.letters_root, now))
            self.mailbox_failures = 0
        except MailboxError as e:
            self.mailbox_failures += 1
            pause = min(5.0 * 2 ** (self.mailbox_failures - 1), 300.0)
            self._mail_after = time.monotonic() + pause
            log.warning("邮箱未能读取（%s）；%.0f 秒后重试", e, pause)
            return
        for t in taken:
            if t.outcome == DUPLICATE:
                log.info("邮件 %s：此前已收取，跳过", t.sha256[:12])
                continue
            log.info("邮件 %s，发件人 %s（%s）：%s%s", t.sha256[:12], t.sender or "?",
                     t.unit or "未知单位", OUTCOMES.get(t.outcome, t.outcome),
                     f"（{t.why}）" if t.why else "")
            for p in t.placed:
                log.info("  已放入 %s", masked(f"{p.parent.name}/{p.name}"))
            if t.outcome in (NO_LEDGER, UNKNOWN):
                unit = t.unit or self.plan.operator
                self.letters[t.sha256[:16]] = _Item(unit, MAIL_READ, t.sha256[:16])
            elif t.outcome == TAKEN:
                self.whole.update((t.unit, p.name) for p in t.placed)

    def _scan(self, now: dt.datetime) -> list[_Item]:
        """Files not taken in yet that stayed the same since the poll before."""
        arrivals, _ = intake.scan(self.inbox, self.plan, self.store, now)
        seen, ready = set(), []
        for a in arrivals:
            key = (a.unit, a.path.name)
            seen.add(key)
            try:
                st = a.path.stat()
            except FileNotFoundError:
                continue
            state = (st.st_size, st.st_mtime_ns)
            item = self.files.get(key)
            if item is None or item.state != state:  # new, or still being written
                self.files[key] = item = _Item(a.unit, LANDED, a.sha256[:16], state)
                if key not in self.whole:
                    continue
            ready.append(item)
        for key in set(self.files) - seen:  # taken in, or gone
            del self.files[key]
        self.whole &= seen
        return ready

    def _taking(self) -> bool:
        """Whether something announced is still not taken in (or answered)."""
        return any(i.announced is not None for i in (*self.files.values(), *self.letters.values()))

    def _unanswered(self) -> list[_Item]:
        for ref in self.store.letters.answered(set(self.letters)):
            del self.letters[ref]
        return list(self.letters.values())

    def _emit(self, event: str, unit: str, payload: dict) -> None:
        try:
            self.emit(event, unit, payload)
        except Exception as e:  # the server away: announced again later
            log.warning("事件 %s（%s）未能发出：%s；稍后重发", event, unit, e)


def run(watcher: Watcher, interval: float, stop: Callable[[], bool] = lambda: False) -> None:
    """Poll until `stop()`; a poll that fails is logged, and the next one comes all the same."""
    while not stop():
        started = time.monotonic()
        try:
            watcher.step()
        except Exception:
            log.exception("收件监视：本轮检查失败，下一轮照常进行")
        time.sleep(max(0.0, interval - (time.monotonic() - started)))
