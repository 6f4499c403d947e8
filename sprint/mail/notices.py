"""Telling the operator about mail that did not reach its recipients."""

from __future__ import annotations

import datetime as dt
import hashlib

from jinja2 import Environment

from sprint.mail.compose import Draft, render
from sprint.mail.outbox import NOTICE_KIND, Delivery
from sprint.plan import Plan
from sprint.store import OutboxKey


def delivery_report(env: Environment, plan: Plan, duty_id: str, delivery: Delivery,
                    now: dt.datetime) -> Draft | None:
    """One notice to the operator per distinct set of undelivered messages, or None."""
    problems = delivery.for_the_operator
    if not problems:
        return None
    operator = plan.unit(plan.operator)
    context = {"plan": plan, "operator": operator, "problems": problems,
               "failed": delivery.failed, "refused": delivery.refused,
               "in_doubt": delivery.in_doubt, "duty": plan.duty(duty_id)}
    subject, text, html = render(env, NOTICE_KIND, context)
    ref = hashlib.sha256("\n".join(sorted(problems)).encode()).hexdigest()[:16]
    key = OutboxKey(duty_id, now.date().isoformat(), operator.code, NOTICE_KIND, ref)
    return Draft(key, [operator.email], subject, text, html)
