"""通报 drafts in the store: written by a run, decided by a person, never sent undecided."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from sprint.domain.records import WAITING, NoticeRecord
from sprint.store.schema import aware, notices, utc


class NoticeDrafts:
    def __init__(self, engine: Engine):
        self.engine = engine

    def draft(self, key, recipients: list[str], subject: str, text: str, html: str, named: str,
              now: dt.datetime, run: str | None) -> bool:
        """Record a draft; False when one with this key was drafted before."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(notices).values(
                    duty=key.duty, period=key.period, unit=key.unit, kind=key.kind, ref=key.ref,
                    recipients=",".join(recipients), subject=subject, text=text, html=html,
                    named=named, status=WAITING, drafted_at=utc(now), run=run))
            return True
        except IntegrityError:
            return False

    def all(self) -> list[NoticeRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(notices).order_by(notices.c.id)).mappings()
            return [NoticeRecord(**{k: (aware(v) if k.endswith("_at") and v else v)
                                    for k, v in r.items()}) for r in rows]

    def adopt(self, notice_id: int, run: str | None) -> bool:
        """Give a waiting draft to the run that will ask about it now (its own run ended
        without a decision: a Ctrl-C, a crash, a run from the shell that does not wait)."""
        with self.engine.begin() as conn:
            done = conn.execute(update(notices).where(
                notices.c.id == notice_id, notices.c.status == WAITING).values(run=run))
            return done.rowcount == 1

    def decide(self, notice_id: int, status: str, now: dt.datetime, note: str | None = None,
               reason: str | None = None) -> bool:
        """Settle a waiting draft; False when it was decided before (or is no draft)."""
        with self.engine.begin() as conn:
            done = conn.execute(update(notices).where(
                notices.c.id == notice_id, notices.c.status == WAITING
            ).values(status=status, decided_at=utc(now), note=note, reason=reason))
            return done.rowcount == 1
