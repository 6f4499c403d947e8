"""The project's store: intake records and the outbox, on any SQLAlchemy database."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import (
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    insert,
    inspect,
    select,
    update,
)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.schema import CreateIndex

metadata = MetaData()

submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit", String(40), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("kept_path", Text, nullable=False),
    Column("received_at", DateTime, nullable=False),  # UTC
    Column("duty", String(60)),
    Column("period", String(20)),
    Column("template", String(60)),
    Column("verdict", String(10), nullable=False),  # accepted | rejected
    Column("rows", Integer, nullable=False, default=0),
    Column("problems", Text, nullable=False, default="[]"),
    Column("notes", Integer, nullable=False, default=0),
    UniqueConstraint("unit", "sha256", name="one_record_per_content"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("duty", String(60), nullable=False),
    Column("period", String(20), nullable=False),
    Column("unit", String(40), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("ref", String(40), nullable=False),
    Column("recipients", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("status", String(10), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text),
    Column("created_at", DateTime, nullable=False),
    Column("claimed_by", String(120)),  # host:pid of the run sending it
    Column("claimed_at", DateTime),
    Column("sent_at", DateTime),
    UniqueConstraint("duty", "period", "unit", "kind", "ref", name="each_message_once"),
)
# Every delivery starts by asking for the messages pending and those left sending.
status_index = Index("outbox_by_status", outbox.c.status)

# The bytes of each message, apart from its row in the outbox: every claim and settling rewrites
# that row, and SQLite rewrites a row whole, so with the bytes inside it a 60 KB report cost
# 0.7 ms of writing per commit instead of 0.05 ms.
messages = Table(
    "outbox_messages",
    metadata,
    Column("id", Integer, ForeignKey("outbox.id"), primary_key=True),
    Column("message", LargeBinary, nullable=False),
)


class StoreError(RuntimeError):
    pass


def _without(text: str, secret: str | None) -> str:
    return text.replace(secret, "***") if secret else text


class OutboxWriter:
    """What each message costs the database during a delivery: one commit holding the settling
    of the message before and the claim of this one (which returns its bytes), as plain SQL on
    one held connection of the database driver.

    Through SQLAlchemy's statement machinery the two writes took a third of the time of sending
    the message over loopback SMTP; straight to the driver, in one commit, about a tenth. SQLite
    and PostgreSQL get their own placeholders and date values; any other database goes through
    Store. The settling is written before the next message leaves, so a run killed mid-send
    leaves exactly one message in doubt, as before. The outbox makes the claim while the server
    reads the message's MAIL command, so even that commit is hidden behind the network's wait."""

    _SQL = {
        # The claim returns the message's bytes: one statement fewer for each message.
        "claim": "UPDATE outbox SET status = 'sending', attempts = attempts + 1, claimed_by = {p},"
                 " claimed_at = {p} WHERE id = {p} AND status = 'pending'"
                 " RETURNING (SELECT message FROM outbox_messages WHERE outbox_messages.id = outbox.id)",
        "sent": "UPDATE outbox SET status = {p}, last_error = {p}, sent_at = {p} WHERE id = {p}",
        "other": "UPDATE outbox SET status = {p}, last_error = {p} WHERE id = {p}",
    }

    def __init__(self, store: Store):
        self._store = store
        self._backend = store.engine.dialect.name
        self._connection = None
        if self._backend in ("sqlite", "postgresql"):
            self._connection = store.engine.raw_connection()  # back to the pool on close
            self._cursor = self._connection.driver_connection.cursor()  # one for the delivery
            mark = "?" if self._backend == "sqlite" else "%s"
            self._sql = {k: v.format(p=mark) for k, v in self._SQL.items()}
        self._stamps: dict[dt.datetime, object] = {}  # a delivery has one clock: format it once

    def _when(self, now: dt.datetime):
        if now not in self._stamps:
            # SQLite keeps dates as SQLAlchemy writes them: text with microseconds.
            value = utc(now)
            self._stamps[now] = (value.strftime("%Y-%m-%d %H:%M:%S.%f")
                                 if self._backend == "sqlite" else value)
        return self._stamps[now]

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
            if not self._store.claim(message_id, claimer, now):
                return None
            return self._store.message(message_id)
        if settle is not None:
            self._execute(*self._settling(*settle, now))
        # Read with the claim, before the commit: on PostgreSQL a read after it would open a
        # transaction left idle while the message goes out.
        taken = self._execute(self._sql["claim"], (claimer, self._when(now), message_id))
        message = bytes(taken[0][0]) if taken else None  # a missing message fails uncommitted
        self._connection.driver_connection.commit()
        return message

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


def _sqlite_pragmas(connection, _record) -> None:
    """WAL lets a reader go on while a run writes, and commits cost a write, not a sync, each;
    the database stays consistent through a crash (a power cut may lose the last commits)."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _create_tables(engine: Engine) -> None:
    """The tables a new store lacks. Workers starting together may each find a table missing
    and create it: the second to try finds it there when it looks again."""
    for attempt in range(3):
        try:
            return metadata.create_all(engine)
        except DBAPIError:
            if attempt == 2:
                raise


