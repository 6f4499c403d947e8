"""The office's hand on the data, as the store keeps it: exceptions to the lock after expiry,
and review decisions on accepted files. Rows are only ever added."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    insert,
    select,
)
from sqlalchemy.engine import Engine

from sprint.domain.records import Unlock
from sprint.store.schema import aware, metadata, utc

# Exceptions to a period's lock after expiry (`sprint unlock`): who opened one, why, until when.
unlocks = Table(
    "unlocks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("unit", String(40), nullable=False),
    Column("duty", String(60), nullable=False),
    Column("period", String(20), nullable=False),
    Column("until", Date, nullable=False),
    Column("reason", Text, nullable=False),
    Column("opened_by", String(80), nullable=False),
    Column("opened_at", DateTime, nullable=False),  # UTC
)


# The office's review of accepted files: every decision kept, the last one stands.
reviews = Table(
    "reviews",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False),
    Column("state", String(10), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("decided_by", String(80), nullable=False),
    Column("decided_at", DateTime, nullable=False),  # UTC
)


class Unlocks:
    def __init__(self, engine: Engine):
        self.engine = engine

    def open(self, unit: str, duty: str, period: str, until: dt.date, reason: str,
             opened_by: str, now: dt.datetime) -> int:
        with self.engine.begin() as conn:
            return conn.execute(insert(unlocks).values(
                unit=unit, duty=duty, period=period, until=until, reason=reason,
                opened_by=opened_by, opened_at=utc(now))).inserted_primary_key[0]

    def all(self) -> list[Unlock]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(unlocks).order_by(unlocks.c.id)).mappings().all()
        return [Unlock(**(dict(r) | {"opened_at": aware(r["opened_at"])})) for r in rows]


class Reviews:
    """The office's review decisions on accepted files; the last one of each file stands."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def mark(self, submission_id: int, state: str, note: str, by: str, now: dt.datetime) -> bool:
        """Record a decision; False when it repeats the standing one (state and note)."""
        with self.engine.begin() as conn:
            last = conn.execute(select(reviews.c.state, reviews.c.note)
                                .where(reviews.c.submission_id == submission_id)
                                .order_by(reviews.c.id.desc()).limit(1)).first()
            if last is not None and tuple(last) == (state, note):
                return False
            conn.execute(insert(reviews).values(submission_id=submission_id, state=state,
                                                note=note, decided_by=by, decided_at=utc(now)))
        return True

    def standing(self, as_of: dt.datetime | None = None) -> dict[int, tuple[str, str]]:
        """Each file's last decision (of those taken by `as_of`, when given)."""
        query = select(reviews.c.submission_id, reviews.c.state, reviews.c.note)
        if as_of is not None:
            query = query.where(reviews.c.decided_at <= utc(as_of))
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(reviews.c.id)).all()
        return {r.submission_id: (r.state, r.note) for r in rows}
