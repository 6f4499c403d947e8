"""The project's store: intake records and the outbox, on any SQLAlchemy database."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event, insert, select, update
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError

from sprint.mailin.record import Letters
from sprint.notice_drafts import NoticeDrafts, NoticeRecord
from sprint.outbox_writer import OutboxWriter
from sprint.schema import (
    StoreError,
    aware,
    create_tables,
    fill_parts,
    messages,
    move_messages_out,
    outbox,
    parts,
    sqlite_pragmas,
    submissions,
    utc,
)

__all__ = ["NoticeRecord", "OutboxKey", "Receipt", "Store", "StoreError"]


def _without(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text



@dataclass(frozen=True)
class Receipt:
    id: int
    unit: str
    sha256: str
    file_name: str
    kept_path: str
    received_at: dt.datetime
    duty: str | None
    period: str | None
    template: str | None
    verdict: str
    rows: int
    problems_json: str  # parsed only when a reply needs it: most receipts are read for dates
    notes: int

    @property
    def accepted(self) -> bool:
        return self.verdict == "accepted"

    @property
    def problems(self) -> list[dict]:
        """What made the file refused: row, column, value, reason."""
        return [p for p in json.loads(self.problems_json) if not p.get("note")]

    @property
    def remarks(self) -> list[dict]:
        """Notes that did not refuse the file (an ID issued elsewhere, an age outside 16-65)."""
        return [p for p in json.loads(self.problems_json) if p.get("note")]


@dataclass(frozen=True)
class OutboxKey:
    duty: str
    period: str
    unit: str
    kind: str
    ref: str = ""


class Store:
    def __init__(self, url: str):
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
                event.listen(self.engine, "connect", sqlite_pragmas)
            create_tables(self.engine)
            move_messages_out(self.engine)
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
        self._keys: set[OutboxKey] | None = None
        self.notices = NoticeDrafts(self.engine)
        self.letters = Letters(self.engine)

    def known_digests(self) -> set[tuple[str, str]]:
        """Every (unit, SHA-256) taken in so far, for a scan to skip in one query."""
        with self.engine.connect() as conn:
            return {(r.unit, r.sha256) for r in conn.execute(
                select(submissions.c.unit, submissions.c.sha256))}

    def record(self, **fields) -> bool:
        """Record a file taken in; False when the same content of the same unit is already known."""
        fields = fields | {
            "received_at": utc(fields["received_at"]),
            "problems": json.dumps(fields.get("problems", []), ensure_ascii=False),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(submissions).values(**fields))
            return True
        except IntegrityError:
            return False

    def receipts(self, duty: str | None = None) -> list[Receipt]:
        """Every file taken in (of one duty), in the order received.

        Only rows this process has not read yet are fetched whole. They are found by id, not by
        "above the highest id seen": on PostgreSQL a transaction holding a smaller id can commit
        after a larger one was read."""
        with self.engine.connect() as conn:
            ids = {i for (i,) in conn.execute(select(submissions.c.id))}
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
        return [r for r in self._receipts if duty is None or r.duty == duty]

    def unanswered_rejections(self) -> list[Receipt]:
        """Refused files whose reply is not yet in the outbox (a crash may have come between)."""
        query = select(outbox.c.unit, outbox.c.ref).where(outbox.c.kind == "rejection")
        with self.engine.connect() as conn:
            replied = {(r.unit, r.ref) for r in conn.execute(query)}
        return [r for r in self.receipts() if not r.accepted
                and (r.unit, r.sha256[:16]) not in replied]

    def enqueue(self, key: OutboxKey, recipients: list[str], subject: str, message: bytes,
                now: dt.datetime, covers: tuple[OutboxKey, ...] = ()) -> bool:
        """Record a message before it leaves, with the keys it settles (its own by default);
        False when any of them was recorded before: then nothing of it is recorded."""
        covers = covers or (key,)
        try:
            with self.engine.begin() as conn:
                done = conn.execute(insert(outbox).values(
                    duty=key.duty, period=key.period, unit=key.unit, kind=key.kind, ref=key.ref,
                    recipients=",".join(recipients), subject=subject,
                    status="pending", attempts=0, created_at=utc(now),
                ))
                message_id = done.inserted_primary_key[0]
                conn.execute(insert(messages).values(id=message_id, message=message))
                conn.execute(insert(parts), [
                    {"message_id": message_id, "duty": k.duty, "period": k.period,
                     "unit": k.unit, "kind": k.kind, "ref": k.ref} for k in covers])
            return True
        except IntegrityError:
            return False
        finally:
            if self._keys is not None:
                self._keys.update(covers)

    def keys(self) -> set[OutboxKey]:
        """Every key a recorded message settles, so that what is recorded is not drafted again.

        Read once per process: a key another process adds later is caught by the unique parts
        when this one tries to record it, so a stale set costs a rendering, never a message."""
        if self._keys is None:
            query = select(parts.c.duty, parts.c.period, parts.c.unit, parts.c.kind, parts.c.ref)
            with self.engine.connect() as conn:
                self._keys = {OutboxKey(*r) for r in conn.execute(query)}
        return self._keys

    def told(self, kinds: tuple[str, ...]) -> dict[tuple[str, str], list[dt.datetime]]:
        """When messages of these kinds went, by the (duty, unit) each of their parts is about."""
        query = (select(parts.c.duty, parts.c.unit, outbox.c.sent_at)
                 .join(outbox, outbox.c.id == parts.c.message_id)
                 .where(parts.c.kind.in_(kinds), outbox.c.status == "sent"))
        out: dict[tuple[str, str], list[dt.datetime]] = {}
        with self.engine.connect() as conn:
            for duty, unit, sent_at in conn.execute(query):
                if sent_at is not None:
                    out.setdefault((duty, unit), []).append(aware(sent_at))
        return out

    def outbox_rows(self, status: str | None = None, with_message: bool = True,
                    only: tuple[str, ...] | None = None) -> list[dict]:
        """`only`: these columns of the outbox (a delivery reads no dates, and reading them
        back from SQLite's text took it 15 µs a row)."""
        columns = [outbox.c[n] for n in only] if only else [outbox]
        query = select(*columns).order_by(outbox.c.id)
        if with_message:
            query = select(*columns, messages.c.message).join(
                messages, messages.c.id == outbox.c.id).order_by(outbox.c.id)
        if status is not None:
            query = query.where(outbox.c.status == status)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def claim(self, message_id: int, claimer: str, now: dt.datetime) -> bool:
        """Take a pending message for sending; False when another run took it first. The
        claim is stamped with the wall clock, whatever the run's `now` (see OutboxWriter)."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(outbox)
                .where(outbox.c.id == message_id, outbox.c.status == "pending")
                .values(status="sending", attempts=outbox.c.attempts + 1, claimed_by=claimer,
                        claimed_at=utc(dt.datetime.now(dt.UTC)))
            )
            return done.rowcount == 1

    def message(self, message_id: int) -> bytes | None:
        with self.engine.connect() as conn:
            return conn.execute(select(messages.c.message).where(messages.c.id == message_id)
                                ).scalar_one_or_none()

    def outbox_writer(self) -> OutboxWriter:
        """Claims and settlings for one delivery, on a connection of their own (see OutboxWriter)."""
        return OutboxWriter(self)

    def mark_in_doubt(self, is_dead) -> list[dict]:
        """Messages whose sending run died mid-send: they may or may not have gone.

        They are never sent again by themselves (that could send them twice); they are marked
        'doubt' and reported, and the operator re-sends them with `sprint outbox --resend`.
        """
        rows = [r for r in self.outbox_rows("sending", with_message=False)
                if is_dead(r["claimed_by"], r["claimed_at"])]
        with self.engine.begin() as conn:
            for r in rows:
                conn.execute(update(outbox).where(outbox.c.id == r["id"], outbox.c.status == "sending")
                             .values(status="doubt", last_error="the run sending it stopped "
                                     "mid-send: it may or may not have been delivered"))
        return rows

    def resend(self, ids: list[int]) -> list[int]:
        """Put failed or doubtful messages back in the queue; returns the ids it changed."""
        changed = []
        with self.engine.begin() as conn:
            for message_id in ids:
                done = conn.execute(update(outbox).where(
                    outbox.c.id == message_id, outbox.c.status.in_(("failed", "doubt"))
                ).values(status="pending", attempts=0))
                if done.rowcount:
                    changed.append(message_id)
        return changed

    def settle(self, message_id: int, status: str, now: dt.datetime, error: str | None = None):
        values = {"status": status, "last_error": error}
        if status == "sent":
            values["sent_at"] = utc(now)
        with self.engine.begin() as conn:
            conn.execute(update(outbox).where(outbox.c.id == message_id).values(**values))