def _move_messages_out(engine: Engine) -> None:
    """A store written before the bytes had their own table keeps them in outbox.message:
    move them across once, in one transaction, so no message is lost or left behind. Several
    processes may open the store at once: whoever comes second finds the work done."""
    problem = None
    for _ in range(3):
        if "message" not in {c["name"] for c in inspect(engine).get_columns("outbox")}:
            return
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # Openers take turns here: racing through the move's two steps, they
                    # deadlocked one another (and a retry could deadlock again).
                    conn.exec_driver_sql("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE")
                    if "message" not in {c["name"] for c in inspect(conn).get_columns("outbox")}:
                        return
                conn.exec_driver_sql(
                    "INSERT INTO outbox_messages (id, message) SELECT id, message FROM outbox"
                    " WHERE id NOT IN (SELECT id FROM outbox_messages)")
                conn.exec_driver_sql("ALTER TABLE outbox DROP COLUMN message")
                conn.execute(CreateIndex(status_index, if_not_exists=True))  # came with the move
            return
        except DBAPIError as e:  # another process moved them meanwhile: look again
            problem = e
    raise StoreError("this store was written by an earlier version and its messages could not "
                     f"be moved to their own table ({problem.orig}); SQLite needs version 3.35 "
                     "or later for that") from None


def utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC)


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
        return json.loads(self.problems_json)


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
                event.listen(self.engine, "connect", _sqlite_pragmas)
            _create_tables(self.engine)
            _move_messages_out(self.engine)
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
                now: dt.datetime) -> bool:
        """Record a message before it leaves; False when its key was recorded before."""
        try:
            with self.engine.begin() as conn:
                done = conn.execute(insert(outbox).values(
                    duty=key.duty, period=key.period, unit=key.unit, kind=key.kind, ref=key.ref,
                    recipients=",".join(recipients), subject=subject,
                    status="pending", attempts=0, created_at=utc(now),
                ))
                conn.execute(insert(messages).values(id=done.inserted_primary_key[0],
                                                     message=message))
            return True
        except IntegrityError:
            return False
        finally:
            if self._keys is not None:
                self._keys.add(key)

    def keys(self) -> set[OutboxKey]:
        """Every message key in the outbox, so that what is recorded is not rendered again.

        Read once per process: a key another process adds later is caught by the outbox's unique
        key when this one tries to record it, so a stale set costs a rendering, never a message."""
        if self._keys is None:
            query = select(outbox.c.duty, outbox.c.period, outbox.c.unit, outbox.c.kind,
                           outbox.c.ref)
            with self.engine.connect() as conn:
                self._keys = {OutboxKey(*r) for r in conn.execute(query)}
        return self._keys

    def recorded(self, key: OutboxKey) -> bool:
        """Whether a message with this key is in the outbox (so it need not be rendered again)."""
        query = select(outbox.c.id).where(
            outbox.c.duty == key.duty, outbox.c.period == key.period, outbox.c.unit == key.unit,
            outbox.c.kind == key.kind, outbox.c.ref == key.ref)
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

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
        """Take a pending message for sending; False when another run took it first."""
        with self.engine.begin() as conn:
            done = conn.execute(
                update(outbox)
                .where(outbox.c.id == message_id, outbox.c.status == "pending")
                .values(status="sending", attempts=outbox.c.attempts + 1, claimed_by=claimer,
                        claimed_at=utc(now))
            )
            return done.rowcount == 1

    def message(self, message_id: int) -> bytes:
        with self.engine.connect() as conn:
            return conn.execute(select(messages.c.message).where(messages.c.id == message_id)
                                ).scalar_one()

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
