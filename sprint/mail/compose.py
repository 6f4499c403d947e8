"""Drafts: three templates per kind (subject, text body, HTML body) built into one MIME message."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from sprint.store import OutboxKey

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "octet-stream"


@dataclass
class Draft:
    key: OutboxKey
    to: list[str]
    subject: str
    text: str
    html: str
    attachments: list[Attachment] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)  # Content-ID -> PNG


@lru_cache(maxsize=4)
def environment(folder: Path = TEMPLATES) -> Environment:
    return Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )


def render(env: Environment, kind: str, context: dict) -> tuple[str, str, str]:
    """Subject (one line, no header breaks), plain text, and HTML with no stray newlines."""
    subject = env.get_template(f"{kind}-subject.txt").render(context)
    subject = re.sub(r"\s+", " ", subject).strip()
    text = env.get_template(f"{kind}-body.txt").render(context).strip() + "\n"
    html = env.get_template(f"{kind}-body.html").render(context | {"subject": subject})
    html = re.sub(r">\s*\n\s*", ">", html).replace("\n", " ")
    return subject, text, html


def to_mime(draft: Draft, sender: str, sender_name: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = formataddr((sender_name, sender))
    msg["To"] = ", ".join(draft.to)
    msg["Subject"] = draft.subject
    msg["Date"] = formatdate(localtime=True)
    domain = sender.rpartition("@")[2] or "localhost"
    # One unique id per message, so clients never thread two reminders as one mail.
    msg["Message-ID"] = f"<{draft.key.duty}.{draft.key.kind}.{uuid.uuid4().hex}@{domain}>"
    msg.set_content(draft.text, subtype="plain", charset="utf-8")
    msg.add_alternative(draft.html, subtype="html", charset="utf-8")
    if draft.images:
        html_part = msg.get_payload()[1]
        for cid, png in draft.images.items():
            html_part.add_related(png, maintype="image", subtype="png", cid=f"<{cid}>",
                                  filename=f"{cid}.png")
    for a in draft.attachments:
        msg.add_attachment(a.content, maintype=a.maintype, subtype=a.subtype, filename=a.filename)
    return msg
