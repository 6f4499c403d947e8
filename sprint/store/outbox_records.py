"""The outbox's records: each message written before it leaves, with the keys it settles,
then claimed, settled, put in doubt or queued again. Mixed into the Store, whose engine and
cache of keys it uses."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from sprint.domain.records import OutboxKey
from sprint.store.schema import aware, messages, outbox, parts, utc


class OutboxRecords:
    engine: Engine
    _keys: set[OutboxKey] | None
    _told: dict[tuple[str, ...], tuple[tuple, dict]]  # kinds -> ((count, sum of ids), answer)

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
        """When messages of these kinds went, by the (duty, unit) each of their parts is about.

        No row is deleted and a sent message stays sent (but for a run that settles a message
        another took meanwhile), so the same count and sum of ids of the sent messages as at
        the last read means the same answer, kept: a replay asks 615 times (read, it took 3 %);
        a run of the main job has a store of its own, so there it is read once per run."""
        query = (select(parts.c.duty, parts.c.unit, outbox.c.sent_at)
                 .join(outbox, outbox.c.id == parts.c.message_id)
                 .where(parts.c.kind.in_(kinds), outbox.c.status == "sent"))
        out: dict[tuple[str, str], list[dt.datetime]] = {}
        with self.engine.connect() as conn:
            sent = tuple(conn.execute(select(func.count(), func.coalesce(func.sum(outbox.c.id), 0))
                                      .where(outbox.c.status == "sent")).one())
            if (kept := self._told.get(kinds)) and kept[0] == sent:
                return kept[1]
            for duty, unit, sent_at in conn.execute(query):
                if sent_at is not None:
                    out.setdefault((duty, unit), []).append(aware(sent_at))
        self._told[kinds] = (sent, out)
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

    def claim(self, message_id: int, claimer: str) -> bool:
        """Take a pending message for sending; False when another run took it first. The
        claim is stamped with the wall clock, not the run's time (see OutboxWriter)."""
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
