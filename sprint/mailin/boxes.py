"""The operator's mailbox, read for new messages: a local Maildir (the main job's own SMTP
server delivers the operator's mail into it) or a folder on an IMAP server.

Each message is handed to `take` (sprint/mailin/letter.py), which records it once in the store,
and only then marked as read in the mailbox: moved to the Maildir's cur/, or flagged on the
server. A crash or a dropped connection between the two leaves the message unmarked; the next
read hands it over again, and the store knows it: it is taken in once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import ssl
from collections.abc import Callable
from pathlib import Path

from sprint.domain.calendar import BEIJING
from sprint.domain.records import UNREADABLE
from sprint.mailin.letter import Taken

MAX_MESSAGE = 64 * 1024 * 1024  # what the local SMTP server accepts; a bigger one is not read
FLAG = "$SprintTaken"  # the keyword a taken message gets on the IMAP server
Take = Callable[[bytes, dt.datetime], Taken]


def too_large(name: str, size: int) -> Taken:
    """A message bigger than any the local server takes: not read, said in the watcher's log."""
    return Taken(UNREADABLE, "", why=f"{name}: {size / 2**20:.0f} MB, larger than "
                 f"{MAX_MESSAGE // 2**20} MB: not read, marked read")


class MailboxError(RuntimeError):
    """The mailbox could not be read this time (the server, the network): try again later."""


class Maildir:
    def __init__(self, root: Path):
        self.root = root

    def describe(self) -> str:
        return f"Maildir {self.root}"

    def read(self, take: Take) -> list[Taken]:
        new, cur = self.root / "new", self.root / "cur"
        if not new.is_dir():
            return []
        cur.mkdir(exist_ok=True)
        out = []
        for entry in sorted(os.scandir(new), key=lambda e: e.name):
            if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                continue
            st = entry.stat(follow_symlinks=False)
            if st.st_size <= MAX_MESSAGE:
                raw = Path(entry.path).read_bytes()
                out.append(take(raw, dt.datetime.fromtimestamp(st.st_mtime, tz=BEIJING)))
            else:
                out.append(too_large(entry.name, st.st_size))
            with contextlib.suppress(FileNotFoundError):  # another reader moved it first
                os.replace(entry.path, cur / f"{entry.name}:2,S")
        return out

    def close(self) -> None:
        pass


class Imap:
    """A folder on an IMAP server, over one connection kept open between reads and opened
    again after any failure."""

    def __init__(self, host: str, port: int, user: str, password: str, security: str,
                 folder: str = "INBOX", timeout: float = 60.0):
        self.host, self.port, self.user, self._password = host, port, user, password
        self.security, self.folder, self.timeout = security, folder, timeout
        self._client = None
        self._flag: str | None = None

    def describe(self) -> str:
        return f"IMAP {self.user}@{self.host}:{self.port}/{self.folder}"

    def read(self, take: Take) -> list[Taken]:
        from imapclient.exceptions import IMAPClientError

        try:
            client = self._connect()
            search = ["UNSEEN"] if self._flag == "\\Seen" else ["NOT", "KEYWORD", self._flag]
            uids = client.search(search)
            sizes = client.fetch(uids, ["RFC822.SIZE"]) if uids else {}
            out = []
            for uid in uids:
                size = sizes.get(uid, {}).get(b"RFC822.SIZE", 0)
                if size <= MAX_MESSAGE:
                    data = client.fetch([uid], ["BODY.PEEK[]", "INTERNALDATE"]).get(uid) or {}
                    if b"BODY[]" not in data:  # expunged meanwhile
                        continue
                    delivered = data.get(b"INTERNALDATE") or dt.datetime.now(BEIJING)
                    if delivered.tzinfo is None:
                        delivered = delivered.astimezone()
                    out.append(take(data[b"BODY[]"], delivered))
                else:
                    out.append(too_large(f"UID {uid}", size))
                client.add_flags([uid], [self._flag])
            return out
        except (IMAPClientError, OSError, ssl.SSLError, EOFError) as e:
            self.close()
            raise MailboxError(f"{self.describe()}: {type(e).__name__}: "
                               f"{str(e).replace(self._password, '***')}") from None

    def _connect(self):
        if self._client is not None:
            return self._client
        from imapclient import IMAPClient

        client = IMAPClient(self.host, self.port, ssl=self.security == "ssl",
                            timeout=self.timeout)
        try:
            client.normalise_times = False
            if self.security == "starttls":
                client.starttls(ssl.create_default_context())
            client.login(self.user, self._password)
            selected = client.select_folder(self.folder)
            permanent = selected.get(b"PERMANENTFLAGS", ())
            self._flag = FLAG if b"\\*" in permanent else "\\Seen"
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        self._client = client
        return client

    def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(Exception):
                self._client.logout()
            with contextlib.suppress(Exception):
                self._client.shutdown()
            self._client = None
