"""Sending through yagmail, with its pitfalls kept out.

yagmail opens and authenticates the connection (SSL, STARTTLS, login). We build the MIME message
ourselves (compose.to_mime) because yagmail's builder puts the HTML into the text/plain part,
turns newlines into <br> and gives equal messages equal Message-IDs; and we raise on every
failure, where yagmail's own send returns False and queues the message in memory.
"""

from __future__ import annotations

from collections.abc import Callable
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Protocol

import yagmail


class MailError(Exception):
    def __init__(self, message: str, transient: bool):
        super().__init__(message)
        self.transient = transient


# The bytes to send, or what gives them when the server is ready for the message (None: send
# nothing after all).
Content = bytes | Callable[[], bytes | None]


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> dict[str, str]: ...
    def send_raw(self, recipients: list[str], data: Content) -> dict[str, str] | None: ...
    def close(self) -> None: ...


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _answered(code: int, reply: object) -> MailError:
    return MailError(f"server answered {code} {_text(reply)}", transient=not 500 <= code < 600)


def _refused(refused: dict) -> MailError:
    transient = any(400 <= c < 500 for c, _ in refused.values())
    detail = "; ".join(f"{a}: {c} {_text(m)}" for a, (c, m) in refused.items())
    return MailError(f"recipients refused: {detail}", transient)


def _classify(error: Exception) -> MailError:
    code = getattr(error, "smtp_code", None)
    if isinstance(code, int):
        return _answered(code, getattr(error, "smtp_error", b""))
    return MailError(f"{type(error).__name__}: {error}", transient=True)


class YagmailMailer:
    def __init__(self, host: str, port: int, sender: str, user: str | None = None,
                 password: str | None = None, security: str = "none", timeout: float = 30.0):
        self._options = dict(
            user=user or sender, password=password, host=host, port=port,
            smtp_ssl=security == "ssl", smtp_starttls=security == "starttls",
            smtp_skip_login=not user, soft_email_validation=False, timeout=timeout,
        )
        self._client: yagmail.SMTP | None = None
        self._sender = sender
        self._mail_from = f"FROM:<{parseaddr(sender)[1] or sender}>"

    def _connected(self) -> yagmail.SMTP:
        if self._client is None:
            client = yagmail.SMTP(**self._options)
            try:
                client.login()
            except Exception as e:  # connection refused, TLS or login failure
                raise _classify(e) from e
            self._client = client
        return self._client

    def send(self, message: EmailMessage) -> dict[str, str]:
        """Send one message; returns the recipients the server refused while taking the others.

        Raises MailError when no recipient got it: transient for 4xx answers and lost
        connections, permanent for 5xx.
        """
        recipients = [a.addr_spec for h in ("To", "Cc", "Bcc") for a in getattr(message[h], "addresses", ())]
        return self.send_raw(recipients, message.as_bytes(policy=policy.SMTP))

    def send_raw(self, recipients: list[str], data: Content) -> dict[str, str] | None:
        """Send a message already rendered to bytes, exactly as recorded in the outbox; returns
        the recipients refused, or None when `data` gave None and nothing was sent.

        The transaction is the one smtplib's sendmail makes, taken a step at a time so that a
        callable `data` runs while the server reads the MAIL command: the outbox claims the
        message there, and its commit costs no time of its own. The server takes a message
        only at the end of its DATA, so nothing can arrive before the claim is written.
        """
        smtp = self._connected().smtp
        try:
            smtp.ehlo_or_helo_if_needed()
            smtp.putcmd("mail", self._mail_from)
        except Exception as e:
            self.close()
            raise _classify(e) from e
        try:
            content = data() if callable(data) else data
        except BaseException:
            self.close()  # the MAIL answer is still unread: start afresh next time
            raise
        try:
            return self._transaction(smtp, recipients, content)
        except MailError:
            raise
        except Exception as e:  # the connection may be broken: reconnect for the next message
            self.close()
            raise _classify(e) from e

    def _transaction(self, smtp, recipients: list[str], content: bytes | None):
        code, reply = smtp.getreply()
        if content is None:
            return self._abandon(code, None)
        if code != 250:
            raise self._abandon(code, _answered(code, reply))
        refused = {}
        for address in recipients:
            code, reply = smtp.rcpt(address)
            if code not in (250, 251):
                refused[address] = (code, reply)
        if len(refused) == len(recipients):
            raise self._abandon(code, _refused(refused))
        code, reply = smtp.data(content)
        if code != 250:
            raise self._abandon(code, _answered(code, reply))
        return {a: f"{c} {_text(m)}" for a, (c, m) in refused.items()}

    def _abandon(self, code: int, error):
        """End the transaction as sendmail does: a 421 closes the connection, else RSET."""
        if code == 421:
            self.close()
        else:
            try:
                self._client.smtp.rset()
            except Exception:
                self.close()
        return error

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
