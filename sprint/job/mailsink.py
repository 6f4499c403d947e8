"""A local SMTP server that keeps every message it receives, for the main job and the tests.

Messages go into a Maildir (each one an .eml file the operator can open) and, for tests,
into a list; a message to an address given a mailbox of its own (the operator's, in the main
job) is delivered into that Maildir too, where `sprint watch` reads it. It can be told to answer with a failure, to test what the system does then.
"""

from __future__ import annotations

import asyncio
import mailbox
import os
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller


class KeepingHandler:
    def __init__(self, maildir: Path | None = None, mailboxes: dict[str, Path] | None = None,
                 remember: bool = True):
        self.remember = remember  # parsed, in `received`: for tests; the main job keeps files only
        if maildir:
            maildir.parent.mkdir(parents=True, exist_ok=True)
        self.maildir = mailbox.Maildir(maildir, create=True) if maildir else None
        self.mailboxes = {}
        for address, folder in (mailboxes or {}).items():
            folder.parent.mkdir(parents=True, exist_ok=True)
            self.mailboxes[address.lower()] = mailbox.Maildir(folder, create=True)
        self.received: list[tuple[list[str], EmailMessage]] = []
        self.fail_with: str | None = None  # e.g. "451 4.3.0 try again later"
        self.fail_times: int | None = None  # fail only this many messages, then accept
        self.drop_next = 0  # cut the connection at this many next MAIL commands, unanswered
        self.delay = 0.0  # seconds to think before accepting a message
        self.refuse: dict[str, str] = {}  # recipient -> answer, e.g. "550 5.1.1 no such user"
        self.vanish_after_next = 0  # keep this many next messages, then cut without answering
        self.on_mail = None  # called at each MAIL command: what happens while the server reads it
        self.on_data = None  # called with the recipients at the end of each message's DATA

    def _keep(self, data: bytes) -> None:
        """Into the mail folder as `<unique>.eml`: a double-click opens it in a mail program (a
        Maildir's own names have no extension). Written in tmp/, then moved whole into new/."""
        key = self.maildir.add(data)
        folder = Path(self.maildir._path) / "new"
        os.replace(folder / key, folder / f"{key}.eml")

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.on_mail is not None:
            self.on_mail()
        if self.drop_next > 0:  # before the message: the sender may safely try again
            self.drop_next -= 1
            server.transport.abort()
            return "421 4.4.2 connection dropped"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.on_data is not None:
            self.on_data(list(envelope.rcpt_tos))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_with and (self.fail_times is None or self.fail_times > 0):
            if self.fail_times is not None:
                self.fail_times -= 1
            return self.fail_with
        data = envelope.original_content or envelope.content
        if self.maildir is not None:
            self._keep(data)
        to = {r.lower() for r in envelope.rcpt_tos}
        for address, box in self.mailboxes.items():
            if address in to:
                box.add(data)  # written in tmp/, then moved into new/: a reader sees it whole
        if self.remember:
            message = message_from_bytes(data, policy=policy.default)
            self.received.append((list(envelope.rcpt_tos), message))
        if self.vanish_after_next > 0:  # taken, but the sender never hears so
            self.vanish_after_next -= 1
            server.transport.abort()
        return "250 Message accepted for delivery"


def free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class MailSink:
    def __init__(self, host: str = "127.0.0.1", port: int = 0, maildir: Path | None = None,
                 mailboxes: dict[str, Path] | None = None, remember: bool = True):
        self.handler = KeepingHandler(maildir, mailboxes, remember)
        self.port = port or free_port(host)
        self._controller = Controller(self.handler, hostname=host, port=self.port,
                                      data_size_limit=64 * 1024 * 1024)

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[EmailMessage]:
        return [m for _, m in self.handler.received]

    def __enter__(self) -> MailSink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


class SinkApart:
    """A MailSink keeping files only, in a process of its own: the replay's, whose SMTP
    server would otherwise take turns with the runs that send to it for one core (a hundred
    days of mail is about 300 MB read line by line)."""

    def __init__(self, host: str, port: int, maildir: Path):
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.port = port or free_port(host)
        self._ready, self._done = context.Event(), context.Event()
        self._process = context.Process(target=_serve_apart, daemon=True,
                                        args=(host, self.port, maildir, self._ready, self._done))

    def start(self) -> SinkApart:
        self._process.start()
        if not self._ready.wait(60):
            self._process.kill()
            raise RuntimeError(f"本地邮件服务未能在端口 {self.port} 启动")
        return self

    def stop(self) -> None:
        self._done.set()
        self._process.join(30)
        if self._process.is_alive():
            self._process.kill()


def _serve_apart(host: str, port: int, maildir: Path, ready, done) -> None:
    sink = MailSink(host, port, maildir=maildir, remember=False).start()
    ready.set()
    done.wait()
    sink.stop()
