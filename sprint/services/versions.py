"""A unit's new version of a ledger for a period it already sent, compared with the one it
replaces (sprint/domain/versions.py); both files stay kept, the new one counts."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from sprint.domain.records import Receipt
from sprint.domain.versions import compare
from sprint.services.context import QUIET, Log, Services
from sprint.services.intake import Judgement

Latest = dict[tuple[str, str, str], "Receipt | pd.DataFrame"]


def latest(services: Services) -> Latest:
    """The last accepted file of each (unit, duty, period), to compare a new version with."""
    out: Latest = {}
    for r in services.store.receipts():  # in the order received: the last one stays
        if r.accepted and r.duty and r.period:
            out[(r.unit, r.duty, r.period)] = r
    return out


def compared(services: Services, j: Judgement, known: Latest, log: Log = QUIET) -> Judgement:
    """The judgement with its difference from the version it replaces, if there is one; the
    new one becomes the version the next is compared with. A difference that cannot be
    worked out is said in the log and never refuses the file."""
    if not j.accepted:
        return j
    slot = (j.arrival.unit, j.duty.id, j.period)
    before = known.get(slot)
    known[slot] = j.verdict.ledger
    template = j.verdict.template
    if before is None or template is None or template.key_column is None:
        return j
    try:
        old = services.shelf.ledger(before) if isinstance(before, Receipt) else before
        changes = compare(old, j.verdict.ledger, template.key_column,
                          [c.name for c in template.columns],
                          ignore=[template.numbering or ""], name=template.label)
    except Exception:  # the comparison is a courtesy: the file is taken all the same
        log.exception("%s/%s：与上一版比较时出错", j.arrival.unit, j.arrival.path.name)
        return j
    return replace(j, changes=tuple(changes.notes()))
