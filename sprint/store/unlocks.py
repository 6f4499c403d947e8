"""Exceptions to the lock after expiry, as the store keeps them: only ever added."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from sprint.domain.records import Unlock
from sprint.store.schema import aware, unlocks, utc


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
