"""A person between the system and the leading group: a 通报 is kept as a draft, the operator
is asked once, and only an approved draft becomes mail (with the operator's note, if any)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Literal

from sprint.domain.engine.draft import Draft, common, when
from sprint.domain.engine.notices import expires_at
from sprint.domain.plan import Plan
from sprint.domain.records import NoticeRecord, OutboxKey
from sprint.mailout.compose import Message

# Where an approving note goes: the notice templates leave these marks in the rendered text.
NOTE_TEXT, NOTE_HTML = "⟨附言⟩", "<!--附言-->"
APPROVE, APPROVE_WITH_NOTE, DROP = "批准发送", "附言后批准发送", "不发送"
REQUEST = "approval-request"


def pause_key(notice_id: int) -> str:
    """The key a run waits under for this draft's decision (the shell resumes only that wait)."""
    return f"notice-{notice_id}"


# The tag of a run from the shell: it records its drafts and returns without waiting.
NO_WAIT = "命令行运行（不等待审批）"
# What a person may decide of a draft: the form in the UI offers exactly these.
Choice = Literal["批准发送", "附言后批准发送", "不发送"]


@dataclass(frozen=True)
class Decision:
    """A person's decision; a drop without a reason is recorded as such, an approval "with a
    note" without one goes as it is."""

    choice: Choice
    note: str = ""
    reason: str = ""

    @property
    def approved(self) -> bool:
        return self.choice != DROP


def with_note(record: NoticeRecord, note: str) -> tuple[str, str]:
    """The approved text and HTML: the operator's note where the marks stand, or nothing."""
    note = note.strip()
    text = record.text.replace(NOTE_TEXT, f"附言：{note}\n" if note else "")
    html = record.html.replace(NOTE_HTML, f'<p style="margin:0 0 12px;padding:8px 12px;'
                               f'background:#fff8e1;">附言：{escape(note)}</p>' if note else "")
    return text, html


def approved_message(record: NoticeRecord, note: str) -> Message:
    text, html = with_note(record, note)
    key = OutboxKey(record.duty, record.period, record.unit, record.kind, record.ref)
    return Message(key, record.recipients.split(","), record.subject, text, html)


def request(plan: Plan, records: list[NoticeRecord], link: str | None) -> Draft:
    """One mail to the operator for a run's drafts: what waits, where to decide, until when."""
    keys = tuple(OutboxKey(r.duty, r.period, plan.operator, REQUEST, r.ref) for r in records)
    context = common(plan) | {"records": records, "link": link,
                              "expires_text": when(min(expires_at(plan, r) for r in records)),
                              "days": plan.notices.expire_after_workdays}
    return Draft(REQUEST, keys[0], (plan.operator,), context, parts=keys,
                 heading=f"审批请求：{len(records)} 份通报草稿")


def form_text(record: NoticeRecord) -> str:
    """The draft as the approval form shows it (markdown: a quote, so long lines wrap)."""
    body = record.text.replace(NOTE_TEXT, "").strip()
    quoted = "\n".join(f"> {line}" if line else ">" for line in body.splitlines())
    return f"### {record.subject}\n\n收件：{record.recipients}\n\n{quoted}"
