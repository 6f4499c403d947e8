"""Messages: three templates per kind (subject, text body, HTML body) built into one MIME
message, exactly as it goes on the wire."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from email import encoders, message_from_bytes, policy
from email.header import Header
from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.ext import Extension

from sprint.config.resources import templates
from sprint.domain.records import OutboxKey

_WIRE = policy.compat32.clone(linesep="\r\n")
TEMPLATES = templates()  # the top-level templates/, in a checkout or where pip installed it


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "octet-stream"


@dataclass
class Message:
    key: OutboxKey
    to: list[str]
    subject: str
    text: str
    html: str
    attachments: list[Attachment] = field(default_factory=list)
    images: dict[str, bytes] = field(default_factory=dict)  # Content-ID -> PNG
    covers: tuple[OutboxKey, ...] = ()  # the keys it settles, when not only its own
    chats: list | None = None  # its group robots' messages (sprint.chat), when made with it


@lru_cache(maxsize=4)
def quoted(value) -> str:
    """Text in Chinese quotation marks; its own “…” become ‘…’, as Chinese nests quotes (not
    ““三保障”和饮水安全…”)."""
    text = str(value).replace("“", "‘").replace("”", "’")
    return f"“{text}”"


class Quotes(Extension):
    """Every `“{{ x }}”` of a template is read as `{{ x|quoted }}`: a quoted title that holds
    quotes of its own is nested right, in every template, present and future."""

    def preprocess(self, source, name, filename=None):
        return _QUOTED.sub(lambda m: "{{ (" + m.group(1).strip() + ")|quoted }}", source)


_QUOTED = re.compile(r"“\{\{(.+?)\}\}”")


def environment(folder: Path = TEMPLATES) -> Environment:
    env = Environment(
        loader=FileSystemLoader(folder),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
        extensions=[Quotes],
    )
    env.filters["quoted"] = quoted
    return env


def render(env: Environment, kind: str, context: dict) -> tuple[str, str, str]:
    """Subject (one line, no header breaks), plain text, and HTML with no stray newlines."""
    subject = env.get_template(f"{kind}-subject.txt").render(context)
    subject = re.sub(r"\s+", " ", subject).strip()
    text = env.get_template(f"{kind}-body.txt").render(context).strip() + "\n"
    html = env.get_template(f"{kind}-body.html").render(context | {"subject": subject})
    html = re.sub(r">\s*\n\s*", ">", html).replace("\n", " ")
    return subject, text, html


def to_bytes(draft: Message, sender: str, sender_name: str) -> bytes:
    """The message as it goes on the wire, CRLF line endings.

    Built with the email package's classic classes: its newer API parses and refolds every
    header it is given, which cost more than rendering and sending together in a replay.
    """
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(_line(draft.text), "plain", "utf-8"))
    html = MIMEText(_line(draft.html), "html", "utf-8")
    if draft.images:
        related = MIMEMultipart("related")
        related.attach(html)
        for cid, png in draft.images.items():
            image = MIMEImage(png, "png")
            image.add_header("Content-ID", f"<{cid}>")
            image.add_header("Content-Disposition", "inline", filename=f"{cid}.png")
            related.attach(image)
        html = related
    alternative.attach(html)
    msg = alternative
    if draft.attachments:
        msg = MIMEMultipart("mixed")
        msg.attach(alternative)
        for a in draft.attachments:
            part = MIMEApplication(a.content, a.subtype) if a.maintype == "application" else \
                MIMEBase(a.maintype, a.subtype)
            if a.maintype != "application":
                part.set_payload(a.content)
                encoders.encode_base64(part)
            part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", a.filename))
            msg.attach(part)
    msg["From"] = formataddr((sender_name, sender))
    msg["To"] = ", ".join(draft.to)
    msg["Subject"] = Header(draft.subject, "utf-8")
    msg["Date"] = formatdate(localtime=True)
    domain = sender.rpartition("@")[2] or "localhost"
    # One unique id per message, so clients never thread two reminders as one mail.
    msg["Message-ID"] = f"<{draft.key.duty}.{draft.key.kind}.{uuid.uuid4().hex}@{domain}>"
    # Sent by a program (RFC 3834): a mail program sends no out-of-office reply to it, and our
    # own mailbox reader takes none of our messages for a unit's submission.
    msg["Auto-Submitted"] = "auto-generated"
    return msg.as_bytes(policy=_WIRE)


def _line(text: str) -> str:
    return text if text.endswith("\n") else text + "\n"


def to_mime(draft: Message, sender: str, sender_name: str) -> EmailMessage:
    """The message as a reader sees it: the bytes of `to_bytes`, parsed."""
    return message_from_bytes(to_bytes(draft, sender, sender_name), policy=policy.default)
