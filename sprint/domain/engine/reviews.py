"""The reply a unit gets when the office marks its accepted file 有疑问 or 已退回: one per file
and state, with the office's note; a returned file's period is owed again."""

from __future__ import annotations

from sprint.domain.calendar import Period
from sprint.domain.engine.draft import Draft, common, when
from sprint.domain.filenames import as_sent
from sprint.domain.plan import Plan
from sprint.domain.records import QUERIED, RETURNED, OutboxKey, Receipt

REVIEW = "review"
ANSWERED_STATES = (QUERIED, RETURNED)


def review_key(r: Receipt) -> OutboxKey:
    return OutboxKey(r.duty or "intake", r.period or "", r.unit, REVIEW,
                     f"{r.sha256[:16]}-{r.review}")


def review_replies(plan: Plan, receipts: list[Receipt], recorded: set[OutboxKey],
                   periods: dict[tuple[str, str], Period]) -> list[Draft]:
    drafts = []
    for r in receipts:
        if not r.taken or r.review not in ANSWERED_STATES or review_key(r) in recorded:
            continue
        period = periods.get((r.duty or "", r.period or ""))
        if period is None:
            continue
        context = common(plan) | {
            "unit": plan.unit(r.unit), "template": plan.templates[r.template],
            "duty": plan.duty(r.duty), "file_name": as_sent(r.file_name),
            "received_text": when(r.received_at), "period": period,
            "due_text": when(period.due), "state": r.review, "note": r.review_note,
            "returned": r.review == RETURNED, "sha256": r.sha256,
        }
        drafts.append(Draft(REVIEW, review_key(r), (r.unit,), context,
                            heading=f"{r.review} {r.unit}/{as_sent(r.file_name)}"))
    return drafts


def review_marks(receipts: list[Receipt]) -> dict[tuple[str, str, str], str]:
    """(unit, duty, period) -> the office's review of its last file, when a person decided."""
    out: dict[tuple[str, str, str], str] = {}
    for r in receipts:  # in the order received: the last file's review stands
        if r.taken and r.duty and r.period:
            out[(r.unit, r.duty, r.period)] = (
                "" if r.review == "已接收" else f"审核：{r.review}" + (f"（{r.review_note}）" if r.review_note else ""))
    return {k: v for k, v in out.items() if v}
