"""What a message holds, read from its bytes in a fenced child (sprint/reading/fence.py): the sender,
Message-ID, subject and date, whether it is an automatic message, and its ledgers — attached
(.xlsx, .xls, .csv) or inside an attached .zip, each under the plan's size limits, a zip's
members counted and bounded before any is unpacked, a zip inside a zip never opened."""

from __future__ import annotations

import datetime as dt
import email.header
import email.utils
import io
import re
import zipfile
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage

from sprint.domain.plan import Limits
from sprint.mailin.names import LEDGER_SUFFIXES, base_name, suffix

MB = 1024 * 1024
MAX_MEMBERS = 200  # a zip listing more is not opened
AUTO_FROM = re.compile(r"^(mailer-daemon|postmaster|no-?reply)@", re.I)


@dataclass
class Contents:
    sender: str = ""  # the one address of From, lower-case; "" when none or several
    posing: str = ""  # another address its display name holds: the mail is no unit's
    message_id: str | None = None
    subject: str = ""
    date: dt.datetime | None = None
    automatic: str = ""  # why it is an automatic message, which gets no answer
    ledgers: list[tuple[str, bytes]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # each other attachment, and why


def contents(raw: bytes, limits: Limits) -> Contents:
    msg = message_from_bytes(raw, policy=policy.default)
    sender, posing = senders(msg)
    out = Contents(sender=sender, posing=posing, message_id=_message_id(msg),
                   subject=_header(msg, "Subject")[:200], date=_date(msg),
                   automatic=_automatic(msg))
    biggest = int(limits.max_file_mb * MB)
    forwarded = {id(sub) for part in msg.walk() if part.get_content_type() == "message/rfc822"
                 for sub in list(part.walk())[1:]}
    for part in msg.walk():
        if part.is_multipart():
            continue
        name = _filename(part)
        if not name:
            continue
        if id(part) in forwarded:  # its sender unchecked, its rows no forwarder's own
            out.skipped.append(f"{base_name(name)}：在转发的邮件中，未读取（请将台账直接作为附件发送）")
            continue
        ext = suffix(name)
        if ext not in LEDGER_SUFFIXES + (".zip",):
            out.skipped.append(f"{base_name(name)}：不是台账格式")
            continue
        data = part.get_payload(decode=True) or b""
        if ext == ".zip":
            _unzip(base_name(name), data, limits, out)
        elif len(data) > biggest:
            out.skipped.append(f"{base_name(name)}：超过 {limits.max_file_mb:g} MB")
        else:
            out.ledgers.append((name, data))
    return out


def _unzip(name: str, data: bytes, limits: Limits, out: Contents) -> None:
    biggest, room = int(limits.max_file_mb * MB), int(limits.max_unpacked_mb * MB)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        out.skipped.append(f"{name}：压缩包已损坏，无法打开")
        return
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_MEMBERS:
            out.skipped.append(f"{name}：压缩包内文件过多（{len(members)} 个），未展开")
            return
        for m in members:
            inner = f"{name}/{base_name(_member_name(m))}"
            ext = suffix(_member_name(m))
            if ext not in LEDGER_SUFFIXES:
                out.skipped.append(f"{inner}：" + ("压缩包内的压缩包未展开" if ext == ".zip"
                                                   else "不是台账格式"))
            elif m.flag_bits & 0x1:
                out.skipped.append(f"{inner}：已加密，无法读取")
            elif m.file_size > biggest or m.file_size > room:
                out.skipped.append(f"{inner}：超过 {limits.max_file_mb:g} MB")
            else:
                try:
                    body = _read(archive, m, min(biggest, room))
                except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as e:
                    out.skipped.append(f"{inner}：无法解压（{type(e).__name__}）")
                    continue
                if body is None:  # it unpacked to more than it declared
                    out.skipped.append(f"{inner}：超过 {limits.max_file_mb:g} MB")
                    continue
                room -= len(body)
                out.ledgers.append((_member_name(m), body))


def _read(archive: zipfile.ZipFile, member: zipfile.ZipInfo, most: int) -> bytes | None:
    """The member's bytes, or None once they pass `most`, whatever its header declared."""
    chunks, size = [], 0
    with archive.open(member) as f:
        while chunk := f.read(1 << 20):
            size += len(chunk)
            if size > most:
                return None
            chunks.append(chunk)
    return b"".join(chunks)


def _member_name(m: zipfile.ZipInfo) -> str:
    """A member's name as its writer meant it: Windows in China writes GBK without saying so."""
    if m.flag_bits & 0x800:
        return m.filename
    try:
        return m.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return m.filename


def _header(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:  # a header the parser cannot make sense of
        return ""
    return re.sub(r"\s+", " ", str(value or "")).strip()


def senders(msg: EmailMessage) -> tuple[str, str]:
    """(the sender, another address its display name poses as), read from the From header as
    written: the parsed header keeps only the first address of `a@unit <b@elsewhere>`, which
    made a stranger a unit. The sender is the address in angle brackets; "" when there is no
    From, or more than one, or more than one address."""
    raw = [v for k, v in msg.raw_items() if k.lower() == "from"]
    if len(raw) != 1:
        return "", ""
    text = _decoded(raw[0])
    angle = _ANGLE.findall(text)
    if len(angle) > 1:
        return "", ""
    if angle:
        address = angle[0].strip().lower()
        display = _ANGLE.sub(" ", text)
        others = sorted({a.lower() for a in _ADDRESS.findall(display)} - {address})
        return address, ", ".join(others)[:120]
    try:
        found = email.utils.getaddresses([text])
    except Exception:
        return "", ""
    addresses = {a.strip().lower() for _, a in found if "@" in a}
    return (addresses.pop(), "") if len(addresses) == 1 else ("", "")


_ANGLE = re.compile(r"<\s*([^<>\s]+@[^<>\s]+?)\s*>")
_ADDRESS = re.compile(r"[^\s<>()\"',;:@]+@[^\s<>()\"',;:@]+")


def _decoded(value: str) -> str:
    """A header's text with its encoded words (=?utf-8?b?...?=) decoded, one line."""
    value = value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    try:
        value = str(email.header.make_header(email.header.decode_header(value)))
    except Exception:
        pass
    return re.sub(r"\s+", " ", value).strip()


def _sender(msg: EmailMessage) -> str:
    return senders(msg)[0]


def _message_id(msg: EmailMessage) -> str | None:
    text = _header(msg, "Message-ID").strip("<> ")
    return text[:250] if text and " " not in text else None


def _date(msg: EmailMessage) -> dt.datetime | None:
    try:
        value = email.utils.parsedate_to_datetime(_header(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return None
    return value if value.tzinfo is not None else None


def _automatic(msg: EmailMessage) -> str:
    auto = _header(msg, "Auto-Submitted").lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto[:40]}"
    if _header(msg, "Precedence").lower() in ("bulk", "junk", "list", "auto_reply"):
        return "Precedence: " + _header(msg, "Precedence").lower()
    if _header(msg, "X-Autoreply") or _header(msg, "X-Autorespond"):
        return "an auto-reply"
    if AUTO_FROM.match(_sender(msg)):
        return "from a mail system"
    return ""


def _filename(part) -> str:
    try:
        return part.get_filename() or ""
    except Exception:
        return ""
