"""Telling the operator about mail that did not reach its recipients."""

from __future__ import annotations

import datetime as dt
import hashlib

from sprint.domain.engine.draft import Draft, common
from sprint.domain.plan import Plan
from sprint.domain.records import OutboxKey
from sprint.mailout.outbox import NOTICE_KIND, Delivery


def delivery_report(plan: Plan, flow: str, delivery: Delivery, now: dt.datetime) -> Draft | None:
    """One notice to the operator per distinct set of undelivered messages, or None."""
    problems = delivery.for_the_operator
    if not problems:
        return None
    context = common(plan) | {"problems": problems, "failed": delivery.failed,
                              "refused": delivery.refused, "in_doubt": delivery.in_doubt,
                              "flow": plan.flows.get(flow, flow)}
    ref = hashlib.sha256("\n".join(sorted(problems)).encode()).hexdigest()[:16]
    key = OutboxKey(flow, now.date().isoformat(), plan.operator, NOTICE_KIND, ref)
    return Draft(NOTICE_KIND, key, (plan.operator,), context)
