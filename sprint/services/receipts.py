"""A judged file recorded in the store as its receipt."""

from __future__ import annotations

from sprint.domain.records import LockedOut
from sprint.services.intake import Judgement
from sprint.store.store import Store


def record(store: Store, j: Judgement) -> bool:
    problems = [p.__dict__ | ({"lock": True} if isinstance(p, LockedOut) else {})
                for p in j.verdict.problems]
    problems += [p.__dict__ | {"note": True} for p in j.verdict.notes]
    problems += [p.__dict__ | {"note": True, "version": True} for p in j.changes]
    problems += [{"row": None, "column": "", "value": "", "reason": reason, "note": True,
                  "check": kind} for kind, reason in j.checks]
    return store.record(
        unit=j.arrival.unit, sha256=j.arrival.sha256, file_name=j.arrival.path.name,
        kept_path="" if j.arrival.refused else str(j.kept_path), received_at=j.arrival.received_at,
        duty=j.duty.id if j.duty else None, period=j.period, template=j.verdict.template_key,
        verdict="accepted" if j.accepted else "rejected", rows=len(j.verdict.ledger),
        problems=problems, notes=len(j.verdict.notes),
    )
