"""The messages read from the mailbox, in the store: each recorded once, by Message-ID and by
the SHA-256 of its bytes."""

from __future__ import annotations

import json

from sqlalchemy import and_, insert, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from sprint.domain.records import NO_LEDGER_REPLY, UNKNOWN_SENDERS, Letter
from sprint.store.schema import aware, letters, parts, utc


class Letters:
    def __init__(self, engine: Engine):
        self.engine = engine

    def known(self, sha256: str, message_id: str | None = None, body_sha256: str = "") -> bool:
        """Whether this message was taken in before: the same bytes, or the same Message-ID
        with the same body."""
        match = letters.c.sha256 == sha256
        if message_id:
            match = or_(match, and_(letters.c.message_id == message_id,
                                    letters.c.body_sha256 == body_sha256))
        with self.engine.connect() as conn:
            return conn.execute(select(letters.c.id).where(match).limit(1)).first() is not None

    def record(self, **fields) -> bool:
        """False when a message of the same bytes or Message-ID is already recorded."""
        fields = fields | {
            "received_at": utc(fields["received_at"]), "read_at": utc(fields["read_at"]),
            "files": json.dumps(fields.get("files", []), ensure_ascii=False),
            "skipped": json.dumps(fields.get("skipped", []), ensure_ascii=False),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(letters).values(**fields))
            return True
        except IntegrityError:
            return False

    def all(self, outcomes: tuple[str, ...] | None = None) -> list[Letter]:
        """Every message recorded, or those that came to one of these outcomes."""
        query = select(letters).order_by(letters.c.id)
        if outcomes is not None:
            query = query.where(letters.c.outcome.in_(outcomes))
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(query).mappings()]
        for r in rows:
            r["received_at"], r["read_at"] = aware(r["received_at"]), aware(r["read_at"])
            r["files"], r["skipped"] = json.loads(r["files"]), json.loads(r["skipped"])
        return [Letter(**r) for r in rows]

    def answered(self, refs: set[str]) -> set[str]:
        """Which of these letters (by the first 16 of their SHA-256) have their answer, or their
        naming to the operator, recorded in the outbox."""
        if not refs:
            return set()
        query = select(parts.c.ref).where(parts.c.ref.in_(sorted(refs)),
                                          parts.c.kind.in_((NO_LEDGER_REPLY, UNKNOWN_SENDERS)))
        with self.engine.connect() as conn:
            return {r for (r,) in conn.execute(query)}
