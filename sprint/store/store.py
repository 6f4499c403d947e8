"""The project's store: intake records and the outbox, on any SQLAlchemy database."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
from pathlib import Path

from sqlalchemy import create_engine, event, func, insert, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError

from sprint.domain.records import LOCK_MARK, NoticeRecord, OutboxKey, Receipt, lock_refusal
from sprint.store.content_key import widen
from sprint.store.letters import Letters
from sprint.store.notice_drafts import NoticeDrafts
from sprint.store.outbox_records import OutboxRecords
from sprint.store.robot_state import RobotState
from sprint.store.schema import (
    StoreError,
    aware,
    create_tables,
    fill_parts,
    move_messages_out,
    outbox,
    submissions,
    utc,
)
from sprint.store.sqlite_locks import BUSY_SECONDS, locked_is_a_store_error, sqlite_pragmas
from sprint.store.unlocks import Reviews, Unlocks

__all__ = ["NoticeRecord", "OutboxKey", "Receipt", "Store", "StoreError"]


def _without(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text



class Store(OutboxRecords):
    @property
    def robots(self) -> RobotState:
        """The group robots' standing (sprint/chat)."""
        return RobotState(self.engine)

    def __init__(self, url: str, busy_seconds: float = BUSY_SECONDS):
        # Files a scan found to be ones this store took in before, at the same time: (path,
        # size, mtime_ns). Held by the store object, so a new store (or a store rebuilt) starts
        # empty; a replay scans a growing inbox 615 times and would hash each one again.
        self.seen: set[tuple[str, int, int]] = set()
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StoreError("SPRINT_DATABASE_URL is not a database URL") from None
        shown = parsed.render_as_string(hide_password=True)
        try:
            if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self.engine: Engine = create_engine(parsed, future=True)
            if parsed.get_backend_name() == "sqlite":
                event.listen(self.engine, "connect",
                             functools.partial(sqlite_pragmas, busy_seconds=busy_seconds))
                event.listen(self.engine, "handle_error", locked_is_a_store_error)
            create_tables(self.engine)
            move_messages_out(self.engine)
            widen(self.engine)
            with contextlib.suppress(IntegrityError):  # another opener filled them first
                fill_parts(self.engine)
        except (OperationalError, DBAPIError) as e:
            raise StoreError(f"the store {shown} cannot be opened: "
                             f"{_without(str(e.orig), parsed.password)}") from None
        except (OSError, ImportError, ArgumentError) as e:
            raise StoreError(f"the store {shown} cannot be opened: "
                             f"{_without(str(e), parsed.password)}") from None

        # Rows are only ever added, so each process keeps what it has read and asks for the rest.
        self._receipts: list[Receipt] = []
        self._seen: set[int] = set()
        self._as_reviewed: dict[tuple, Receipt] = {}
        self._keys: set[OutboxKey] | None = None
        self._told: dict = {}
        self.notices = NoticeDrafts(self.engine)
        self.letters = Letters(self.engine)
        self.unlocks = Unlocks(self.engine)
        self.reviews = Reviews(self.engine)

    def known_digests(self) -> dict[tuple[str, str], list[tuple[str | None, str | None, dt.datetime, bool]]]:
        """Every (unit, SHA-256) taken in so far, with the (duty, period, received, refused by
        the lock) it was taken for each time, for a scan to tell in one query the same file
        seen again from the same content sent for a new period, or again after a lock."""
        out: dict[tuple[str, str], list] = {}
        locked = (submissions.c.verdict == "rejected") & submissions.c.problems.contains(LOCK_MARK)
        query = select(submissions.c.unit, submissions.c.sha256, submissions.c.duty,
                       submissions.c.period, submissions.c.received_at, locked.label("locked"))
        with self.engine.connect() as conn:
            for r in conn.execute(query):
                out.setdefault((r.unit, r.sha256), []).append(
                    (r.duty, r.period, aware(r.received_at), bool(r.locked)))
        return out

    def record(self, **fields) -> bool:
        """Record a file taken in; False when the same content of the same unit is already known
        for this period, or was taken for no period (refused before any duty was found: the same
        bytes under another name get the same answer). Content the lock refused for a period
        is taken once more, when it is accepted (under an exception the office opened)."""
        fields = fields | {
            "received_at": utc(fields["received_at"]),
            "problems": json.dumps(fields.get("problems", []), ensure_ascii=False),
        }
        same = (submissions.c.unit == fields["unit"]) & (submissions.c.sha256 == fields["sha256"])
        if fields.get("period") is not None:  # once per period, and never after content of none
            same &= (submissions.c.period == fields["period"]) | submissions.c.period.is_(None)
        try:
            with self.engine.begin() as conn:
                before = conn.execute(select(submissions.c.verdict, submissions.c.period,
                                             submissions.c.problems).where(same)).all()
                if before and not _lifted(before, fields):
                    return False
                conn.execute(insert(submissions).values(**fields))
            return True
        except IntegrityError:
            return False

    def receipts(self, duty: str | None = None, as_of: dt.datetime | None = None) -> list[Receipt]:
        """Every file taken in (of one duty), in the order received, with the office's review
        of each as it stood at `as_of` (a run's clock; default: now).

        Only rows this process has not read yet are fetched whole. They are found by id, not by
        "above the highest id seen": on PostgreSQL a transaction holding a smaller id can commit
        after a larger one was read."""
        with self.engine.connect() as conn:
            # Rows are never deleted: as many rows as seen means none new (most runs), without
            # reading every id (1.3 million rows over a replay's 2,000 calls).
            count = conn.execute(select(func.count()).select_from(submissions)).scalar_one()
            ids = {i for (i,) in conn.execute(select(submissions.c.id))} \
                if count != len(self._seen) else self._seen
            new = sorted(ids - self._seen)
            for start in range(0, len(new), 1000):
                chunk = new[start: start + 1000]
                for r in conn.execute(select(submissions).where(submissions.c.id.in_(chunk))).mappings():
                    fields = dict(r)
                    fields["problems_json"] = fields.pop("problems")
                    fields["received_at"] = aware(fields["received_at"])
                    self._receipts.append(Receipt(**fields))
        if new:
            self._seen.update(new)
            self._receipts.sort(key=lambda r: (r.received_at, r.id))
        decided = self.reviews.standing(as_of)  # few rows, and they change: read each time
        return [self._reviewed(r, decided.get(r.id)) for r in self._receipts
                if duty is None or r.duty == duty]

    def _reviewed(self, r: Receipt, decided: tuple[str, str] | None) -> Receipt:
        """The receipt as the office's review left it; each copy made once (a replay asks for
        every receipt 2,000 times, most of them with the same reviews)."""
        if decided is None or (r.review, r.review_note) == decided:
            return r
        key = (r.id, *decided)
        if key not in self._as_reviewed:
            self._as_reviewed[key] = dataclasses.replace(r, review=decided[0],
                                                         review_note=decided[1])
        return self._as_reviewed[key]

    def unanswered_rejections(self) -> list[Receipt]:
        """Refused files whose reply is not yet in the outbox (a crash may have come between)."""
        query = select(outbox.c.unit, outbox.c.period, outbox.c.ref).where(
            outbox.c.kind == "rejection")
        with self.engine.connect() as conn:
            replied = {(r.unit, r.period, r.ref) for r in conn.execute(query)}
        return [r for r in self.receipts() if not r.taken and (
            r.unit, r.period or r.received_at.date().isoformat(), r.sha256[:16]) not in replied]


def _lifted(before, fields) -> bool:
    """Whether content known for its period only by refusals of the lock is now accepted."""
    return fields["verdict"] == "accepted" and all(
        r.verdict == "rejected" and r.period is not None and lock_refusal(r.problems)
        for r in before)
