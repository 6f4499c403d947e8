"""The records the store keeps, as the domain reads them: plain data, no database.

The store (sprint/store/) writes and reads these; the engine judges from them.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    row: int | None  # the row number Excel shows; None for the file as a whole
    column: str
    value: str
    reason: str

    def describe(self) -> str:
        where = f"第{self.row}行" if self.row else "整个文件"
        column = f"“{self.column}”列" if self.column else ""
        value = f"（值：{self.value}）" if self.value else ""
        return f"{where}{column}{value}：{self.reason}"


@dataclass(frozen=True)
class LockedOut(Problem):
    """The file came after its period's lock (sprint/domain/expiry.py): a refusal of when it
    came, not of what it holds, which an exception lifts. Kept with `"lock": true`."""


LOCK_MARK = '"lock": true'  # how a kept problem of the lock reads in the store's JSON


def lock_refusal(problems_json: str) -> bool:
    """Whether a kept receipt's problems include the lock (its JSON, as the store keeps it)."""
    return any(p.get("lock") for p in json.loads(problems_json))


# The office's review of an accepted file (issue 26): received until a person decides.
RECEIVED, QUERIED, REVIEWED, RETURNED = "已接收", "有疑问", "已审核", "已退回"
REVIEW_STATES = (RECEIVED, QUERIED, REVIEWED, RETURNED)


@dataclass(frozen=True)
class Receipt:
    id: int
    unit: str
    sha256: str
    file_name: str
    kept_path: str
    received_at: dt.datetime
    duty: str | None
    period: str | None
    template: str | None
    verdict: str
    rows: int
    problems_json: str  # parsed only when a reply needs it: most receipts are read for dates
    notes: int
    review: str = RECEIVED
    review_note: str = ""

    @property
    def taken(self) -> bool:
        """Its verdict: accepted by the checks (what its reply said)."""
        return self.verdict == "accepted"

    @property
    def accepted(self) -> bool:
        """It counts: accepted and not returned by the office."""
        return self.verdict == "accepted" and self.review != RETURNED

    @property
    def problems(self) -> list[dict]:
        """What made the file refused: row, column, value, reason."""
        return [p for p in json.loads(self.problems_json) if not p.get("note")]

    @property
    def remarks(self) -> list[dict]:
        """Notes that did not refuse the file (an ID issued elsewhere, an age outside 16-65)."""
        return [p for p in json.loads(self.problems_json)
                if p.get("note") and not p.get("version") and not p.get("check")]

    @property
    def locked(self) -> bool:
        """Refused because it came after its period's lock."""
        return not self.taken and lock_refusal(self.problems_json)

    @property
    def checks(self) -> list[dict]:
        """Cross-check findings (sprint/domain/crosscheck.py): kind in "check", and reason."""
        return [p for p in json.loads(self.problems_json) if p.get("check")]

    @property
    def changes(self) -> list[dict]:
        """How it differs from the version it replaced: a summary line, then the rows."""
        return [p for p in json.loads(self.problems_json) if p.get("version")]


@dataclass(frozen=True)
class Unlock:
    """An exception to a period's lock: the unit may still send that period's file."""

    id: int
    unit: str
    duty: str
    period: str
    until: dt.date  # the last day a file is taken under it
    reason: str
    opened_by: str
    opened_at: dt.datetime

    def covers(self, unit: str, duty: str, period: str, received: dt.datetime) -> bool:
        return ((self.unit, self.duty, self.period) == (unit, duty, period)
                and received.date() <= self.until)


@dataclass(frozen=True)
class OutboxKey:
    duty: str
    period: str
    unit: str
    kind: str
    ref: str = ""


WAITING, APPROVED, DROPPED, EXPIRED = "waiting", "approved", "dropped", "expired"


@dataclass(frozen=True)
class NoticeRecord:
    id: int
    duty: str
    period: str
    unit: str
    kind: str
    ref: str
    recipients: str
    subject: str
    text: str
    html: str
    named: str
    status: str
    drafted_at: dt.datetime
    decided_at: dt.datetime | None
    note: str | None
    reason: str | None
    run: str | None


TAKEN, NO_LEDGER, UNKNOWN, AUTOMATIC, UNREADABLE = (  # what became of a message
    "taken", "no-ledger", "unknown", "automatic", "unreadable")
# The outbox's kinds of answer to a message: a reply to a unit's mail without a ledger, and a
# notice naming mail from addresses of no unit to the operator.
NO_LEDGER_REPLY, UNKNOWN_SENDERS = "no-ledger", "unknown-sender"
# A group robot's message in the outbox: kind robot-<the mail's kind> (sprint/chat).
ROBOT = "robot-"


@dataclass(frozen=True)
class Letter:
    id: int
    message_id: str | None
    sha256: str
    body_sha256: str
    unit: str | None
    sender: str
    subject: str
    received_at: dt.datetime
    read_at: dt.datetime
    outcome: str
    files: list[str]
    skipped: list[str]
    kept_path: str
