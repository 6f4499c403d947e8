"""Taking in one message of the operator's mailbox, once.

The message is read behind the fence (sprint/mailin/unpack.py, in a child with the plan's
limits), kept whole as .eml with its SHA-256, and recorded in the store by Message-ID and
SHA-256. From an address the plan gives a unit, each ledger it carries is placed in that unit's
inbox folder, dated with the message's date, and is from then on an ordinary submission. The
unit comes from the plan's addresses, never from a header's name, and every name written is
made safe first: nothing in a message reaches outside the unit's folder.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sprint.domain.calendar import BEIJING
from sprint.domain.plan import Plan
from sprint.domain.records import AUTOMATIC, NO_LEDGER, TAKEN, UNKNOWN, UNREADABLE
from sprint.mailin.names import inside, placed_name
from sprint.mailin.unpack import Contents, contents
from sprint.reading import fence
from sprint.store.store import Store

DUPLICATE = "duplicate"
DATE_SLACK = dt.timedelta(days=1)  # how much earlier than its delivery a message may say it was sent


@dataclass
class Taken:
    outcome: str  # a record.py outcome, or DUPLICATE
    sha256: str
    unit: str | None = None
    sender: str = ""
    received_at: dt.datetime | None = None
    placed: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    why: str = ""


def units_by_address(plan: Plan) -> dict[str, str]:
    """Each address the plan gives exactly one unit, lower-case, to that unit's code."""
    seen: dict[str, list[str]] = {}
    for u in plan.units:
        if u.email:
            seen.setdefault(u.email.strip().lower(), []).append(u.code)
    return {a: codes[0] for a, codes in seen.items() if len(codes) == 1}


def received(date: dt.datetime | None, delivered: dt.datetime) -> dt.datetime:
    """The message's own date, unless it is later than its delivery or more than a day before:
    then the delivery's (a clock set wrong, or a date written to look on time)."""
    if date is None or not (delivered - DATE_SLACK <= date <= delivered):
        return delivered
    return date


def take(raw: bytes, delivered: dt.datetime, plan: Plan, store: Store, inbox: Path,
         kept_root: Path, now: dt.datetime) -> Taken:
    """Take in one message: Taken says what became of it. Never raises for the message's
    sake: one that cannot be read is recorded as unreadable, and answered by no one."""
    sha = hashlib.sha256(raw).hexdigest()
    if store.letters.known(sha):
        return Taken(DUPLICATE, sha)
    body = hashlib.sha256(_body(raw)).hexdigest()
    delivered = min(delivered, now)
    try:
        read = fence.call(contents, raw, plan.limits, limits=plan.limits)
    except fence.Broken as e:
        read = fence.Raised("Broken", e.how)
    if isinstance(read, fence.Raised):
        found, why = Contents(), f"unreadable ({read.kind})"
        outcome = UNREADABLE
    else:
        found, why = read, ""
        outcome = ""
    if found.message_id and store.letters.known(sha, found.message_id, body):
        return Taken(DUPLICATE, sha)
    # A display name holding another address (`taobei@example.org <evil@attacker.test>`) is a
    # disguise: no unit's mail, named to the operator with both.
    unit = None if found.posing else units_by_address(plan).get(found.sender)
    sender = f"{found.sender}（显示名冒充 {found.posing}）" if found.posing else found.sender
    when = received(found.date, delivered)
    taken = Taken(outcome, sha, unit, sender, when, skipped=list(found.skipped), why=why)
    try:
        kept = keep(raw, sha, when, kept_root)
        if not outcome:
            if found.automatic:
                taken.outcome, taken.why = AUTOMATIC, found.automatic
            elif unit is None:
                taken.outcome = UNKNOWN
            elif not found.ledgers:
                taken.outcome = NO_LEDGER
            else:
                taken.outcome = TAKEN
                taken.placed = place(found.ledgers, sha, unit, inbox, when)
    except (OSError, ValueError) as e:  # a name the file system refuses, a full disk
        taken.outcome, taken.why = UNREADABLE, f"not placed ({type(e).__name__}: {e})"
        taken.placed, kept = [], kept_root
    recorded = store.letters.record(
        message_id=found.message_id, sha256=sha, body_sha256=body, unit=unit,
        sender=sender[:250],
        subject=found.subject, received_at=when, read_at=now, outcome=taken.outcome,
        files=[p.name for p in taken.placed], skipped=taken.skipped, kept_path=str(kept))
    return taken if recorded else Taken(DUPLICATE, sha)


def _body(raw: bytes) -> bytes:
    """What follows the message's headers."""
    for blank in (b"\r\n\r\n", b"\n\n"):
        head, found, rest = raw.partition(blank)
        if found:
            return rest
    return b""


def keep(raw: bytes, sha: str, when: dt.datetime, kept_root: Path) -> Path:
    """The whole message, byte for byte, as .eml, named by its date and SHA-256."""
    local = when.astimezone(BEIJING)
    target = kept_root / f"{local:%Y-%m}" / f"{local:%Y%m%dT%H%M%S}_{sha[:16]}.eml"
    _write(target, raw, None)
    return target


def place(ledgers: list[tuple[str, bytes]], sha: str, unit: str, inbox: Path,
          when: dt.datetime) -> list[Path]:
    """Each ledger in the unit's folder, written whole before it appears (a scan never sees
    half a file), dated `when`. The same message placed again gives the same files."""
    folder = inbox / unit
    folder.mkdir(parents=True, exist_ok=True)
    placed = []
    for i, (name, body) in enumerate(ledgers):
        target = inside(folder, placed_name(name, f"{sha}:{i}:{name}"))
        _write(target, body, when)
        placed.append(target)
    return placed


def _write(target: Path, body: bytes, when: dt.datetime | None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists() and target.stat().st_size == len(body):
        return
    tmp = target.with_name(f".{os.getpid()}-{threading.get_ident()}.part")
    tmp.write_bytes(body)
    if when is not None:
        stamp = when.timestamp()
        os.utime(tmp, (stamp, stamp))
    tmp.replace(target)
