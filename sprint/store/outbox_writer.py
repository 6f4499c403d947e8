"""The outbox's writes while a delivery sends: the hot path, straight to the database driver."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import TYPE_CHECKING

from sprint.store.schema import StoreError, utc

if TYPE_CHECKING:
    from sprint.store.outbox_records import OutboxRecords


class OutboxWriter:
    """What each message costs the database during a delivery: one commit holding the settling
    of the message before and the claim of this one (which returns its bytes), as plain SQL on
    one held connection of the database driver.

    Through SQLAlchemy's statement machinery the two writes took a third of the time of sending
    the message over loopback SMTP; straight to the driver, in one commit, about a tenth. SQLite
    and PostgreSQL get their own placeholders and date values; any other database, or an SQLite
    older than 3.35 (no RETURNING), goes through Store. The settling is written before the next
    message leaves, so a run killed mid-send leaves exactly one message in doubt, as before.
    The outbox makes the claim while the server reads the message's MAIL command, so even that
    commit is hidden behind the network's wait."""

    _SQL = {
        # The claim returns the message's bytes: one statement fewer for each message.
        "claim": "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_by = {p},"
                 " claimed_at = {p} WHERE id = {p} AND status = 'pending'"
                 " RETURNING (SELECT message FROM outbox_messages WHERE outbox_messages.id = outbox.id)",
        "sent": "UPDATE outbox SET status = {p}, last_error = {p}, sent_at = {p} WHERE id = {p}",
        "other": "UPDATE outbox SET status = {p}, last_error = {p} WHERE id = {p}",
    }

    def __init__(self, store: OutboxRecords):
        self._store = store
        self._backend = store.engine.dialect.name
        self._connection = None
        # SQLAlchemy knows whether this database can return from an UPDATE (SQLite from 3.35).
        if self._backend in ("sqlite", "postgresql") and store.engine.dialect.update_returning:
            self._connection = store.engine.raw_connection()  # back to the pool on close
            self._cursor = self._connection.driver_connection.cursor()  # one for the delivery
            mark = "?" if self._backend == "sqlite" else "%s"
            self._sql = {k: v.format(p=mark) for k, v in self._SQL.items()}
        self._stamps: dict[dt.datetime, object] = {}  # a delivery has one clock: format it once

    def _when(self, now: dt.datetime):
        if now not in self._stamps:
            # SQLite keeps dates as SQLAlchemy writes them: text with microseconds.
            self._stamps[now] = self._format(utc(now))
        return self._stamps[now]

    def _wall(self):
        """The claim's stamp: the wall clock, not the run's (which may be a day replayed), since
        it says how long a process has held the message (see outbox.claimer_is_dead)."""
        return self._format(utc(dt.datetime.now(dt.UTC)))

    def _format(self, value: dt.datetime):
        # SQLite keeps dates as SQLAlchemy writes them: text with microseconds.
        return value.strftime("%Y-%m-%d %H:%M:%S.%f") if self._backend == "sqlite" else value

    def _execute(self, sql: str, params: tuple) -> list:
        self._cursor.execute(sql, params)
        return self._cursor.fetchall() if self._cursor.description else []

    def claim(self, message_id: int, claimer: str, now: dt.datetime,
              settle: tuple[int, str, str | None] | None = None) -> bytes | None:
        """The message's bytes when this run took it; None when another run took it first.

        `settle` (id, status, error): how the message before it went, written in the same
        transaction, so each message costs one commit."""
        if self._connection is None:
            if settle is not None:
                self._store.settle(settle[0], settle[1], now, settle[2])
            message = self._store.message(message_id)  # first: no bytes, no claim
            if message is None:
                raise _lost(message_id)
            return message if self._store.claim(message_id, claimer) else None
        try:
            if settle is not None:
                self._execute(*self._settling(*settle, now))
            # Read with the claim, before the commit: on PostgreSQL a read after it would open
            # a transaction left idle while the message goes out.
            taken = self._execute(self._sql["claim"], (claimer, self._wall(), message_id))
        except BaseException:
            # Nothing of a failed claim is kept, not even its half-written settling, which the
            # delivery writes again on its way out.
            with contextlib.suppress(Exception):
                self._connection.driver_connection.rollback()
            raise
        if taken and taken[0][0] is None:
            # No bytes: the claim is dropped, which would leave the message 'sending' (then in
            # doubt) though it never left; the settling of the message before is kept.
            self._connection.driver_connection.rollback()
            if settle is not None:
                self.settle(settle[0], settle[1], now, settle[2])
            raise _lost(message_id)
        self._connection.driver_connection.commit()
        return bytes(taken[0][0]) if taken else None

    def _settling(self, message_id: int, status: str, error: str | None, now: dt.datetime):
        if status == "sent":
            return self._sql["sent"], (status, error, self._when(now), message_id)
        return self._sql["other"], (status, error, message_id)

    def settle(self, message_id: int, status: str, now: dt.datetime, error: str | None) -> None:
        if self._connection is None:
            return self._store.settle(message_id, status, now, error)
        self._execute(*self._settling(message_id, status, error, now))
        self._connection.driver_connection.commit()

    def close(self) -> None:
        if self._connection is not None:
            self._cursor.close()
            self._connection.close()
            self._connection = None


def _lost(message_id: int) -> StoreError:
    return StoreError(f"outbox message {message_id} has lost its bytes (table outbox_messages):"
                      " nothing of it was sent, and it cannot be")
