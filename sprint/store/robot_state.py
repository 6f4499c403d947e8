"""Each group robot's standing, kept between runs: held, failing, mail only, its latest sends."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import Column, DateTime, Integer, String, Table, Text, insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from sprint.store.schema import aware, metadata, utc

# Held after a service's throttling answer, its failures in a row, whether it fell back to mail
# only (and the operator was told), and the wall-clock times of its latest sends. On the
# store's metadata: Store imports this module, so a store, old or new, gets the table.
robots = Table(
    "robots",
    metadata,
    Column("code", String(40), primary_key=True),  # the unit whose robot it is
    Column("held_until", DateTime),  # wall clock, UTC
    Column("failures", Integer, nullable=False, default=0),
    Column("mail_only_since", DateTime),
    Column("told", Integer, nullable=False, default=0),
    Column("recent", Text, nullable=False, default="[]"),  # epoch seconds of the latest sends
)


@dataclass
class Standing:
    code: str
    held_until: dt.datetime | None = None
    failures: int = 0
    mail_only_since: dt.datetime | None = None
    told: bool = False
    recent: list[float] = field(default_factory=list)


class RobotState:
    def __init__(self, engine: Engine):
        self.engine = engine

    def get(self, code: str) -> Standing:
        with self.engine.connect() as conn:
            row = conn.execute(select(robots).where(robots.c.code == code)).mappings().first()
        if row is None:
            return Standing(code)
        return Standing(code, aware(row["held_until"]) if row["held_until"] else None,
                        row["failures"], aware(row["mail_only_since"]) if row["mail_only_since"]
                        else None, bool(row["told"]), json.loads(row["recent"] or "[]"))

    def put(self, s: Standing) -> None:
        values = {"held_until": utc(s.held_until) if s.held_until else None,
                  "failures": s.failures, "told": int(s.told), "recent": json.dumps(s.recent),
                  "mail_only_since": utc(s.mail_only_since) if s.mail_only_since else None}
        with self.engine.begin() as conn:
            done = conn.execute(update(robots).where(robots.c.code == s.code).values(**values))
            if done.rowcount == 0:
                try:
                    conn.execute(insert(robots).values(code=s.code, **values))
                except IntegrityError:  # written meanwhile by another run: this one's stands
                    conn.execute(update(robots).where(robots.c.code == s.code).values(**values))

    def restore(self, code: str) -> bool:
        """A robot fallen back to mail only posts again; False when it had not fallen back."""
        with self.engine.begin() as conn:
            done = conn.execute(update(robots).where(
                robots.c.code == code, robots.c.mail_only_since.is_not(None)).values(
                mail_only_since=None, failures=0, told=0, held_until=None))
            return done.rowcount == 1

    def mail_only(self) -> set[str]:
        with self.engine.connect() as conn:
            return {r[0] for r in conn.execute(
                select(robots.c.code).where(robots.c.mail_only_since.is_not(None)))}
