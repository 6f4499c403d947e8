"""Mail as units send it, for the tests of mail intake."""

from __future__ import annotations

import io
import zipfile
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import quote

from sprint.demo.ledgers import write_ledger
from tests.factories import beijing, make_ledger


def ledger_bytes(tmp: Path, rows: int = 3, seed: int = 7, broken: bool = False,
                 name: str = "劳动力台账.xlsx") -> bytes:
    frame = make_ledger(rows=rows, seed=seed)
    if broken:  # an ID number that cannot be one: the file is refused
        frame.loc[0, frame.columns[4]] = "22080219900101123"
    path = write_ledger(frame, tmp / f"{seed}-{rows}-{broken}-{name}")
    return path.read_bytes()


def mail(sender: str, attachments: list[tuple[str, bytes]] = (), to: str = "fupinban@example.org",
         subject: str = "回复：【百日冲刺】提醒", date: str = "2020-10-08 10:00",
         message_id: str | None = None, headers: dict | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, subject
    msg["Date"] = format_datetime(beijing(date))
    msg["Message-ID"] = message_id or make_msgid(domain="example.org")
    for k, v in (headers or {}).items():
        msg[k] = v
    msg.set_content("台账见附件。")
    hostile = {}
    for i, (name, body) in enumerate(attachments):
        if any(c in name for c in "\r\n\0"):  # written by hand, as a hostile sender would
            hostile[f"hostile{i}.bin"] = name
            name = f"hostile{i}.bin"
        msg.add_attachment(body, maintype="application", subtype="octet-stream", filename=name)
    raw = msg.as_bytes(policy=msg.policy.clone(linesep="\r\n"))  # as on the wire
    for placeholder, name in hostile.items():  # RFC 2231 carries any character, CR LF too
        raw = raw.replace(f'filename="{placeholder}"'.encode(),
                          f"filename*=utf-8''{quote(name)}".encode())
    return raw


def zipped(members: dict[str, bytes], raw_names: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in members.items():
            z.writestr(name, body)
    return buffer.getvalue()
