"""The store's tables, how dates are kept in them, and bringing an older store's tables up to
date when it is opened."""

from __future__ import annotations

import datetime as dt

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
    inspect,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
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
    # The same content counts once per period: a ledger unchanged since last month, sent again
    # in this month's window, is this month's report (NULL periods, files of no duty, are
    # kept apart by the scan, which takes content of no duty once). The verdict is part of the
    # key so that content the lock refused can be taken once more under an exception (the
    # store's `record` lets only that through).
    UniqueConstraint("unit", "sha256", "period", "verdict",
                     name="one_record_per_content_period_and_verdict"),
)

def _key() -> list[Column]:
    """A message's key, (duty, period, unit, kind, ref): fresh columns for each table."""
    return [Column("duty", String(60), nullable=False),
            Column("period", String(20), nullable=False),
            Column("unit", String(40), nullable=False),
            Column("kind", String(20), nullable=False),
            Column("ref", String(40), nullable=False)]


outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    *_key(),
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


# The keys a message settles: its own, or, when one message speaks for several (a county's
# reminders of one run, merged), each of theirs. Unique, so no key is ever settled twice.
parts = Table(
    "outbox_parts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", Integer, ForeignKey("outbox.id"), nullable=False),
    *_key(),
    UniqueConstraint("duty", "period", "unit", "kind", "ref", name="each_part_once"),
)
parts_index = Index("parts_by_message", parts.c.message_id)

# 通报 drafts: written by a run, decided by a person (approved, with a note or not, or dropped
# with a reason); an approved one goes to the outbox under the same key.
notices = Table(
    "notices",
    metadata,
    Column("id", Integer, primary_key=True),
    *_key(),
    Column("recipients", Text, nullable=False),
    Column("subject", Text, nullable=False),
    Column("text", Text, nullable=False),
    Column("html", Text, nullable=False),
    Column("named", Text, nullable=False, default=""),  # the units it names, for the record
    Column("status", String(10), nullable=False, default="waiting"),
    Column("drafted_at", DateTime, nullable=False),  # UTC, the run's clock
    Column("decided_at", DateTime),
    Column("note", Text),  # added to the text on approval
    Column("reason", Text),  # why it was dropped
    Column("run", String(80)),  # the flow run that drafted it
    UniqueConstraint("duty", "period", "unit", "kind", "ref", name="each_notice_once"),
)

# Every message read from the operator's mailbox, once: keyed by the SHA-256 of its bytes, and
# by its Message-ID with the SHA-256 of its body (what follows the headers), so a message read
# twice (a reconnect, a crash before it was flagged), or relayed with a header more, is taken in
# once, while a mail program that gives every message the same Message-ID loses none. `outcome`: taken (its ledgers are in the unit's folder), no-ledger (it gets a
# short reply), unknown (an address of no unit: never answered, named to the operator),
# automatic (an auto-reply, a bounce, our own mail: nothing), unreadable.
letters = Table(
    "letters",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("message_id", String(250)),  # as the sender wrote it, without <>; may be missing
    Column("sha256", String(64), nullable=False),
    Column("body_sha256", String(64), nullable=False),
    Column("unit", String(40)),  # the plan's unit whose address sent it, else null
    Column("sender", String(250), nullable=False),
    Column("subject", Text, nullable=False, default=""),
    Column("received_at", DateTime, nullable=False),  # UTC: the date its files carry
    Column("read_at", DateTime, nullable=False),  # UTC
    Column("outcome", String(12), nullable=False),
    Column("files", Text, nullable=False, default="[]"),  # the names placed in the unit's folder
    Column("skipped", Text, nullable=False, default="[]"),  # attachments that were no ledger, why
    Column("kept_path", Text, nullable=False),
    UniqueConstraint("sha256", name="each_letter_once"),
    UniqueConstraint("message_id", "body_sha256", name="each_message_id_once"),
)


class StoreError(RuntimeError):
    pass


def create_tables(engine: Engine) -> None:
    """The tables a new store lacks. Workers starting together may each find a table missing
    and create it: the second to try finds it there when it looks again. Each failed try means
    another opener created at least one table, so as many tries as tables always end."""
    tries = len(metadata.tables) + 1
    for attempt in range(tries):
        try:
            return metadata.create_all(engine)
        except DBAPIError:
            if attempt == tries - 1:
                raise


def fill_parts(engine: Engine) -> None:
    """A store written before messages named their parts: each message settles its own key."""
    with engine.begin() as conn:
        if conn.exec_driver_sql("SELECT 1 FROM outbox_parts LIMIT 1").first() is not None:
            return
        if conn.exec_driver_sql("SELECT 1 FROM outbox LIMIT 1").first() is None:
            return
        conn.exec_driver_sql(
            "INSERT INTO outbox_parts (message_id, duty, period, unit, kind, ref)"
            " SELECT id, duty, period, unit, kind, ref FROM outbox")


def move_messages_out(engine: Engine) -> None:
    """A store written before the bytes had their own table keeps them in outbox.message:
    move them across once, in one transaction, so no message is lost or left behind. Several
    processes may open the store at once: whoever comes second finds the work done."""
    problem = None
    for _ in range(3):
        if not _keeps_messages_inside(engine):
            return
        try:
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # Openers take turns here: racing through the move's two steps, they
                    # deadlocked one another (and a retry could deadlock again).
                    conn.exec_driver_sql("LOCK TABLE outbox IN ACCESS EXCLUSIVE MODE")
                    if not _keeps_messages_inside(conn):
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


def _keeps_messages_inside(bind) -> bool:
    """Whether the outbox still has the message column of earlier versions."""
    return "message" in {c["name"] for c in inspect(bind).get_columns("outbox")}


def utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def aware(value: dt.datetime) -> dt.datetime:
    return value.replace(tzinfo=dt.UTC)
